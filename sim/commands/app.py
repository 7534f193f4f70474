"""The `xsim` command line: thin wrappers that parse, call the library, render, and exit.

Exit codes: 0 ok, 1 known failure, 2 bad input (one line per problem, naming the field),
130 interrupted. User errors never print a traceback.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer

from xsim import __version__
from xsim.commands.analyze import analyze_command, monitoring_lines
from xsim.commands.common import (
    DEBUG,
    ScenarioPath,
    check_output_files,
    console,
    err_console,
    handles_errors,
)
from xsim.commands.entry import main  # noqa: F401  (the console script; kept importable here)
from xsim.commands.replicate import (
    DaskLocal,
    Replications,
    Scheduler,
    Workers,
    progress_bars,
    replications_for_run,
)
from xsim.commands.report import (
    NoPdf,
    analysis_pdf,
    exit_if_report_failed,
    run_pdf,
    with_pdf_option,
)
from xsim.core.errors import InputError
from xsim.core.jsonio import dumps
from xsim.pipeline.checkpoint import Checkpoint
from xsim.pipeline.cost import check_cost
from xsim.pipeline.executors import check_scheduler_address
from xsim.pipeline.memory import check_fits
from xsim.pipeline.rundir import default_run_dir, staging, write_run
from xsim.pipeline.runner import run as run_scenario
from xsim.pipeline.runner import run_notes
from xsim.reports.console import arm_table, claims_table, effects_table, objective_table
from xsim.reports.executive import objective_sales_sentences
from xsim.schema.io import example_scenario_text, load_scenario, scenario_json_schema

app = typer.Typer(
    name="xsim",
    help="Simulate a course-platform x insurer partnership and analyse its A/B tests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
@handles_errors
def run(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario YAML file (omit with --resume).", show_default=False),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Run folder (default runs/<name>-<time>).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    raw_ids: Annotated[
        bool, typer.Option("--raw-ids", help="Export internal user indices, not pseudonyms.")
    ] = False,
    no_pdf: NoPdf = False,
    replications: Replications = 0,
    workers: Workers = None,
    scheduler: Scheduler = None,
    dask_local: DaskLocal = None,
    resume: Annotated[
        Path | None,
        typer.Option("--resume", help="Continue the interrupted replications of RUN_DIR."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Run even when it would take hours.")] = False,
) -> None:
    """Simulate SCENARIO and write a run folder with tables, manifest and summary.
    With --replications R, an interrupted run keeps its finished replications; continue it
    with --resume RUN_DIR."""
    options = {"replications": replications, "raw_ids": raw_ids, "no_pdf": no_pdf,
               "workers": workers, "scheduler": scheduler, "dask_local": dask_local}  # fmt: skip
    spec, final, checkpoint, options = _what_to_run(scenario, out, seed, resume, options)
    check_fits(spec)  # before any folder exists
    check_cost("run", [(spec, 1 + options["replications"])], yes)
    check_scheduler_address(options["scheduler"])
    with staging(final) as folder, _kept_on_interrupt(checkpoint, final) as kept:
        if options["replications"] > 0 and checkpoint is None:
            checkpoint = kept.start(spec, options)
        with progress_bars(quiet) as progress:
            result = run_scenario(spec, workdir=folder, progress=progress)
            shown = replications_for_run(spec, folder, *_replication_options(options),
                                         progress, checkpoint)  # fmt: skip
        write_run(result, folder, command=["xsim", *sys.argv[1:]], raw_ids=options["raw_ids"])
    kept.remove()  # the run folder is complete: its checkpoints are no longer needed
    # the PDF comes after the rename: a renderer failure must not cost the finished run
    failure = None if options["no_pdf"] else run_pdf(final)
    _print_run(result, shown, final)
    exit_if_report_failed(failure)


_EXECUTOR_OPTIONS = ("workers", "scheduler", "dask_local")


def _what_to_run(scenario, out, seed, resume, options: dict):
    """(scenario, run folder, checkpoint or None, options): a new run's, or those of the
    interrupted run ``resume``."""
    if resume is not None:
        _no_options_with_resume(scenario, out, seed, options["replications"], options["raw_ids"])
        checkpoint, spec, stored = Checkpoint.open(resume)
        return spec, resume, checkpoint, _resumed_options(stored, options)
    if scenario is None:
        raise InputError("SCENARIO: give a scenario file (or --resume RUN_DIR)")
    spec = load_scenario(scenario, {"seed": seed} if seed is not None else None)
    return spec, out if out is not None else default_run_dir(spec), None, options


def _resumed_options(stored: dict, given: dict) -> dict:
    """The options of the interrupted run (``resume.json``). Where replications run may be
    chosen anew (it never changes a result): executor options given now replace the stored
    ones; ``--no-pdf`` given now adds to the stored choice."""
    options = {**given, **{name: stored[name] for name in given if name in stored}}
    if any(given[name] is not None for name in _EXECUTOR_OPTIONS):
        options.update({name: given[name] for name in _EXECUTOR_OPTIONS})
    options["no_pdf"] = bool(given["no_pdf"] or stored.get("no_pdf", False))
    return options


def _replication_options(options: dict) -> tuple:
    return (options["replications"], *(options[name] for name in _EXECUTOR_OPTIONS))


def _no_options_with_resume(scenario, out, seed, replications, raw_ids) -> None:
    given = [name for name, value in (("SCENARIO", scenario), ("--out", out), ("--seed", seed),
             ("--replications", replications), ("--raw-ids", raw_ids)) if value]  # fmt: skip
    if given:
        raise InputError(
            f"--resume: {', '.join(given)} cannot be changed when resuming; the scenario and "
            "options come from the interrupted run"
        )


@contextmanager
def _kept_on_interrupt(checkpoint: Checkpoint | None, final: Path):
    """On any failure, keep a checkpoint that holds finished replications and say how to
    resume; drop one that holds none, so the same --out can simply be run again."""
    kept = checkpoint if checkpoint is not None else Checkpoint(final)
    try:
        yield kept
    except BaseException:
        finished = len(kept.records())  # none when the folder does not exist
        if finished:
            err_console.print(
                f"kept {finished} finished replications; continue with: "
                f"xsim run --resume {final}", highlight=False,
            )  # fmt: skip
        elif kept.started:
            kept.remove()
        raise


def _print_run(result, shown: list, final: Path) -> None:
    console.print(arm_table(result))
    console.print(effects_table(result.effects))
    for i, note in enumerate(run_notes(result) + result.effects.notes, 1):
        console.print(f"[dim][{i}] {note}[/]", highlight=False)
    for item in shown:  # the replications' summary, when asked for
        console.print(item, highlight=False)
    if result.risk.get("realised_claims"):
        console.print(claims_table(result.risk["realised_claims"]))
    if result.objective is not None:
        console.print(objective_table(result.objective))
        for sentence in objective_sales_sentences(result.objective):
            console.print(sentence, highlight=False)
    if result.decision is not None:
        console.print(f"[bold]Decision:[/] {result.decision.statement}", highlight=False)
        for note in result.decision.notes:
            console.print(f"  fails a constraint: {note}", highlight=False)
    console.print(f"Run folder: [bold]{final}[/]", highlight=False)


@app.command()
@handles_errors
def validate(scenario: ScenarioPath) -> None:
    """Check SCENARIO without running it; print one line per problem."""
    spec = load_scenario(scenario)
    n_arms = len(spec.arms)
    console.print(
        f"[green]ok[/]: {scenario} — '{spec.name}', {spec.population.n_users:,} users, "
        f"{n_arms} arms, {spec.horizon_days} days",
        highlight=False,
    )


@app.command()
@handles_errors
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write to a file.")] = None,
) -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    check_output_files({"--out": out})
    text = dumps(scenario_json_schema(), indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote {out}")


@app.command()
@handles_errors
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the example.")] = Path(
        "scenario.yaml"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example scenario to PATH."""
    check_output_files({"PATH": path})
    if path.exists() and not force:
        raise InputError(f"{path}: already exists (use --force to overwrite)")
    path.write_text(example_scenario_text(), encoding="utf-8")
    console.print(f"wrote {path}; run it with: xsim run {path}")


