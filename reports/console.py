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
