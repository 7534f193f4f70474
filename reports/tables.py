"""Display strings for result rows, shared by the console and the PDF so they never disagree.

Every table is built from the rows of ``to_dicts()`` (effects) or the per-arm summary frame;
each column is a named formatter, so the console and the PDF pick columns, never re-format.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd

from xsim.analysis.claims import NOT_ESTIMABLE
from xsim.core.columns import LOWER_IS_BETTER

PERCENT_METRICS = {"course_conversion", "policy_conversion", "churn_rate", "loss_ratio"}
SIG_DIGITS = 3
DASH = "–"


def sig(value, signed: bool = False, digits: int = SIG_DIGITS) -> str:
    """A number with ``digits`` significant digits (the one number format of the reports)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    return f"{value:+.{digits}g}" if signed else f"{value:.{digits}g}"


def pct(value, signed: bool = True) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def format_value(metric: str, value) -> str:
    """A per-arm summary value: percentages for rates, thousands separators for counts."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if metric in PERCENT_METRICS:
        return f"{value:.2%}"
    if metric == "users":
        return f"{int(value):,}"
    return f"{value:,.3f}"


def summary_rows(summary: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """The per-arm summary as a header (metric, arms...) and one row of strings per metric."""
    header = ["metric", *(str(arm) for arm in summary.index)]
    rows = [[m, *(format_value(m, v) for v in summary[m])] for m in summary.columns]
    return header, rows


def adjustment(row: dict) -> str:
    return "cuped" if row["cuped"] else ("guard" if row["role"] == "guardrail" else "raw")


def verdict(row: dict) -> str:
    """The row's verdict as the estimator gave it ("insufficient data" where the test's
    conditions failed and nothing valid replaced it; "not yet estimable" for a claims metric
    with too few claims); rows written before verdicts existed fall back to the booleans."""
    if row.get("status") == NOT_ESTIMABLE:  # too few claims: never a verdict either way
        return NOT_ESTIMABLE
    if row.get("verdict"):
        return _SHORT_VERDICTS.get(row["verdict"], row["verdict"])
    if row["role"] == "guardrail":
        return {True: "holds", False: "inconclusive", None: DASH}[row["noninferior"]]
    return {True: "significant", False: "n.s.", None: DASH}[row["significant"]]


_SHORT_VERDICTS = {"not significant": "n.s."}


def diff_ci(row: dict) -> str:
    return f"{sig(row['diff'], True)} [{sig(row['diff_ci_low'])}, {sig(row['diff_ci_high'])}]"


def lift_ci(row: dict) -> str:
    if row["rel_lift"] is None:
        return DASH
    low, high = row["rel_ci_low"], row["rel_ci_high"]
    interval = f" [{pct(low)}, {pct(high)}]" if low is not None and high is not None else ""
    return f"{pct(row['rel_lift'])}{interval}"


def _true_diff(row: dict) -> str:
    return sig(row.get("true_diff"), True) if row.get("true_diff") is not None else ""


def _covers(row: dict) -> str:
    return {True: "yes", False: "NO", None: ""}[row.get("ci_covers_truth")]


COLUMNS: dict[str, Callable[[dict], str]] = {
    "metric": lambda r: r["metric"],
    "arm": lambda r: r["arm"],
    "segment": lambda r: "" if r["segment"] is None else str(r["segment"]),
    "adj": adjustment,
    "mean control": lambda r: sig(r["mean_control"]),
    "mean arm": lambda r: sig(r["mean_treatment"]),
    "diff [CI]": diff_ci,
    "lift [CI]": lift_ci,
    "p": lambda r: sig(r["p_value"]) if r["p_value"] is not None else "",
    "p adj": lambda r: sig(r["p_adjusted"]) if r["p_adjusted"] is not None else "",
    "verdict": verdict,
    "P(beat)": lambda r: pct(r["prob_beat_control"], signed=False),
    "true diff": _true_diff,
    "covers": _covers,
}
CONSOLE_COLUMNS = ("metric", "arm", "adj", "diff [CI]", "lift [CI]", "p adj", "verdict",
                   "true diff")  # fmt: skip
METRIC_COLUMNS = ("arm", "adj", "mean control", "mean arm", "diff [CI]", "lift [CI]", "p adj",
                  "verdict", "P(beat)", "true diff")  # fmt: skip
SEGMENT_COLUMNS = ("segment", "metric", "arm", "adj", "diff [CI]", "lift [CI]", "p adj",
                   "verdict")  # fmt: skip
LEFT_ALIGNED = {"metric", "arm", "segment", "adj", "verdict"}


def effect_cells(row: dict, columns: Sequence[str] = CONSOLE_COLUMNS) -> list[str]:
    """One effects row as display strings (the console and the PDF call this)."""
    return [COLUMNS[name](row) for name in columns]


def overall_rows(rows: list[dict]) -> list[dict]:
    """Rows for the whole population (not a segment)."""
    return [row for row in rows if row["segment"] is None]


def has_truth(rows: list[dict]) -> bool:
    return any(row.get("true_diff") is not None for row in rows)


def effect_columns(rows: list[dict], columns: Sequence[str]) -> tuple[str, ...]:
    """``columns`` without the truth column when no row has a true effect."""
    return tuple(c for c in columns if c != "true diff" or has_truth(rows))


def metric_table(rows: list[dict], metric: str) -> tuple[tuple[str, ...], list[list[str]]]:
    """Header and cells of the rows of one metric (overall), in the PDF's per-metric layout."""
    chosen = [r for r in overall_rows(rows) if r["metric"] == metric]
    columns = effect_columns(chosen, METRIC_COLUMNS)
    return columns, [effect_cells(r, columns) for r in chosen]


