"""``objective.json``: the joint value M(S) = P(S)·F(S) per arm, as the objective scored it.

Read tolerantly: per-arm records (a list with an ``arm`` key, or a mapping arm → record) whose
scores are numbers or ``{"value", "se", "low", "high"}`` objects, found either at the top of the
record or under ``scores``. Names P/F may also be spelt platform/insurer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from xsim.reports.document import ReportDocument
from xsim.reports.tables import DASH, sig

ALIASES = {"P": ("p", "platform", "p_s"), "F": ("f", "insurer", "f_s"), "M": ("m", "m_s")}


def arm_records(data: Any) -> dict[str, dict]:
    if not isinstance(data, dict):
        return {}
    arms = data.get("arms", data.get("rows"))
    if isinstance(arms, list):
        return {str(r.get("arm")): r for r in arms if isinstance(r, dict)}
    return (
        {str(k): v for k, v in arms.items() if isinstance(v, dict)}
        if isinstance(arms, dict)
        else {}
    )


def scores(record: dict) -> dict[str, dict]:
    """Score name → {value, se, low, high} (missing parts NaN)."""
    found = {}
    for source in (record.get("scores") or {}, record):
        for name, raw in source.items():
            score = _score(raw)
            if score is not None and name not in ("n_users", "value", "arm"):
                found.setdefault(_canonical(name), score)
    return found


def pf_frame(data: Any) -> pd.DataFrame | None:
    """Per arm P, F, M (as scored, never recomputed) and the standard errors of P and F;
    None when the file has no scores."""
    rows = {}
    for arm, record in arm_records(data).items():
        s = scores(record)
        if "P" in s and "F" in s and "M" in s:
            rows[arm] = {"P": s["P"]["value"], "F": s["F"]["value"], "M": s["M"]["value"],
                         "P_se": s["P"]["se"], "F_se": s["F"]["se"]}  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index") if rows else None


def render(doc: ReportDocument, data: Any) -> None:
    """A table of every arm's scores with intervals, then the file's other fields."""
    from xsim.reports.sections import generic  # the generic renderer shows the rest

    records = arm_records(data)
    names = list(dict.fromkeys(n for r in records.values() for n in scores(r)))
    if not names:
        generic(doc, data)
        return
    rows = [[arm, *(_cell(scores(r).get(n)) for n in names), _feasible(r)]
            for arm, r in records.items()]  # fmt: skip
    caption = "Scores per arm from objective.json: value [95% interval]."
    doc.table_of(["arm", *names, "feasible"], rows, caption=caption, left={"arm"})
    rest = {k: v for k, v in data.items() if k not in ("arms", "rows")}
    if rest:
        generic(doc, rest)


def _score(raw: Any) -> dict | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return {"value": float(raw), "se": np.nan, "low": np.nan, "high": np.nan}
    if isinstance(raw, dict) and isinstance(raw.get("value"), int | float):
        return {k: _float(raw.get(k)) for k in ("value", "se", "low", "high")}
    return None


def _canonical(name: str) -> str:
    lower = str(name).lower()
    return next((key for key, names in ALIASES.items() if lower in names), str(name))


def _float(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and value is not None else math.nan


def _cell(score: dict | None) -> str:
    if score is None:
        return DASH
    if math.isfinite(score["low"]) and math.isfinite(score["high"]):
        return f"{sig(score['value'])} [{sig(score['low'])}, {sig(score['high'])}]"
    return sig(score["value"])


def _feasible(record: dict) -> str:
    return {True: "yes", False: "NO"}.get(record.get("feasible"), DASH)
