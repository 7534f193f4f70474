"""How the course market behaves: how much of the catalogue sells and how concentrated sales
are (a market that locks onto a handful of courses is a broken recommender loop, not a
finding)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def course_sales(events: pa.Table, n_courses: int, warmup_days: int = 0) -> np.ndarray:
    """Purchases per course from ``warmup_days`` on (the experiment period by default: all)."""
    kind = pc.cast(events["kind"], pa.string())
    purchase = pc.and_(pc.equal(kind, "purchase"), pc.greater_equal(events["day"], warmup_days))
    items = events.filter(purchase)["item"].to_numpy()
    items = items[(items >= 0) & (items < n_courses)]
    return np.bincount(items, minlength=n_courses)


def concentration(sales: np.ndarray, top: int = 6) -> dict[str, float]:
    """Share of courses ever bought, share of purchases on the ``top`` best sellers, and the
    Herfindahl index of purchase shares (1/courses when even, 1 when one course takes all)."""
    total = sales.sum()
    if total == 0:
        return {"courses_bought_share": 0.0, f"top_{top}_share": float("nan"), "hhi": float("nan")}
    shares = sales / total
    return {
        "courses_bought_share": float(np.mean(sales > 0)),
        f"top_{top}_share": float(np.sort(shares)[::-1][:top].sum()),
        "hhi": float(np.sum(shares**2)),
    }
