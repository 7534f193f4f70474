"""`xsim compare`: what-if variants side by side — P, F and M with CIs per arm.

Variants are scenario files, each optionally swept over ``--set PATH=V1,V2`` overrides (several
``--set`` give their Cartesian product). Every variant runs the same replication indices
(common random numbers when the files share a seed), twin worlds off. With one replication the
CIs are the delta method over users; with several, t intervals over replications.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from xsim.core.errors import InputError
from xsim.core.jsonio import dumps
from xsim.core.rng import RandomStreams
from xsim.pipeline.executors import owned_pool
from xsim.schema.io import load_scenario, scenario_from_dict
from xsim.schema.scenario import Scenario
from xsim.studies.evaluate import light_copy
from xsim.studies.optimize import mean_ci

SCORE_NAMES = ("P", "F", "M", "nash")


@dataclass
class Variant:
    label: str
    source: str
    overrides: dict[str, Any]
    scenario: Scenario


@dataclass
class CompareResult:
    rows: pd.DataFrame  # one row per (variant, arm), control arms included (their scores are 1)
    variants: list[Variant]
    replications: int
    swept: list[str] = field(default_factory=list)
    baselines: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def treatment_rows(self) -> pd.DataFrame:
        return self.rows[~self.rows["is_control"]]


def parse_sets(items: list[str] | None) -> dict[str, list[Any]]:
    """``PATH=V1,V2`` strings -> {path: [values]}; values are read as YAML scalars."""
    sweeps: dict[str, list[Any]] = {}
    problems = []
    for item in items or []:
        path, sep, text = item.partition("=")
        if not sep or not path.strip() or not text.strip():
            problems.append(f"--set {item!r}: write PATH=VALUE or PATH=V1,V2,...")
            continue
        try:
            sweeps[path.strip()] = [yaml.safe_load(v) for v in text.split(",")]
        except yaml.YAMLError:
            problems.append(f"--set {item!r}: a value is not valid YAML")
    if problems:
        raise InputError(problems)
    return sweeps


def build_variants(paths: list[Path], sweeps: dict[str, list[Any]]) -> list[Variant]:
    """Every file x every combination of the swept values, validated before anything runs."""
    combos = [dict(zip(sweeps, values, strict=True))
              for values in itertools.product(*sweeps.values())]  # fmt: skip
    variants, problems = [], []
    for path in paths:
        for overrides in combos:
            try:
                scenario = load_scenario(path, overrides)
            except InputError as exc:
                where = f"{exc.source}: " if exc.source else ""
                problems += [f"{where}{line}" for line in exc.problems]
                continue
            variants.append(Variant(_label(path, overrides), str(path), overrides, scenario))
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    return variants


def _label(path: Path, overrides: dict[str, Any]) -> str:
    if not overrides:
        return path.stem
    return path.stem + " " + ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in overrides.items())


def compare(
    variants: list[Variant],
    replications: int = 1,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CompareResult:
    """Run every variant on replications 0..R-1 and tabulate P, F, M per arm."""
    jobs = [(v.scenario, r) for v in variants for r in range(replications)]
    documents = _run_all(jobs, workers, progress)
    rows, baselines = [], {}
    for i, variant in enumerate(variants):
        docs = documents[i * replications : (i + 1) * replications]
        rows += _variant_rows(variant, docs, replications)
        baselines[variant.label] = docs[0]["baseline"]
    swept = sorted({k for v in variants for k in v.overrides})
    notes = [
        "Scores are normalised to each variant's own control arm (control = 1).",
        "CIs: delta method over users (one replication)" if replications == 1 else
        f"CIs: t intervals over {replications} replications (common random numbers).",
    ]  # fmt: skip
    return CompareResult(pd.DataFrame(rows), variants, replications, swept, baselines, notes)


def _run_all(jobs: list[tuple], workers: int, progress) -> list[dict]:
    if workers <= 1 or len(jobs) == 1:
        out = []
        for i, job in enumerate(jobs, 1):
            out.append(run_objective(job))
            if progress:
                progress(i, len(jobs))
        return out
    with owned_pool(min(workers, len(jobs))) as pool:
        out = []
        for i, doc in enumerate(pool.map(run_objective, jobs), 1):
            out.append(doc)
            if progress:
                progress(i, len(jobs))
        return out


def run_objective(job: tuple) -> dict:
    """One replication of one variant -> its objective document (picklable, small)."""
    from xsim.pipeline.runner import run  # the runner imports the objective; import it late

    scenario, rep = job
    light = scenario_from_dict(light_copy(scenario))
    streams = RandomStreams(scenario.seed).replication(rep)
    return run(light, streams=streams).objective.to_dict()


def _variant_rows(variant: Variant, docs: list[dict], replications: int) -> list[dict]:
    level = variant.scenario.objective.confidence_level
    rows = []
    for k, arm in enumerate(docs[0]["arms"]):
        row = {"variant": variant.label, "scenario": variant.source, "arm": arm["arm"],
               "is_control": arm["arm"] == docs[0]["control"], "users": arm["n_users"]}  # fmt: skip
        row |= {f"set:{key}": value for key, value in variant.overrides.items()}
        for name in SCORE_NAMES:
            row |= _score_columns(name, [d["arms"][k]["scores"][name] for d in docs], level)
        row["feasible"] = all(d["arms"][k]["feasible"] for d in docs)
        for cname, c in arm["constraints"].items():
            row[cname] = c["value"]
        row["replications"] = replications
        rows.append(row)
    return rows


def _score_columns(name: str, estimates: list[dict], level: float) -> dict[str, float]:
    if len(estimates) == 1:
        e = estimates[0]
        return {
            name: _num(e["value"]),
            f"{name}_low": _num(e["low"]),
            f"{name}_high": _num(e["high"]),
        }
    ci = mean_ci([_num(e["value"]) for e in estimates], level)
    return {name: ci["mean"], f"{name}_low": ci["low"], f"{name}_high": ci["high"]}


def _num(value) -> float:
    return math.nan if value is None else float(value)


# --- files and figure ---------------------------------------------------------------------
COMPARE_CSV, COMPARE_JSON, COMPARE_PNG = "compare.csv", "compare.json", "compare.png"


def write_compare(result: CompareResult, folder: Path) -> None:
    folder = Path(folder)
    result.rows.to_csv(folder / COMPARE_CSV, index=False)
    document = {
        "kind": "xsim.compare",
        "replications": result.replications,
        "swept": result.swept,
        "notes": result.notes,
        "rows": result.rows.to_dict(orient="records"),
        "baseline_closed_form": result.baselines,
    }
    text = dumps(document, indent=2, ensure_ascii=False)
    (folder / COMPARE_JSON).write_text(text, encoding="utf-8")
    compare_figure(result).savefig(folder / COMPARE_PNG, dpi=120)


def compare_figure(result: CompareResult) -> Figure:
    """Left: M with its CI per variant and arm (or M against a single swept number, with the
    CI as a band). Right: every row in the P–F plane."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    rows = result.treatment_rows()
    key = _single_numeric_sweep(result, rows)
    if key is None:
        _m_bars(left, rows)
    else:
        _m_curve(left, rows, key)
    _pf_plane(right, rows)
    return fig


