"""Treatment x segment interaction: does the effect differ between segments?

Segment cells answer "is there an effect in this segment?", which is a different question from
"is the effect in segment A different from segment B?": a significant cell beside a
non-significant one is not evidence of a difference (Gelman & Stern 2006). The test here is
Cochran's Q over the segments' independent estimates (segments are disjoint sets of units):

  Q = sum_s w_s (d_s - d_w)^2,  w_s = 1 / se_s^2,  d_w = sum w_s d_s / sum w_s,

chi-square with (segments - 1) df under "the same effect everywhere". It is computed from the
segment rows themselves (raw, not CUPED; cells whose own test is valid), so it needs nothing
the table does not already show.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .validity import OK


def interaction_tests(rows: list[dict]) -> list[dict]:
    """One Q test per (metric, reference, arm) with at least two usable segment cells."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        usable = (
            row["segment"] is not None
            and row["role"] == "primary"
            and not row["cuped"]
            and row["validity"] == OK
            and row["diff_se"] is not None
            and np.isfinite(row["diff_se"])
            and row["diff_se"] > 0
        )
        if usable:
            groups.setdefault((row["metric"], row["control"], row["arm"]), []).append(row)
    return [_q_test(key, cells) for key, cells in groups.items() if len(cells) >= 2]


def _q_test(key: tuple, cells: list[dict]) -> dict:
    diff = np.array([c["diff"] for c in cells], dtype=float)
    weight = 1.0 / np.array([c["diff_se"] for c in cells], dtype=float) ** 2
    pooled = float(np.sum(weight * diff) / np.sum(weight))
    q = float(np.sum(weight * (diff - pooled) ** 2))
    df = len(cells) - 1
    metric, control, arm = key
    return {
        "metric": metric,
        "control": control,
        "arm": arm,
        "segments": [c["segment"] for c in cells],
        "pooled_diff": pooled,
        "q": q,
        "df": df,
        "p_value": float(stats.chi2.sf(q, df)),
    }


def interaction_note(tests: list[dict], alpha: float) -> str | None:
    if not tests:
        return None
    parts = [
        f"{t['metric']} / {t['arm']}: Q = {t['q']:.3g}, df = {t['df']}, p = {t['p_value']:.3g}"
        + (" (the effect differs between segments)" if t["p_value"] < alpha else "")
        for t in tests
    ]
    return (
        "Treatment x segment interaction (Cochran's Q over the segment cells' effects; a"
        " significant cell next to a non-significant one is no evidence of a difference): "
        + "; ".join(parts)
        + "."
    )
