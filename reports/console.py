"""Terminal views of run results, built from the same tables the files and the PDF use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from xsim.reports.tables import (
    CONSOLE_COLUMNS,
    LEFT_ALIGNED,
    REALISED_CLAIMS_HEADER,
    effect_cells,
    effect_columns,
    format_value,
    overall_rows,
    realised_claims_notes,
    realised_claims_rows,
    summary_rows,
)

if TYPE_CHECKING:
    from xsim.pipeline.runner import RunResult

__all__ = [
    "arm_table",
    "claims_table",
    "effect_cells",
    "effects_table",
    "format_value",
    "objective_table",
]


def arm_table(result: RunResult) -> Table:
    """Per-arm key metrics: one column per arm, one row per metric."""
    header, rows = summary_rows(result.to_frame())
    table = Table(title=f"{result.scenario.name}: per-arm key metrics (experiment period)")
    table.add_column(header[0])
    for arm in header[1:]:
        table.add_column(arm, justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def effects_table(effects) -> Table:
    """Effects of each arm vs control (raw, CUPED and guardrail rows; overall, not segments),
    with the true effect beside each estimate when the result carries one."""
    level = 1 - effects.settings.get("alpha", 0.05)
    title = f"Effects vs control ({level:.0%} CIs unadjusted; p adj over metrics x arms)"
    table = Table(title=title)
    rows = overall_rows(effects.to_dicts())
    columns = effect_columns(rows, CONSOLE_COLUMNS)
    for name in columns:
        table.add_column(name, justify="left" if name in LEFT_ALIGNED - {"verdict"} else "right")
    for row in rows:
        table.add_row(*effect_cells(row, columns))
    return table


def claims_table(records: list[dict]) -> Table:
    """Per arm (risk.json's ``realised_claims``): reported claims and amount with intervals,
    the chain-ladder ultimate beside the simulation's true incurred."""
    title = "Realised claims per arm (experiment period, reported by the horizon)"
    table = Table(title=title, caption="\n".join(realised_claims_notes(records)) or None)
    for name in REALISED_CLAIMS_HEADER:
        table.add_column(name, justify="left" if name == "arm" else "right")
    for row in realised_claims_rows(records):
        table.add_row(*row)
    return table


def objective_table(objective) -> Table:
    """Per arm: each firm's value per user in money, P, F, M with its interval, the joint
    surplus and feasibility; the twin-world truth of M beside it when known. Fits 80 columns."""
    table = Table(title="Joint value per arm (values per user over the valuation horizon)")
    for name in ("arm", "platform", "insurer", "P", "F", "M [CI]", "M true", "ok"):
        table.add_column(name, justify="left" if name == "arm" else "right")
    for arm in objective.arms:
        m = arm.scores["M"]
        values = arm.components
        table.add_row(
            arm.arm,
            format_value("", values["platform_value"]["arm"]),
            format_value("", values["insurer_value"]["arm"]),
            format_value("", arm.scores["P"].value),
            format_value("", arm.scores["F"].value),
            f"{format_value('', m.value)} [{format_value('', m.low)}, {format_value('', m.high)}]",
            format_value("", arm.truth.get("M", float("nan"))),
            "yes" if arm.feasible else "NO",
        )
    return table