def _single_numeric_sweep(result: CompareResult, rows: pd.DataFrame) -> str | None:
    if len(result.swept) != 1 or len({v.source for v in result.variants}) != 1:
        return None
    column = f"set:{result.swept[0]}"
    numeric = pd.to_numeric(rows[column], errors="coerce")
    return column if numeric.notna().all() else None


def _m_bars(ax, rows: pd.DataFrame) -> None:
    labels = [f"{v} / {a}" for v, a in zip(rows.variant, rows.arm, strict=True)]
    y = np.arange(len(rows))
    err = [rows.M - rows.M_low, rows.M_high - rows.M]
    ax.errorbar(rows.M, y, xerr=err, fmt="o", color="#4C72B0", capsize=3)
    ax.axvline(1.0, color="0.5", ls=":", lw=1)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first variant on top, no empty margins
    ax.set_xlabel("M = P·F (control = 1), with CI")


def _m_curve(ax, rows: pd.DataFrame, column: str) -> None:
    for arm, part in rows.groupby("arm", sort=False):
        part = part.assign(_x=pd.to_numeric(part[column])).sort_values("_x")
        ax.plot(part._x, part.M, "o-", label=str(arm))
        ax.fill_between(part._x, part.M_low, part.M_high, alpha=0.2)
    ax.axhline(1.0, color="0.5", ls=":", lw=1)
    ax.set_xlabel(column.removeprefix("set:"))
    ax.set_ylabel("M = P·F (control = 1), with CI")
    ax.legend(fontsize=8)


def _pf_plane(ax, rows: pd.DataFrame) -> None:
    ax.errorbar(rows.P, rows.F, xerr=[rows.P - rows.P_low, rows.P_high - rows.P],
                yerr=[rows.F - rows.F_low, rows.F_high - rows.F], fmt="o", color="#55A868",
                ecolor="0.7", capsize=2)  # fmt: skip
    for label, arm, p, f in zip(rows.variant, rows.arm, rows.P, rows.F, strict=True):
        ax.annotate(f"{label} / {arm}", (p, f), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")  # fmt: skip
    ax.axvline(1.0, color="0.5", ls=":", lw=1)
    ax.axhline(1.0, color="0.5", ls=":", lw=1)
    ax.set_xlabel("P (platform, control = 1)")
    ax.set_ylabel("F (insurer, control = 1)")
