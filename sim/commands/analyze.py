"""`xsim analyze`: the A/B statistics of `xsim run`, applied to real pilot data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xsim.core.errors import InputError
from xsim.estimators.effects import CORRECTIONS, Guardrail, analyze, read_table
from xsim.estimators.effects.monitoring import SEQUENTIAL_METHODS, sequential_analysis

_DIRECTIONS = {"lower": False, "higher": True}
# Lines of the library name its arguments; the command names its options instead.
_FLAGS = {
    "expected_weights": "--weights",
    "lower_is_better": "--lower-is-better",
    "primary": "--primary",
    "comparison": "--compare",
    "planned_n": "--planned-n",
    "spending": "--sequential",
}


# The design options, named once here so the command's signature stays readable.
GuardrailOption = Annotated[
    list[str] | None,
    typer.Option(
        help="METRIC[:KIND]:MARGIN[:lower|higher]: the metric must not get worse by more than"
        " MARGIN (a share of control); 'lower' when a rise is the harm."
    ),
]
LowerIsBetterOption = Annotated[
    list[str] | None,
    typer.Option("--lower-is-better", help="Metric whose decrease is good; repeatable."),
]
WeightsOption = Annotated[
    list[str] | None,
    typer.Option(help="Intended split ARM=WEIGHT[,ARM=WEIGHT...]; SRM tests against it."),
]
PrimaryOption = Annotated[
    str | None, typer.Option(help="The metric the decision rests on (its own family).")
]
CompareOption = Annotated[
    list[str] | None, typer.Option(help="Also compare arm B with arm A: A:B; repeatable.")
]
SequentialOption = Annotated[
    str | None, typer.Option(help="Monitoring: obf, pocock (need --planned-n) or msprt.")
]
PlannedNOption = Annotated[
    int | None, typer.Option(help="Planned total units, fixed before the first look.")
]


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
    guardrail: GuardrailOption = None,
    lower_is_better: LowerIsBetterOption = None,
    weights: WeightsOption = None,
    primary: PrimaryOption = None,
    compare: CompareOption = None,
    sequential: SequentialOption = None,
    planned_n: PlannedNOption = None,
    time: Annotated[str, typer.Option(help="Column with each unit's look day.")] = "day",
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
    options = _read_options(alpha, correction, guardrail, weights, compare, sequential, planned_n)
    frame = read_table(data)
    with _named_by_flags():
        result = analyze(
            frame,
            arm=arm,
            control=control,
            metrics=metric,
            covariates=list(covariate or []),
            segment=segment,
            alpha=alpha,
            correction=correction,
            guardrails=options["guardrails"],
            dropna=dropna,
            expected_weights=options["weights"],
            lower_is_better=list(lower_is_better or []),
            primary=primary,
            comparisons=options["comparisons"],
        )
        if sequential is not None:
            result.monitoring = _monitoring(frame, result, metric, sequential, planned_n, time)
    if json_out is not None:
        json_out.write_text(result.to_json() + "\n", encoding="utf-8")
    if csv_out is not None:
        result.to_frame().to_csv(csv_out, index=False)
    return result


def monitoring_lines(result) -> list[str]:
    """One console line per monitored metric and arm."""
    lines = []
    for m in result.monitoring:
        last = m["looks"][-1] if m["looks"] else {}
        bound = last.get("z_bound")
        lines.append(
            f"Monitoring {m['metric']} / {m['arm']} ({m['method']}, planned n ="
            f" {m['planned_n'] or '-'}, {len(m['looks'])} looks): group-sequential stop day"
            f" {_day(m['group_sequential_stop_day'])}, mSPRT stop day"
            f" {_day(m['msprt_stop_day'])}; last look z = {_number(last.get('z'))}"
            f"{'' if bound is None else f', bound {_number(bound)}'}, always-valid p ="
            f" {_number(last.get('always_valid_p'))}"
        )
    return lines


def _read_options(alpha, correction, guardrail, weights, compare, sequential, planned_n) -> dict:
    """Every option the command reads itself, with all problems at once (exit 2)."""
    problems = []
    if not 0 < alpha < 0.5:
        problems.append(f"--alpha: must be between 0 and 0.5 (got {alpha})")
    if correction not in CORRECTIONS:
        problems.append(f"--correction: unknown {correction!r} (choose {', '.join(CORRECTIONS)})")
    guardrails = _collect(problems, _guardrail, guardrail or [])
    comparisons = _collect(problems, _comparison, compare or [])
    split = _weights(weights or [], problems)
    problems += _sequential_problems(sequential, planned_n)
    if problems:
        raise InputError(problems)
    return {"guardrails": guardrails, "comparisons": comparisons, "weights": split}


def _collect(problems: list[str], read, specs: list[str]) -> list:
    values = []
    for spec in specs:
        try:
            values.append(read(spec))
        except InputError as err:
            problems += err.problems
    return values


def _guardrail(spec: str) -> Guardrail:
    """``METRIC[:KIND]:MARGIN[:lower|higher]``: margin and direction are split off here; the
    metric spec is read by `analyze`."""
    head, sep, last = spec.rpartition(":")
    direction = _DIRECTIONS.get(last.strip().lower()) if sep else None
    if direction is not None:
        spec = head
    name, sep, margin = spec.rpartition(":")
    try:
        value = float(margin)
    except ValueError:
        value = -1.0
    if not sep or not name or not value > 0:
        raise InputError(
            f"--guardrail {spec!r}: write METRIC[:KIND]:MARGIN[:lower|higher] with a positive"
            " margin"
        )
    return Guardrail(name, value, higher_is_better=direction)


def _comparison(spec: str) -> tuple[str, str]:
    reference, sep, other = spec.rpartition(":")
    if not sep or not reference or not other:
        raise InputError(f"--compare {spec!r}: write REFERENCE_ARM:ARM")
    return reference, other


def _weights(specs: list[str], problems: list[str]) -> dict[str, float] | None:
    """``ARM=WEIGHT`` items (comma-separated or repeated); every weight a positive number."""
    if not specs:
        return None
    split: dict[str, float] = {}
    for item in (part for spec in specs for part in spec.split(",") if part.strip()):
        name, sep, text = item.rpartition("=")
        try:
            weight = float(text)
        except ValueError:
            weight = float("nan")
        if not sep or not name.strip():
            problems.append(f"--weights {item!r}: write ARM=WEIGHT")
        elif not weight > 0 or weight == float("inf"):
            problems.append(f"--weights {item!r}: the weight must be a positive number")
        elif name.strip() in split:
            problems.append(f"--weights {item!r}: arm '{name.strip()}' is given twice")
        else:
            split[name.strip()] = weight
    if not split and not any(p.startswith("--weights") for p in problems):
        problems.append("--weights: the weights must sum to a positive number")
    return split or None


def _sequential_problems(sequential: str | None, planned_n: int | None) -> list[str]:
    if sequential is None:
        return ["--planned-n: only used with --sequential"] if planned_n is not None else []
    problems = []
    if sequential not in SEQUENTIAL_METHODS:
        problems.append(
            f"--sequential: unknown {sequential!r} (choose {', '.join(SEQUENTIAL_METHODS)})"
        )
    if planned_n is not None and planned_n <= 0:
        problems.append(f"--planned-n: must be a positive number of units (got {planned_n})")
    elif sequential != "msprt" and planned_n is None and sequential in SEQUENTIAL_METHODS:
        problems.append(
            f"--planned-n: --sequential {sequential} needs the planned total number of units,"
            " fixed before the first look; a daily re-run without it takes each day's data as"
            " the final look and spends the whole alpha again (about 25 % false positives over"
            " 20 re-runs). Give --planned-n, or use --sequential msprt"
        )
    return problems


def _monitoring(frame, result, metrics, method, planned_n, time) -> list[dict]:
    settings = result.settings
    monitored = []
    for spec in metrics:
        for treatment in settings["treatments"]:
            seq = sequential_analysis(
                frame, settings["arm"], settings["control"], treatment, spec, time=time,
                alpha=settings["alpha"], spending=method, planned_n=planned_n,
            )  # fmt: skip
            monitored.append(
                {"metric": seq.metric, "arm": seq.arm, "control": seq.control, "method": method,
                 "planned_n": planned_n, "looks": seq.to_dicts(),
                 "group_sequential_stop_day": seq.group_sequential_stop_day,
                 "msprt_stop_day": seq.msprt_stop_day}
            )  # fmt: skip
    return monitored


class _named_by_flags:  # noqa: N801 - used as a context manager, like contextlib's
    """Re-raise the library's input errors with its argument names replaced by the options."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, InputError):
            raise InputError([_as_flag(line) for line in error.problems]) from None
        return False


def _as_flag(line: str) -> str:
    for name, flag in _FLAGS.items():
        if line.startswith((f"{name} ", f"{name}:")):
            return flag + line[len(name) :]
    return line


def _day(value) -> str:
    return "-" if value is None else f"{value:g}"


def _number(value) -> str:
    return "-" if value is None else f"{value:.4g}"