@app.command("analyze")
@handles_errors
@with_pdf_option
@wraps(analyze_command)
def analyze_cmd(*args, pdf: Path | None = None, **kwargs) -> None:
    targets = {"--json": kwargs.get("json_out"), "--csv": kwargs.get("csv_out"), "--pdf": pdf}
    check_output_files(targets, [kwargs.get("data")])
    result = analyze_command(*args, **kwargs)
    console.print(effects_table(result))
    for i, note in enumerate(result.notes, 1):
        console.print(f"[dim][{i}] {note}[/]", highlight=False)
    for line in monitoring_lines(result):
        console.print(line, highlight=False)
    if pdf is not None:
        analysis_pdf(result, pdf, kwargs.get("data"))


@app.callback(invoke_without_command=True)
def _main(
    version: Annotated[bool, typer.Option("--version", help="Show the version.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an error (XSIM_DEBUG=1).")
    ] = False,
) -> None:
    if debug:
        DEBUG["on"] = True
    if version:
        typer.echo(f"xsim {__version__}")
        raise typer.Exit()


# Command families in their own modules register themselves here, one line each.
from xsim.commands.listing import register as _register_list

_register_list(app)
from xsim.commands.replicate import register as _register_replicate

_register_replicate(app)
from xsim.commands.report import register as _register_report

_register_report(app)  # noqa: E402
from xsim.commands.optimize import register as _register_optimize

_register_optimize(app)  # noqa: E402
