"""`xsim calibrate`, `xsim power`, and the replication options of `xsim run`.

Thin wrappers: parse, call `xsim.studies.calibrate` / `xsim.studies.power` /
`xsim.studies.replicate`, write the output folder atomically (`xsim.pipeline.rundir.staging`),
print Rich tables. The folder of `calibrate` and `power` is a run folder (the scenario's own
run) with ``calibration.json`` or ``power.json`` beside it, so the PDF report shows the study as a
section. `register(app)` adds the two commands; `xsim.commands.app` calls it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from xsim.commands.common import ScenarioPath, console, handles_errors
from xsim.commands.report import NoPdf, exit_if_report_failed, run_pdf
from xsim.core.errors import InputError
from xsim.pipeline.cost import check_cost
from xsim.pipeline.executors import make_executor
from xsim.pipeline.rundir import default_run_dir, staging, write_run
from xsim.pipeline.runner import run as run_scenario
from xsim.schema.analysis import outcome_metric
from xsim.schema.io import load_scenario
from xsim.schema.scenario import Scenario
from xsim.studies.calibrate import aa_scenario, calibrate
from xsim.studies.power import check_grid, plot_power, simulate_power
from xsim.studies.replicate import ReplicationPlan, run_replications, write_json

Replications = Annotated[
    int,
    typer.Option("--replications", min=0, max=1_000_000, help="Independent replications to run."),
]
Workers = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Local worker processes (default: all cores)."),
]
Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="Run replications on a Dask cluster: tcp://host:8786."),
]
DaskLocal = Annotated[
    int | None,
    typer.Option("--dask-local", min=1, help="Start a local Dask cluster of N workers."),
]
Out = Annotated[Path | None, typer.Option("--out", help="Output folder.")]
Seed = Annotated[int | None, typer.Option(help="Override the scenario's seed.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Yes = Annotated[bool, typer.Option("--yes", help="Run even when it would take hours.")]
StudyReplications = Annotated[
    int, typer.Option("--replications", min=1, max=1_000_000, help="Replications per batch.")
]


_TASK_LABELS = {"simulate": "simulating days", "truth": "twin worlds (truth)"}


class progress_bars:
    """Rich progress bars, one per task reported as ``(task, done, total)``; silent when
    quiet or when the output is not a terminal."""

    def __init__(self, quiet: bool):
        self.quiet = quiet or not console.is_terminal
        self.bar: Progress | None = None
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        if self.quiet:
            return None
        self.bar = Progress(
            TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True,
        )  # fmt: skip
        self.bar.start()
        return self.update

    def update(self, task: str, done: int, total: int) -> None:
        if task not in self.tasks:
            self.tasks[task] = self.bar.add_task(_TASK_LABELS.get(task, task), total=total)
        self.bar.update(self.tasks[task], completed=done)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def replications_for_run(spec: Scenario, folder: Path, replications: int, workers=None,
                         scheduler=None, dask_local=None, progress=None,
                         checkpoint=None) -> list:  # fmt: skip
    """`xsim run --replications R`: run them (each saved to ``checkpoint`` as it finishes),
    write replications.json/.csv into the run folder, and return what the console shows
    (nothing when R is 0)."""
    if replications <= 0:
        return []
    executor = make_executor(workers, scheduler, dask_local)
    clock = time.perf_counter()
    tick = None if progress is None else (lambda d, t: progress("replications", d, t))
    plan = ReplicationPlan(spec, objective=True)
    result = run_replications(plan, replications, executor, tick, checkpoint)
    result.write(folder)
    seconds = time.perf_counter() - clock
    table = frame_table(
        result.summary_frame(),
        ["metric", "arm", "cuped", "true_diff", "mean_estimate", "sd_estimate", "bias",
         "coverage", "rejection_rate"],
        f"{replications} replications ({executor.describe()}, {seconds:.1f} s)",
    )  # fmt: skip
    return [table, *(f"[dim]{n}[/]" for n in result.to_document()["notes"])]


def calibrate_command(
    scenario: ScenarioPath,
    replications: StudyReplications = 200,
    aa_arm: Annotated[
        str | None, typer.Option("--aa-arm", help="Arm whose strategy every A/A arm runs.")
    ] = None,
    look_every_days: Annotated[
        int,
        typer.Option("--look-every-days", min=1, max=3650, help="Days between interim looks."),
    ] = 7,
    out: Out = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    quiet: Quiet = False,
    no_pdf: NoPdf = False,
    yes: Yes = False,
) -> None:
    """Certify the statistics on SCENARIO: A/A false positives, CI coverage, power versus
    the analytic power, SRM false alarms and the effect of peeking, over many replications."""
    spec = load_scenario(scenario, {"seed": seed} if seed is not None else None)
    aa_scenario(spec, aa_arm)  # a bad --aa-arm fails here, before anything is written
    check_cost("calibrate", [(spec, 1 + 2 * replications)], yes)
    executor = make_executor(workers, scheduler, dask_local)
    final = out if out is not None else _default_out(spec, "calibration")
    clock = time.perf_counter()

    def study(progress):
        return calibrate(spec, replications, executor, progress, aa_arm, look_every_days)

    def write(result, folder: Path) -> dict:
        document = result.to_document()
        write_json(folder / "calibration.json", document)
        result.aa.rows_frame().to_csv(folder / "aa_replications.csv", index=False)
        result.ab.rows_frame().to_csv(folder / "ab_replications.csv", index=False)
        return document

    result, document, failure = _study_folder(spec, final, quiet, no_pdf, study, write)
    _print_calibration(result, document)
    _print_timing(executor, time.perf_counter() - clock)
    console.print(f"Calibration folder: [bold]{final}[/]", highlight=False)
    exit_if_report_failed(failure)


def _print_calibration(result, document: dict) -> None:
    fp = result.false_positives()
    console.print(frame_table(fp, list(fp.columns), "A/A false-positive rate (raw tests)"))
    cov = result.coverage()
    console.print(frame_table(cov, list(cov.columns), "CI coverage of the truth"))
    power = result.power()
    console.print(frame_table(power, list(power.columns), "Power: simulated vs analytic"))
    peeking = result.peeking()
    if not peeking.empty:
        console.print(frame_table(peeking, list(peeking.columns), "Peeking (A/A)"))
    for srm in document["srm_false_alarms"]:
        counts = f"{srm['alarms']} of {srm['replications']} at p < {srm['threshold']:g}"
        console.print(f"SRM false alarms ({srm['batch']}): {counts}", highlight=False)
    for i, note in enumerate(document["notes"], 1):
        console.print(f"[dim][{i}] {note}[/]", highlight=False)


def power_command(
    scenario: ScenarioPath,
    metric: Annotated[
        str, typer.Option("--metric", help="Metric NAME[:KIND] or NUM/DEN, e.g. policy_conversion.")
    ],
    users: Annotated[
        str, typer.Option("--users", help="Pilot sizes (all arms), e.g. 10000,20000,50000.")
    ] = "10000,20000,50000",
    days: Annotated[
        str | None, typer.Option("--days", help="Durations in days (default: the scenario's).")
    ] = None,
    replications: StudyReplications = 200,
    target: Annotated[float, typer.Option("--target", min=0.05, max=0.99)] = 0.8,
    out: Out = None,
    seed: Seed = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    quiet: Quiet = False,
    no_pdf: NoPdf = False,
    yes: Yes = False,
) -> None:
    """Simulated power curve of SCENARIO's pilot over users x days, the smallest pilot that
    reaches the target power, and the analytic answer beside it (with a plot)."""
    spec = load_scenario(scenario, {"seed": seed} if seed is not None else None)
    user_counts = _int_list(users, "--users")
    day_counts = _int_list(days, "--days") if days else [spec.experiment.duration_days]
    analysed = outcome_metric(metric, "--metric")
    grid = check_grid(spec, analysed, user_counts, day_counts)
    check_cost("power", [(spec, 1), *((g, replications) for g in grid)], yes)
    executor = make_executor(workers, scheduler, dask_local)
    final = out if out is not None else _default_out(spec, "power")
    clock = time.perf_counter()

    def curve(progress):
        tick = None if progress is None else (lambda d, t: progress("replications", d, t))
        return simulate_power(spec, analysed, user_counts, day_counts, replications, target,
                              executor, tick)  # fmt: skip

    def write(study, folder: Path) -> dict:
        document = study.to_document()
        write_json(folder / "power.json", document)
        study.points.to_csv(folder / "power.csv", index=False)
        plot_power(study, folder / "power.png")
        return document

    study, document, failure = _study_folder(spec, final, quiet, no_pdf, curve, write)
    _print_power(study, document)
    _print_timing(executor, time.perf_counter() - clock)
    console.print(f"Power folder: [bold]{final}[/]", highlight=False)
    exit_if_report_failed(failure)


def _print_power(study, document: dict) -> None:
    columns = ["users", "days", "arm", "effect", "simulated_power", "mc_se", "analytic_power"]
    console.print(frame_table(study.points, columns, document["title"]))
    best = study.smallest_simulated()
    for row in best.itertuples():
        text = f"{row.users:,} users x {row.days} days (power {row.simulated_power:.2f})"
        console.print(f"Smallest simulated pilot for {row.arm}: {text}", highlight=False)
    for row in document["smallest_analytic"]:
        users = row["users_needed"]
        text = "not reachable (no effect)" if users is None else f"{users:,.0f} users"
        console.print(f"Analytic answer for {row['arm']}: {text} x {row['days']} days",
                      highlight=False)  # fmt: skip
    for i, note in enumerate(document["notes"], 1):
        console.print(f"[dim][{i}] {note}[/]", highlight=False)


def frame_table(frame: pd.DataFrame, columns: list[str], title: str) -> Table:
    """A DataFrame as a Rich table: numbers to 4 significant digits, text left-aligned."""
    table = Table(title=title)
    for column in columns:
        numeric = column in frame and pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(column, justify="right" if numeric else "left")
    for row in frame[columns].itertuples(index=False) if not frame.empty else []:
        table.add_row(*(_cell(v) for v in row))
    return table


def _cell(value) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        return "" if value != value else f"{value:.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"{option}: expected integers separated by commas, got {text!r}") from None
    if not values or min(values) < 1:
        raise InputError(f"{option}: give at least one positive integer")
    return sorted(set(values))


def _default_out(spec: Scenario, kind: str) -> Path:
    path = default_run_dir(spec)
    return path.with_name(f"{kind}-{path.name}")


def _study_folder(spec: Scenario, final: Path, quiet: bool, no_pdf: bool, study, write):
    """A calibration or power folder, written atomically: the scenario's own run, then
    ``study(progress)``, then ``write(result, folder) -> document`` (the JSON the report shows
    as its own section); the PDF is rendered once the folder is complete. Returns (result,
    document, the report's failure line or None)."""
    with staging(final) as folder:
        with progress_bars(quiet) as progress:
            _scenario_run(spec, folder, progress)
            result = study(progress)
        document = write(result, folder)
    return result, document, None if no_pdf else run_pdf(final)


def _scenario_run(spec: Scenario, folder: Path, progress) -> None:
    """The scenario's own run, written as by `xsim run`: the folder is a run folder, so the
    report (and `xsim report`) shows the calibration or power study beside the run."""
    result = run_scenario(spec, workdir=folder, progress=progress)
    write_run(result, folder, command=["xsim", *sys.argv[1:]])


def _print_timing(executor, seconds: float) -> None:
    console.print(f"[dim]{executor.describe()}; {seconds:.1f} s[/]", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("calibrate")(handles_errors(calibrate_command))
    app.command("power")(handles_errors(power_command))
