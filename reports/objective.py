"""The objective section: the joint value M(S) = P(S)·F(S) per arm, as the run scored it.

Reads the typed `ObjectiveResult` (objective.json through its ``from_dict``): the report shows
the scores, never recomputes them.
"""

from __future__ import annotations

import math

import pandas as pd

from xsim.analysis.objective import Estimate, ObjectiveResult
from xsim.reports.document import ReportDocument
from xsim.reports.tables import DASH, sig

SHOWN = ("P", "F", "M", "joint_surplus", "platform_gain", "insurer_gain")


def pf_frame(objective: ObjectiveResult | None) -> pd.DataFrame | None:
    """Per arm P, F, M (as scored) and the standard errors of P and F, for the arms where all
    three are defined (F is undefined when the insurer's control value is not positive);
    None when no arm has them."""
    if objective is None:
        return None
    rows = {
        a.arm: {"P": a.scores["P"].value, "F": a.scores["F"].value, "M": a.scores["M"].value,
                "P_se": a.scores["P"].se, "F_se": a.scores["F"].se}
        for a in objective.arms
        if all(math.isfinite(a.scores[n].value) for n in ("P", "F", "M"))
    }  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index") if rows else None


def render(doc: ReportDocument, objective: ObjectiveResult) -> None:
    """Every arm's scores with intervals and twin-world truth, then feasibility and notes."""
    names = [n for n in SHOWN if any(n in a.scores for a in objective.arms)]
    rows = [
        [a.arm, *(_cell(a.scores.get(n), a.truth.get(n)) for n in names),
         "yes" if a.feasible else "NO"]
        for a in objective.arms
    ]  # fmt: skip
    caption = (
        f"Scores per arm: value [{objective.confidence_level:.0%} interval] (twin-world "
        f"truth); values per user over {objective.valuation.get('years', 1):g} year(s), "
        f"claims on the {objective.claims_basis} basis."
    )
    doc.table_of(["arm", *names, "feasible"], rows, caption=caption, left={"arm"})
    for note in objective.notes:
        doc.paragraph(note)


def _cell(score: Estimate | None, truth: float | None) -> str:
    if score is None:
        return DASH
    text = sig(score.value)
    if math.isfinite(score.low) and math.isfinite(score.high) and score.high > score.low:
        text += f" [{sig(score.low)}, {sig(score.high)}]"
    if truth is not None and math.isfinite(truth):
        text += f" ({sig(truth)})"
    return text