def metrics_in_order(rows: list[dict]) -> list[str]:
    """Metrics as they appear: primaries first, then guardrails."""
    primary = [r["metric"] for r in rows if r["role"] != "guardrail"]
    guard = [r["metric"] for r in rows if r["role"] == "guardrail"]
    return list(dict.fromkeys(primary + guard))


def lower_is_better(row: dict) -> bool:
    """The metric's direction: known names first, else read from the Bayesian read-out (which
    is oriented by the metric's direction: P(beat) > 1/2 with a negative difference means
    lower is better)."""
    if row["metric"] in LOWER_IS_BETTER:
        return True
    diff, prob = row.get("diff"), row.get("prob_beat_control")
    if diff is None or prob is None or diff == 0 or abs(prob - 0.5) < 1e-9:
        return False
    return (diff < 0) == (prob > 0.5)


REALISED_CLAIMS_HEADER = (
    "arm",
    "claims reported [CI]",
    "amount reported [CI]",
    "chain-ladder ultimate (IBNR ± S.E.)",
    "true incurred (IBNR)",
    "estimable",
)


def realised_claims_rows(records: list[dict]) -> list[list[str]]:
    """Cells of risk.json's ``realised_claims``, one row per arm (console and PDF)."""
    return [
        [str(r["arm"]),
         f"{r['claims_reported_count']:,} [{_one(r['claims_reported_count_ci_low'])}, "
         f"{_one(r['claims_reported_count_ci_high'])}]",
         f"{_money(r['claims_reported'])} [{_money(r['claims_reported_ci_low'])}, "
         f"{_money(r['claims_reported_ci_high'])}]",
         f"{_money(r['chain_ladder_ultimate'])} ({_money(r['chain_ladder_ibnr'])}"
         f"{_se(r['chain_ladder_ibnr_se'])})",
         f"{_money(r['true_claims_incurred'])} ({_money(r['true_claims_ibnr'])})",
         "yes" if r["estimable"] else NOT_ESTIMABLE]
        for r in records
    ]  # fmt: skip


def realised_claims_notes(records: list[dict]) -> list[str]:
    """Each arm's note (why a number is missing or not to be read as a result)."""
    return [f"{r['arm']}: {r['note']}" for r in records if r.get("note")]


def _money(value) -> str:
    return DASH if value is None else f"{value:,.0f}"


def _se(value) -> str:
    return "" if value is None else f" ± {value:,.0f}"


def _one(value) -> str:
    return DASH if value is None else f"{value:.1f}"
