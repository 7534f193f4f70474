"""`xsim optimize` and `xsim compare`: search strategy parameters, compare what-if variants.

`register(app)` adds both commands to the Typer app (one line at the end of `xsim.commands.app`).
"""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xsim import __version__
from xsim.commands.common import ScenarioPath, console, handles_errors
from xsim.core.errors import InputError, XsimError
from xsim.core.jsonio import dumps
from xsim.pipeline.cost import check_cost, check_variants
from xsim.pipeline.rundir import default_run_dir, staging
from xsim.schema.io import load_scenario, scenario_hash, scenario_to_yaml
from xsim.schema.objective import METHODS
from xsim.studies.compare import build_variants, compare, parse_sets, write_compare
from xsim.studies.evaluate import Evaluator
from xsim.studies.optimize import OptimizationResult, optimize, resolve_settings
from xsim.studies.optimize_report import summary_lines, write_optimization

Out = Annotated[Path | None, typer.Option("--out", help="Output folder (default under runs/).")]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override PATH=VALUE (compare: PATH=V1,V2 sweeps); repeatable."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
Workers = Annotated[int, typer.Option(min=1, max=1024, help="Processes running replications.")]
Yes = Annotated[bool, typer.Option("--yes", help="Run even when it would take hours.")]


def optimize_command(
    scenario: ScenarioPath,
    method: Annotated[
        str | None,
        typer.Option(help=f"One of {', '.join(METHODS)}."),
    ] = None,
    budget: Annotated[int | None, typer.Option(help="Candidates to evaluate.")] = None,
    replications: Annotated[int | None, typer.Option(help="Replications per candidate.")] = None,
    final_replications: Annotated[
        int | None, typer.Option(help="Fresh replications for the CI of the best S.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the optimiser's own draws.")] = None,
    set_: Sets = None,
    workers: Workers = 1,
    out: Out = None,
    quiet: Quiet = False,
    yes: Yes = False,
) -> None:
    """Search the strategy parameters SCENARIO's `optimize:` block declares for the best M(S)."""
    spec = load_scenario(scenario, _single_values(set_))
    overrides = {"method": method, "budget_evals": budget, "replications_per_eval": replications,
                 "final_replications": final_replications, "seed": seed}  # fmt: skip
    settings = resolve_settings(spec, **overrides)  # bad input fails before anything runs
    runs = settings.budget_evals * settings.replications_per_eval + settings.final_replications
    check_cost("optimize", [(spec, runs)], yes)
    final = out if out is not None else default_run_dir(
        spec.model_copy(update={"name": f"{spec.name}-optimize"})
    )  # fmt: skip
    with staging(final) as folder:
        with _bar(quiet, "evaluating candidates") as progress, Evaluator(spec, workers) as ev:
            result = optimize(spec, ev, progress, **overrides)
        (folder / "scenario.yaml").write_text(scenario_to_yaml(spec), encoding="utf-8")
        write_optimization(result, folder)
        _write_manifest(folder, spec, {"budget_evals": settings.budget_evals})
    _print_optimization(result)
    console.print(f"Output folder: [bold]{final}[/]", highlight=False)
    if result.best is None:
        raise XsimError("no candidate met every constraint on fresh replications")


