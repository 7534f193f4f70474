"""`xsim optimize`: tune a strategy's numeric fields to maximise M(S) on the noisy simulation.

Honesty rules:
- every candidate is run on the same replications 0..R-1 (common random numbers), so two
  candidates differ by their parameters, not by luck;
- the search optimises the mean over those replications minus a penalty per constraint
  violation; the best S is chosen among candidates that meet every constraint;
- its M(S) is then re-estimated on fresh replications (indices never used during the search),
  which removes the winner's-curse bias of picking the best of many noisy values; if the fresh
  estimate breaks a constraint the next candidate is tried, so the returned S never does.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from pydantic import ValidationError
from scipy import stats

from xsim.core.errors import InputError, validation_problems
from xsim.core.rng import RandomStreams
from xsim.schema.objective import OptimizeSpec, optimize_problems
from xsim.schema.scenario import Scenario
from xsim.studies.evaluate import Candidate, Evaluator, SearchSpace
from xsim.studies.optimizers import METHOD_FUNCTIONS, BudgetExhausted

MAX_FINAL_TRIES = 3  # candidates re-run on fresh replications before giving up


@dataclass
class FinalEstimate:
    """The chosen S re-run on fresh replications: means with t-based CIs over replications."""

    values: dict[str, float]
    replications: list[int]
    scores: dict[str, dict[str, float]]
    constraints: dict[str, dict]
    feasible: bool


@dataclass
class OptimizationResult:
    scenario_name: str
    method: str
    arm: str
    space: SearchSpace
    settings: dict
    history: list[Candidate]
    best: FinalEstimate | None
    rejected: list[FinalEstimate] = field(default_factory=list)
    timings_seconds: dict[str, float] = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)

    @property
    def pareto(self) -> list[Candidate]:
        return pareto_front(self.history)

    def best_so_far(self) -> list[float]:
        """Best feasible search value after each evaluation (NaN until one is feasible)."""
        out, best = [], -math.inf
        for c in self.history:
            if c.feasible and c.value > best:
                best = c.value
            out.append(best if best > -math.inf else math.nan)
        return out


def optimize(
    scenario: Scenario,
    evaluator: Evaluator | None = None,
    progress: Callable[[int, int], None] | None = None,
    **overrides,
) -> OptimizationResult:
    """Search the parameters of ``scenario.optimize``; ``overrides`` replace its settings
    (``method``, ``budget_evals``, ``replications_per_eval``, ``final_replications``, ``seed``).

    ``evaluator`` may be shared between calls on the same scenario to reuse simulated
    replications (its cache is keyed by parameter values and replication index).
    ``progress(done, budget)`` is called after each new candidate."""
    spec = resolve_settings(scenario, **overrides)
    if evaluator is None:
        with Evaluator(scenario) as own:
            return optimize(scenario, own, progress, **overrides)
    clock = time.perf_counter()
    search_reps = list(range(spec.replications_per_eval))
    history = _search(evaluator, spec.method, spec, search_reps, progress)
    searched = time.perf_counter() - clock
    fresh = list(range(len(search_reps), len(search_reps) + spec.final_replications))
    best, rejected = _final(evaluator, history, fresh, scenario)
    timings = {"search": searched, "final": time.perf_counter() - clock - searched}
    objective = scenario.objective
    settings = spec.model_dump() | {
        "method": spec.method, "search_replications": search_reps, "fresh_replications": fresh,
        "combine": objective.combine, "claims_basis": objective.claims_basis,
        "confidence_level": objective.confidence_level, "n_simulations": evaluator.n_simulations,
    }  # fmt: skip
    return OptimizationResult(
        scenario.name, spec.method, evaluator.space.arm, evaluator.space, settings, history, best,
        rejected, timings, evaluator.baseline,
    )  # fmt: skip


def resolve_settings(scenario: Scenario, **overrides) -> OptimizeSpec:
    """The scenario's `optimize` block with non-None ``overrides`` applied, re-validated;
    `InputError` with one line per problem, each naming the field."""
    if scenario.optimize is None:
        raise InputError("optimize: the scenario has no `optimize:` block (params to tune)")
    data = scenario.optimize.model_dump() | {k: v for k, v in overrides.items() if v is not None}
    try:
        spec = OptimizeSpec.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, "optimize")) from None
    problems = optimize_problems(scenario, spec)
    if problems:
        raise InputError(problems)
    return spec


def _search(evaluator: Evaluator, method: str, spec: OptimizeSpec, reps: list[int], progress):
    """Run one method; the evaluator records every distinct candidate in order. The scenario
    as written is candidate 0 for every method: the reference any gain is judged against."""
    seed = spec.seed if spec.seed is not None else evaluator.scenario.seed
    rng = RandomStreams(seed).generator("analysis", 9, _METHOD_CODES[method])
    objective = evaluator.search_objective(reps, spec.budget_evals, spec.penalty, progress)
    start = evaluator.space.start_unit
    with contextlib.suppress(BudgetExhausted):
        objective(start)
        METHOD_FUNCTIONS[method](objective, start, spec.budget_evals, rng)
    return objective.history


_METHOD_CODES = {name: i for i, name in enumerate(METHOD_FUNCTIONS)}


def _final(evaluator: Evaluator, history: list[Candidate], fresh: list[int], scenario):
    """Re-run the best feasible candidates on fresh replications; keep the first that still
    meets every constraint."""
    ranked = sorted((c for c in history if c.feasible), key=lambda c: -c.value)
    rejected = []
    for candidate in ranked[:MAX_FINAL_TRIES]:
        estimate = final_estimate(evaluator, candidate.values, fresh, scenario)
        if estimate.feasible:
            return estimate, rejected
        rejected.append(estimate)
    return None, rejected


def final_estimate(evaluator: Evaluator, values: dict, reps: list[int], scenario):
    runs = evaluator.evaluate(values, reps)
    level = scenario.objective.confidence_level
    scores = {k: mean_ci([r[k] for r in runs], level) for k in ("P", "F", "M", "nash", "value")}
    constraints = evaluator.constraint_means(runs)
    feasible = all(c["ok"] for c in constraints.values())
    return FinalEstimate(dict(values), reps, scores, constraints, feasible)


def mean_ci(values: list[float], level: float) -> dict[str, float]:
    """Mean over replications with a t interval (replications are independent; one
    replication gives no interval)."""
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    mean = float(x.mean()) if len(x) else math.nan
    if len(x) < 2:
        return {"mean": mean, "low": math.nan, "high": math.nan, "sd": math.nan}
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1)) * sd / math.sqrt(len(x))
    return {"mean": mean, "low": mean - half, "high": mean + half, "sd": sd}


def pareto_front(history: list[Candidate]) -> list[Candidate]:
    """Feasible candidates no other feasible candidate beats on both P and F."""
    points = [c for c in history if c.feasible and math.isfinite(c.p) and math.isfinite(c.f)]
    front = [
        c for c in points
        if not any(o.p >= c.p and o.f >= c.f and (o.p > c.p or o.f > c.f) for o in points)
    ]  # fmt: skip
    return sorted(front, key=lambda c: c.p)
