"""Terminal views of run results, built from the same tables the files and the PDF use."""

from __future__ import annotations

import math

from rich.table import Table

from xsim.runner import RunResult

_PERCENT = {"course_conversion", "policy_conversion", "churn_rate", "loss_ratio"}


def arm_table(result: RunResult) -> Table:
    """Per-arm key metrics: one column per arm, one row per metric."""
    summary = result.to_frame()
    table = Table(title=f"{result.scenario.name}: per-arm key metrics (experiment period)")
    table.add_column("metric")
    for arm in summary.index:
        table.add_column(str(arm), justify="right")
    for metric in summary.columns:
        table.add_row(metric, *(format_value(metric, v) for v in summary[metric]))
    return table


def format_value(metric: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if metric in _PERCENT:
        return f"{value:.2%}"
    if metric == "users":
        return f"{int(value):,}"
    return f"{value:,.3f}"


_EFFECT_COLUMNS = ("metric", "arm", "adj", "diff [CI]", "lift [CI]", "p adj", "verdict",
                   "true diff")  # fmt: skip


def effects_table(effects) -> Table:
    """Effects of each arm vs control (raw, CUPED and guardrail rows; overall, not segments),
    with the true effect beside each estimate when the result carries one."""
    level = 1 - effects.settings.get("alpha", 0.05)
    title = f"Effects vs control ({level:.0%} CIs unadjusted; p adj over metrics x arms)"
    table = Table(title=title)
    rows = [row for row in effects.to_dicts() if row["segment"] is None]
    with_truth = any(row.get("true_diff") is not None for row in rows)
    columns = _EFFECT_COLUMNS if with_truth else _EFFECT_COLUMNS[:-1]
    for name in columns:
        table.add_column(name, justify="left" if name in ("metric", "arm", "adj") else "right")
    for row in rows:
        table.add_row(*effect_cells(row)[: len(columns)])
    return table


def effect_cells(row: dict) -> list[str]:
    """One effects row as display strings (shared by console and PDF tables)."""
    return [
        row["metric"],
        row["arm"],
        "cuped" if row["cuped"] else ("guard" if row["role"] == "guardrail" else "raw"),
        f"{_num(row['diff'], True)} [{_num(row['diff_ci_low'])}, {_num(row['diff_ci_high'])}]",
        _lift(row),
        _num(row["p_adjusted"]) if row["p_adjusted"] is not None else "",
        _verdict(row),
        _num(row.get("true_diff"), True) if row.get("true_diff") is not None else "",
    ]


def _verdict(row: dict) -> str:
    if row["role"] == "guardrail":
        return {True: "holds", False: "breached", None: "–"}[row["noninferior"]]
    return {True: "significant", False: "n.s.", None: "–"}[row["significant"]]


def _lift(row: dict) -> str:
    if row["rel_lift"] is None:
        return "–"
    low, high = row["rel_ci_low"], row["rel_ci_high"]
    interval = f" [{low:+.1%}, {high:+.1%}]" if low is not None and high is not None else ""
    return f"{row['rel_lift']:+.1%}{interval}"


def _num(value, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.3g}" if signed else f"{value:.3g}"
