"""What `xsim optimize` writes: optimization.json, a convergence / P–F figure, summary lines.

The JSON is self-describing so the PDF report can render it generically: ``summary_lines``
is the report section in plain sentences, the rest are tables (evaluations, Pareto front).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from xsim.analysis.objective import joint_value
from xsim.core.jsonio import dumps, finite
from xsim.studies.optimize import OptimizationResult

OPTIMIZATION_FILE = "optimization.json"
CONVERGENCE_FILE = "convergence.png"

_METHOD_LABELS = {
    "spsa": "SPSA (simultaneous-perturbation stochastic approximation)",
    "nelder_mead": "Nelder–Mead (scipy, bounded, restarted)",
    "differential_evolution": "differential evolution (scipy)",
    "grid": "grid search (zooming)",
    "random": "random search",
}


def optimization_document(result: OptimizationResult) -> dict:
    """Everything about one optimisation as plain data (NaN -> null)."""
    prefix = f"arms.{result.arm}.strategy."
    best = result.best
    document = {
        "kind": "xsim.optimization",
        "scenario": result.scenario_name,
        "method": result.method,
        "arm": result.arm,
        "search_space": result.space.to_dict(),
        "settings": result.settings,
        "summary_lines": summary_lines(result),
        "best": None if best is None else _final_dict(best, prefix),
        "rejected_on_fresh_replications": [_final_dict(r, prefix) for r in result.rejected],
        "evaluations": [_candidate_dict(c, prefix) for c in result.history],
        "best_so_far": result.best_so_far(),
        "pareto_front": [_candidate_dict(c, prefix) for c in result.pareto],
        "baseline_closed_form": _closed_form(result.baseline),
        "timings_seconds": result.timings_seconds,
    }
    return finite(document)


def _final_dict(final, prefix: str) -> dict:
    return {
        "params": {prefix + k: v for k, v in final.values.items()},
        **final.scores,
        "replications": final.replications,
        "constraints": final.constraints,
        "feasible": final.feasible,
    }


def _candidate_dict(c, prefix: str) -> dict:
    row = c.to_dict()
    row["params"] = {prefix + k: v for k, v in row.pop("values").items()}
    return row


def _closed_form(baseline: dict) -> dict:
    return {k: v for k, v in baseline.items() if k != "simulated"}


def summary_lines(result: OptimizationResult) -> list[str]:
    """The report section, one sentence per line."""
    s = result.settings
    n = len(result.history)
    reps = s["replications_per_eval"]
    lines = [
        f"Method: {_METHOD_LABELS.get(result.method, result.method)}; {n} candidates "
        f"(budget {s['budget_evals']}) x {reps} replications with common random numbers "
        f"(replications 0–{reps - 1} for every candidate).",
    ]
    if result.history:
        start = result.history[0]
        lines.append(
            f"Start (the scenario's own values {_params(start.values)}): "
            f"{_value_name(result)} = {start.value:.4g} on the search replications."
        )
    best = result.best
    if best is None:
        lines.append("No candidate met every constraint on fresh replications: no S returned.")
    else:
        lines += _best_lines(result, best)
    lines += _constraint_lines(result)
    base = result.baseline
    if base:
        lines.append(
            f"Rough baseline, the seed's closed-form model (ignores S): P = {base['P_users']:,.0f} "
            f"users, F = {base['F_premium_per_year']:,.0f} premium/year, M = {base['M']:.3g}."
        )
    return lines


def _best_lines(result: OptimizationResult, best) -> list[str]:
    sc = best.scores
    level = round(100 * result.settings.get("confidence_level", 0.95))
    return [
        f"Best S: {_params(best.values)}.",
        f"{_value_name(result)} = {_ci(sc['value'])} ({level}% t interval over "
        f"{len(best.replications)} fresh replications, never used in the search); "
        f"P = {_ci(sc['P'])}, F = {_ci(sc['F'])}.",
        "Search values are optimistic (the best of many noisy values); quote the fresh "
        "estimate above.",
    ]


def _constraint_lines(result: OptimizationResult) -> list[str]:
    best = result.best
    if best is None or not best.constraints:
        return []
    parts = [
        f"{name} {c['value']:.4g} <= {c['limit']:.4g}" if math.isfinite(c["value"])
        else f"{name} n/a (limit {c['limit']:.4g})"
        for name, c in best.constraints.items()
    ]  # fmt: skip
    return [f"Constraints met on fresh replications: {'; '.join(parts)}."]


def _value_name(result: OptimizationResult) -> str:
    return "Nash product" if result.settings.get("combine") == "nash" else "M(S)"


def _params(values: dict) -> str:
    return ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
                     for k, v in values.items())  # fmt: skip


def _ci(est: dict) -> str:
    return f"{est['mean']:.4g} [{est['low']:.4g}, {est['high']:.4g}]"


def write_optimization(result: OptimizationResult, folder: Path) -> None:
    folder = Path(folder)
    text = dumps(optimization_document(result), indent=2, ensure_ascii=False)
    (folder / OPTIMIZATION_FILE).write_text(text, encoding="utf-8")
    convergence_figure(result).savefig(folder / CONVERGENCE_FILE, dpi=120)


def convergence_figure(result: OptimizationResult) -> Figure:
    """Left: each candidate's search value and the best feasible so far, with the fresh
    estimate of the chosen S. Right: candidates in the P–F plane, the Pareto front and
    iso-M curves P·F = const."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    _convergence_panel(left, result)
    _pareto_panel(right, result)
    fig.suptitle(f"{result.scenario_name}: {result.method} on arm '{result.arm}'")
    return fig


