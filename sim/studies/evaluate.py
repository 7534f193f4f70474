"""Evaluating candidate strategy parameters on replications of a scenario.

A candidate S is a value for each tuned field; evaluating it on replication ``i`` runs the
scenario with those values and the seed tree ``RandomStreams(seed).replication(i)`` and keeps
the tuned arm's scores. Results are cached by (values, i), so optimisers that revisit a point
(or several optimisers sharing one `Evaluator`) pay for each simulation once.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from xsim.analysis.objective import constraint_limits
from xsim.core.rng import RandomStreams
from xsim.pipeline.executors import owned_pool
from xsim.schema.io import _set_dotted, scenario_from_dict
from xsim.schema.objective import is_integer_field, resolve_param
from xsim.schema.scenario import Scenario
from xsim.studies.optimizers import BudgetExhausted

SCORE_KEYS = ("P", "F", "M", "nash", "value")
MAX_CALLS_PER_EVAL = 100  # calls answered from the cache are free but bounded


@dataclass(frozen=True)
class SearchSpace:
    """The tuned fields of one arm, mapped to the unit cube (steps and integers quantised)."""

    arm: str
    fields: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    step: np.ndarray  # 0 where continuous
    integer: np.ndarray
    start: np.ndarray  # the scenario's own values, clipped into the ranges

    @classmethod
    def from_scenario(cls, s: Scenario) -> SearchSpace:
        o = s.optimize
        targets = [resolve_param(s, o, key) for key in o.params]
        arm = targets[0][0]
        fields = tuple(t[1] for t in targets)
        ranges = list(o.params.values())
        low = np.array([r.low for r in ranges])
        high = np.array([r.high for r in ranges])
        integer = np.array([is_integer_field(s, arm, f) for f in fields])
        default_step = np.where(integer, 1.0, 0.0)  # integers move in whole steps
        step = np.array([r.step or d for r, d in zip(ranges, default_step, strict=True)])
        current = [getattr(s.arms[arm].strategy, f) for f in fields]
        middle = (low + high) / 2  # where the field is unset (None), start in the middle
        start = np.array([m if v is None else v for v, m in zip(current, middle, strict=True)])
        return cls(arm, fields, low, high, step, integer, np.clip(start, low, high))

    def to_values(self, unit: np.ndarray) -> dict[str, float]:
        """Field values of a point of the cube (clipped, quantised to the steps)."""
        raw = self.low + np.clip(unit, 0, 1) * (self.high - self.low)
        steps = np.where(self.step > 0, self.step, 1.0)
        levels = self.low + np.round((raw - self.low) / steps) * steps
        values = np.clip(np.where(self.step > 0, levels, raw), self.low, self.high)
        return {
            f: int(round(v)) if i else round(float(v), 12)
            for f, v, i in zip(self.fields, values, self.integer, strict=True)
        }

    def to_unit(self, values: dict[str, float]) -> np.ndarray:
        x = np.array([values[f] for f in self.fields], float)
        return (x - self.low) / (self.high - self.low)

    @property
    def start_unit(self) -> np.ndarray:
        return self.to_unit(dict(zip(self.fields, self.start, strict=True)))

    def to_dict(self) -> dict:
        return {
            "arm": self.arm,
            "params": {
                f"arms.{self.arm}.strategy.{f}": {"low": lo, "high": hi, "step": st or None}
                for f, lo, hi, st in zip(
                    self.fields,
                    self.low.tolist(),
                    self.high.tolist(),
                    self.step.tolist(),
                    strict=True,
                )
            },  # fmt: skip
        }


@dataclass
class Candidate:
    """One distinct S the search evaluated: means over the search replications."""

    index: int
    values: dict[str, float]
    p: float
    f: float
    m: float
    nash: float
    value: float
    value_sd: float
    constraints: dict[str, dict]
    feasible: bool
    penalised: float
    replications: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Evaluator:
    """Runs candidates on replications of ``scenario`` with a cache."""

    def __init__(self, scenario: Scenario, workers: int = 1, cache: dict | None = None):
        """``cache`` may be shared between evaluators: records are keyed by a hash of the
        scenario without its `optimize` block and objective constraints (records keep every
        constrainable quantity, and feasibility is judged per evaluator), so scenarios that
        differ only there share simulations and nothing else is ever mixed up."""
        self.scenario = scenario
        self.space = SearchSpace.from_scenario(scenario)
        self.workers = workers
        self.limits = constraint_limits(scenario.objective)
        self._base = light_copy(scenario)
        self._sim_key = _simulation_key(self._base)
        self._cache: dict[tuple, dict] = cache if cache is not None else {}
        self.baseline: dict = {}
        self.n_simulations = 0
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes (a pool is started once, on first parallel use)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def candidate_scenario(self, values: dict[str, float]) -> Scenario:
        data = copy.deepcopy(self._base)
        for name, value in values.items():
            _set_dotted(data, f"arms.{self.space.arm}.strategy.{name}", value, "optimize")
        return scenario_from_dict(data, "optimize")

    def evaluate(self, values: dict[str, float], reps: list[int]) -> list[dict]:
        key = (self._sim_key, self.space.arm, *(values[f] for f in self.space.fields))
        missing = [r for r in reps if (key, r) not in self._cache]
        if missing:
            scenario = self.candidate_scenario(values)
            jobs = [(scenario, self.scenario.seed, r, self.space.arm) for r in missing]
            for r, record in zip(missing, self._map(jobs), strict=True):
                self._cache[(key, r)] = record
            self.n_simulations += len(missing)
        return [self._cache[(key, r)] for r in reps]

    def _map(self, jobs: list[tuple]) -> list[dict]:
        if self.workers <= 1 or len(jobs) == 1:
            records = [simulate_replication(job) for job in jobs]
        else:
            if self._pool is None:  # starting processes costs ~1 s: once per evaluator
                self._pool = owned_pool(self.workers)
            records = list(self._pool.map(simulate_replication, jobs))
        if not self.baseline:
            self.baseline = records[0].pop("baseline")
        for record in records:
            record.pop("baseline", None)
        return records

    def constraint_means(self, runs: list[dict]) -> dict[str, dict]:
        """Mean of each constrained quantity over replications against its limit."""
        out = {}
        for name, limit in self.limits.items():
            values = [r["quantities"][name] for r in runs]
            finite = [v for v in values if v is not None and math.isfinite(v)]
            mean = float(np.mean(finite)) if finite else math.nan
            out[name] = {"value": mean, "limit": limit, "ok": not mean > limit}
        return out

    def search_objective(self, reps, budget: int, penalty: float, progress=None):
        return SearchObjective(self, reps, budget, penalty, progress)


class SearchObjective:
    """What an optimiser calls: unit-cube point -> penalised mean value; records history."""

    def __init__(self, evaluator: Evaluator, reps: list[int], budget: int, penalty: float,
                 progress: Callable[[int, int], None] | None = None):  # fmt: skip
        self.evaluator, self.reps, self.budget, self.penalty = evaluator, reps, budget, penalty
        self.progress = progress
        self.history: list[Candidate] = []
        self._seen: dict[tuple, Candidate] = {}
        self.calls = 0

    def __call__(self, unit: np.ndarray) -> float:
        self.calls += 1
        values = self.evaluator.space.to_values(np.asarray(unit, float))
        key = tuple(values.values())
        if key in self._seen:
            if self.calls > MAX_CALLS_PER_EVAL * self.budget:
                raise BudgetExhausted
            return self._seen[key].penalised
        if len(self.history) >= self.budget:
            raise BudgetExhausted
        candidate = self._candidate(values)
        self._seen[key] = candidate
        self.history.append(candidate)
        if self.progress is not None:
            self.progress(len(self.history), self.budget)
        return candidate.penalised

    def _candidate(self, values: dict[str, float]) -> Candidate:
        runs = self.evaluator.evaluate(values, self.reps)
        means = {k: _finite_mean([r[k] for r in runs]) for k in SCORE_KEYS}
        values_sd = np.std([r["value"] for r in runs], ddof=1) if len(runs) > 1 else math.nan
        constraints = self.evaluator.constraint_means(runs)
        feasible = all(c["ok"] for c in constraints.values()) and math.isfinite(means["value"])
        penalised = (means["value"] if math.isfinite(means["value"]) else -1e6) - (
            self.penalty * sum(_violation(c) for c in constraints.values())
        )
        return Candidate(
            len(self.history), values, means["P"], means["F"], means["M"], means["nash"],
            means["value"], float(values_sd), constraints, feasible, float(penalised), len(runs),
        )  # fmt: skip


def simulate_replication(job: tuple) -> dict:
    """One replication of one candidate (top level so a process pool can pickle it)."""
    from xsim.pipeline.runner import run  # the runner imports the objective; import it late

    scenario, seed, rep, arm = job
    result = run(scenario, streams=RandomStreams(seed).replication(rep))
    scores = result.objective.arm(arm)
    record = {k: v.value for k, v in scores.scores.items()} | {"value": scores.value.value}
    record["quantities"] = scores.quantities  # every constrainable quantity, limit or not
    record["baseline"] = result.objective.baseline
    return record


def _violation(c: dict) -> float:
    value, limit = c["value"], c["limit"]
    if not math.isfinite(value) or value <= limit:
        return 0.0
    return (value - limit) / limit if limit > 0 else value - limit


def _finite_mean(values: list[float]) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def light_copy(scenario: Scenario) -> dict:
    """The scenario as data with twin worlds off, a one-metric analysis and no optional
    reports (recommender quality, risk report): M(S) needs none of them, and they cost more
    than half the run time of a small scenario. The simulated world is unchanged."""
    data = scenario.model_dump(mode="json")
    data["optimize"] = None
    light = {"truth": False, "metrics": ["policy_conversion"], "primary": "policy_conversion",
             "covariates": {}, "guardrails": []}  # fmt: skip
    data["analysis"] |= light
    quiet = {"recommender_quality_users": 0, "risk_report": False}
    data["outputs"] |= {k: v for k, v in quiet.items() if k in data["outputs"]}
    return data


def _simulation_key(data: dict) -> str:
    keyed = {k: v for k, v in data.items() if k != "optimize"}
    keyed["objective"] = {k: v for k, v in data["objective"].items() if k != "constraints"}
    return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()