def compare_command(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario YAML files to compare.", show_default=False)
    ],
    set_: Sets = None,
    replications: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="Replications per variant.")
    ] = 1,
    workers: Workers = 1,
    out: Out = None,
    quiet: Quiet = False,
    yes: Yes = False,
) -> None:
    """Run what-if variants (files x --set sweeps) and tabulate P, F and M with CIs."""
    sweeps = parse_sets(set_)
    check_variants(len(scenarios) * math.prod(len(v) for v in sweeps.values()), yes)
    variants = build_variants(scenarios, sweeps)
    check_cost("compare", [(v.scenario, replications) for v in variants], yes)
    final = out if out is not None else _compare_dir()
    with staging(final) as folder:
        with _bar(quiet, "running variants") as progress:
            result = compare(variants, replications, workers, progress)
        write_compare(result, folder)
    console.print(compare_table(result))
    for i, note in enumerate(result.notes, 1):
        console.print(f"[dim][{i}] {note}[/]", highlight=False)
    lines = [_baseline_line(label, base) for label, base in result.baselines.items()]
    if len({line.split(": ", 1)[1] for line in lines}) == 1:  # the same for every variant
        lines = [_baseline_line("all variants", next(iter(result.baselines.values())))]
    for line in lines:
        console.print(line, highlight=False)
    console.print(f"Output folder: [bold]{final}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("optimize")(handles_errors(optimize_command))
    app.command("compare")(handles_errors(compare_command))


# --- helpers ------------------------------------------------------------------------------
def _single_values(items: list[str] | None) -> dict:
    sweeps = parse_sets(items)
    many = [k for k, v in sweeps.items() if len(v) != 1]
    if many:
        raise InputError([f"--set {k}: optimize takes one value (sweeps are for compare)"
                          for k in many])  # fmt: skip
    return {k: v[0] for k, v in sweeps.items()}


def _compare_dir(base: Path = Path("runs")) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path, suffix = base / f"compare-{stamp}", 1
    while path.exists():
        suffix += 1
        path = base / f"compare-{stamp}-{suffix}"
    return path


def _write_manifest(folder: Path, scenario, extra: dict) -> None:
    manifest = {
        "xsim_version": __version__,
        "python": sys.version.split()[0],
        "scenario_name": scenario.name,
        "scenario_sha256": scenario_hash(scenario),
        "seed": scenario.seed,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": ["xsim", *sys.argv[1:]],
        **extra,
    }
    (folder / "manifest.json").write_text(dumps(manifest, indent=2), encoding="utf-8")


class _bar:
    """One Rich progress bar; silent when quiet or piped."""

    def __init__(self, quiet: bool, label: str):
        self.quiet, self.label = quiet or not console.is_terminal, label
        self.bar: Progress | None = None

    def __enter__(self):
        if self.quiet:
            return None
        self.bar = Progress(TextColumn(f"{self.label:<22}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=True)  # fmt: skip
        self.task = self.bar.add_task(self.label, total=None)
        self.bar.start()
        return lambda done, total: self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_optimization(result: OptimizationResult) -> None:
    table = Table(title=f"{result.scenario_name}: top candidates ({result.method}, search means)")
    fields = list(result.space.fields)
    for name in ["#", *fields, "P", "F", "M", "value", "feasible"]:
        table.add_column(name, justify="right")
    top = sorted(result.history, key=lambda c: -c.penalised)[:8]
    for c in top:
        cells = [f"{c.values[f]:.4g}" for f in fields]
        table.add_row(str(c.index), *cells, *(f"{v:.4f}" for v in (c.p, c.f, c.m, c.value)),
                      "yes" if c.feasible else "[red]no[/]")  # fmt: skip
    console.print(table)
    for line in summary_lines(result):
        console.print(line, highlight=False)


def compare_table(result) -> Table:
    rows = result.treatment_rows()
    table = Table(title=f"What-if comparison ({result.replications} replication(s) per variant)")
    for name in ("variant", "arm", "P [CI]", "F [CI]", "M [CI]", "feasible"):
        table.add_column(name, justify="left" if name in ("variant", "arm") else "right")
    for _, r in rows.iterrows():
        table.add_row(str(r.variant), str(r.arm), _ci(r, "P"), _ci(r, "F"), _ci(r, "M"),
                      "yes" if r.feasible else "[red]no[/]")  # fmt: skip
    return table


def _ci(row, name: str) -> str:
    return f"{row[name]:.3f} [{row[f'{name}_low']:.3f}, {row[f'{name}_high']:.3f}]"


def _baseline_line(label: str, base: dict) -> str:
    return (
        f"[dim]{label}: rough baseline, the seed's closed-form model (ignores S): "
        f"P = U·U_E/(U_E+U) = {base['P_users']:,.0f} users, F = F_E·U_E/(U_E+U) = "
        f"{base['F_premium_per_year']:,.0f} premium/year, M = P·F = {base['M']:.3g}[/]"
    )


def objective_table(objective) -> Table:
    """P, F, M (or the Nash product) per arm with CIs, for `xsim run` to print (the lead's call)."""
    title = f"Objective per arm ({objective.combine}; claims: {objective.claims_basis})"
    table = Table(title=title)
    for name in ("arm", "P [CI]", "F [CI]", "M [CI]", "feasible"):
        table.add_column(name, justify="left" if name == "arm" else "right")
    for arm in objective.arms:
        cells = [_estimate(arm.scores[k]) for k in ("P", "F", "M")]
        table.add_row(arm.arm, *cells, "yes" if arm.feasible else "[red]no[/]")
    return table


def _estimate(est) -> str:
    return f"{est.value:.3f} [{est.low:.3f}, {est.high:.3f}]"