def _convergence_panel(ax, result: OptimizationResult) -> None:
    history = result.history
    x = np.arange(1, len(history) + 1)
    ok = np.array([c.feasible for c in history], bool)
    y = np.array([c.value for c in history], float)
    ax.scatter(x[ok], y[ok], s=14, color="#4C72B0", label="candidate (search mean)")
    ax.scatter(x[~ok], y[~ok], s=14, marker="x", color="#C44E52", label="breaks a constraint")
    ax.step(x, result.best_so_far(), where="post", color="black", label="best feasible so far")
    if result.best is not None:
        v = result.best.scores["value"]
        ax.errorbar([len(history) + 1], [v["mean"]], yerr=[[v["mean"] - v["low"]],
                    [v["high"] - v["mean"]]], fmt="D", color="#DD8452", capsize=4,
                    label="chosen S, fresh replications")  # fmt: skip
    ax.set_xlabel("evaluation")
    ax.set_ylabel(_value_name(result))
    ax.legend(fontsize=8, loc="lower right")


def _pareto_panel(ax, result: OptimizationResult) -> None:
    history = result.history
    p = np.array([c.p for c in history], float)
    f = np.array([c.f for c in history], float)
    ax.scatter(p, f, s=12, color="0.65", label="candidates")
    front = result.pareto
    ax.plot([c.p for c in front], [c.f for c in front], "o-", color="#55A868", ms=4,
            label="Pareto front (feasible)")  # fmt: skip
    if result.best is not None:
        sc = result.best.scores
        ax.scatter([sc["P"]["mean"]], [sc["F"]["mean"]], marker="*", s=160, color="#DD8452",
                   zorder=5, label="chosen S (fresh)")  # fmt: skip
    _iso_m(ax, p, f)
    ax.set_xlabel("P (platform, control = 1)")
    ax.set_ylabel("F (insurer, control = 1)")
    ax.legend(fontsize=8, loc="best")


def _iso_m(ax, p: np.ndarray, f: np.ndarray) -> None:
    finite = np.isfinite(p) & np.isfinite(f) & (p > 0)
    if not finite.any():
        return
    grid = np.linspace(p[finite].min() * 0.98, p[finite].max() * 1.02, 50)
    for m in np.quantile(joint_value(p[finite], f[finite]), [0.25, 0.5, 0.75, 1.0]):
        ax.plot(grid, m / grid, ls=":", lw=0.8, color="0.5")
    ax.set_ylim(np.nanmin(f[finite]) - 0.05, np.nanmax(f[finite]) + 0.05)
