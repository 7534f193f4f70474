"""`xsim analyze`: the A/B statistics of `xsim run`, applied to real pilot data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xsim.core.errors import InputError
from xsim.estimators.effects import CORRECTIONS, Guardrail, analyze, read_table


def analyze_command(
    data: Annotated[Path, typer.Argument(help="CSV, gzipped CSV or Parquet; one row per unit.")],
    arm: Annotated[str, typer.Option(help="Column holding the arm of each unit.")],
    control: Annotated[str, typer.Option(help="Name of the control arm in that column.")],
    metric: Annotated[
        list[str],
        typer.Option(help="Metric NAME[:proportion|mean] or NUM/DEN (ratio); repeatable."),
    ],
    covariate: Annotated[
        list[str] | None, typer.Option(help="Pre-period column for CUPED; repeatable.")
    ] = None,
    segment: Annotated[str | None, typer.Option(help="Break results down by this column.")] = None,
    guardrail: Annotated[
        list[str] | None,
        typer.Option(help="METRIC:MARGIN non-inferiority check (margin as share of control)."),
    ] = None,
    alpha: Annotated[float, typer.Option(help="Significance level, 0 < alpha < 0.5.")] = 0.05,
    correction: Annotated[str, typer.Option(help="holm, bh or none.")] = "holm",
    dropna: Annotated[bool, typer.Option(help="Drop rows with missing values.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results as JSON.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the rows as CSV.")] = None,
):
    """Analyse a real A/B test with the same statistics as simulated runs.

    The metric specs (of ``--metric`` and ``--guardrail``) are read once, with the data, by
    `analyze`: a name without a kind is guessed from its column, and the notes say which kind
    each metric was read as."""
    _check_options(alpha, correction)
    guardrails = [_guardrail(g) for g in guardrail or []]
    frame = read_table(data)
    result = analyze(
        frame,
        arm=arm,
        control=control,
        metrics=metric,
        covariates=list(covariate or []),
        segment=segment,
        alpha=alpha,
        correction=correction,
        guardrails=guardrails,
        dropna=dropna,
    )
    if json_out is not None:
        json_out.write_text(result.to_json() + "\n", encoding="utf-8")
    if csv_out is not None:
        result.to_frame().to_csv(csv_out, index=False)
    return result


def _check_options(alpha: float, correction: str) -> None:
    problems = []
    if not 0 < alpha < 0.5:
        problems.append(f"--alpha: must be between 0 and 0.5 (got {alpha})")
    if correction not in CORRECTIONS:
        problems.append(f"--correction: unknown {correction!r} (choose {', '.join(CORRECTIONS)})")
    if problems:
        raise InputError(problems)


def _guardrail(spec: str) -> Guardrail:
    """``METRIC:MARGIN``: the margin is split off here; the metric spec is read by `analyze`."""
    name, sep, margin = spec.rpartition(":")
    try:
        value = float(margin)
    except ValueError:
        value = -1.0
    if not sep or value <= 0:
        raise InputError(f"--guardrail {spec!r}: write METRIC:MARGIN with a positive margin")
    return Guardrail(name, value)
