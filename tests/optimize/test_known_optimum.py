"""Issue 9 acceptance: on a scenario whose optimum is known, every optimiser gets within 5 % of
the optimal M(S) in at most 60 evaluations and beats random search at equal budget on at least
8 of 10 seeds.

The scenario (scenarios/optimize_course_voucher.yaml) tunes two fields of a co-branded course:
the voucher's premium discount (0.01 lattice over [0, 0.9]) and the course price (steps of 1
over [5, 205]), 91 × 201 lattice points with one interior maximum. Two parameters, because in
one a few dozen random points land on or next to the best levels and beating random search
measures luck (test_known_optimum_1d.py); in two, random points land about 1/√N of the range
from the optimum, and a method that homes in on it does better.

"Truth": the true M of a point is its mean over 4 replications the search never sees. M* is the
best truth on an exhaustive grid: 10 levels per axis over the whole lattice, then 7 levels per
axis over ±1 spacing around the best, repeated until the spacing is one lattice step on every
axis. The search runs on 2 other replications with common random numbers; the chosen S is
re-estimated on the truth replications, which only checks constraints (the scenario has none),
so they never influence the answer.

Per seed, each optimiser's S must be within 5 % of M*, and it wins when its truth is strictly
higher than that of random search with the same seed and as many evaluations as the optimiser
used (a tie, e.g. the same point, is no win); it must win on at least 8 of 10 seeds. The grid
is deterministic (the same S on every seed), so it must instead fall short of M* by less than
random search on average. Per-seed
results are printed for the record (pytest -s). Every simulation is cached: each (point,
replication) runs once for all methods and seeds.
"""

import functools
import itertools

import numpy as np
import pytest

from tests.optimize.builders import course_voucher_scenario
from xsim.studies.evaluate import Evaluator
from xsim.studies.optimize import optimize

pytestmark = pytest.mark.slow

SEARCH_REPLICATIONS = 2
TRUTH_REPLICATIONS = list(range(2, 6))  # never used by the search
COARSE_LEVELS, ZOOM_LEVELS = 10, 7  # the truth grid: per axis, whole lattice then each zoom
BUDGET = 60
SEEDS = range(10)
METHODS = ("spsa", "nelder_mead", "differential_evolution", "grid")


@pytest.fixture(scope="module")
def problem():
    scenario = course_voucher_scenario(**{
        "optimize.replications_per_eval": SEARCH_REPLICATIONS,
        "optimize.final_replications": len(TRUTH_REPLICATIONS),
    })  # fmt: skip
    with Evaluator(scenario, workers=2) as evaluator:
        yield scenario, evaluator, Truth(evaluator)


class Truth:
    """True M of a lattice point: its mean over the truth replications (computed on demand)."""

    def __init__(self, evaluator: Evaluator):
        self.evaluator = evaluator
        space = evaluator.space
        self.levels = np.round((space.high - space.low) / space.step).astype(int) + 1

    def __call__(self, values: dict) -> float:
        runs = self.evaluator.evaluate(values, TRUTH_REPLICATIONS)
        return float(np.mean([r["M"] for r in runs]))

    def values(self, index) -> dict:
        """Field values of the lattice point with these level numbers."""
        space = self.evaluator.space
        return space.to_values(np.asarray(index) * space.step / (space.high - space.low))

    def at(self, index) -> float:
        return self(self.values(index))

    @functools.cached_property
    def best(self) -> tuple[dict, float]:
        """(S*, M*) by the exhaustive grid: coarse levels over the lattice, then zooms around
        the best until neighbouring grid points are neighbouring lattice points."""
        axes = [np.round(np.linspace(0, n - 1, COARSE_LEVELS)).astype(int) for n in self.levels]
        while True:
            best = max(itertools.product(*axes), key=self.at)
            spacing = [int(np.diff(axis).max()) for axis in axes]
            if max(spacing) <= 1:
                return self.values(best), self.at(best)
            axes = [_zoom(*args) for args in zip(best, spacing, self.levels, strict=True)]


def _zoom(centre: int, spacing: int, levels: int) -> np.ndarray:
    """ZOOM_LEVELS lattice levels over centre ± spacing, clipped to the lattice."""
    axis = np.round(np.linspace(centre - spacing, centre + spacing, ZOOM_LEVELS)).astype(int)
    return np.unique(np.clip(axis, 0, levels - 1))


def _returned(scenario, evaluator, method, seed, budget):
    result = optimize(scenario, evaluator, method=method, budget_evals=budget,
                      replications_per_eval=SEARCH_REPLICATIONS, seed=seed)  # fmt: skip
    return result.best.values, len(result.history)


def test_the_optimum_is_interior_and_pronounced(problem):
    _, evaluator, truth = problem
    best, m_star = truth.best
    space = evaluator.space
    unit = space.to_unit(best)
    assert np.all((unit > 0.1) & (unit < 0.9)), f"S* = {best} is near an end of a range"
    for axis, end in itertools.product(range(len(unit)), (0.0, 1.0)):
        edge = unit.copy()
        edge[axis] = end  # the other field stays at its optimum
        values = space.to_values(edge)
        assert truth(values) < 0.9 * m_star, f"M{values} = {truth(values):.3f}, M* = {m_star:.3f}"


@pytest.mark.parametrize("method", METHODS)
def test_optimiser_reaches_the_optimum_and_beats_random_search(problem, method):
    scenario, evaluator, truth = problem
    best, m_star = truth.best
    wins, shortfall, random_shortfall, report = 0, [], [], []
    for seed in SEEDS:
        found, used = _returned(scenario, evaluator, method, seed, BUDGET)
        baseline, _ = _returned(scenario, evaluator, "random", seed, used)
        assert used <= BUDGET
        shortfall.append(1 - truth(found) / m_star)
        random_shortfall.append(1 - truth(baseline) / m_star)
        assert shortfall[-1] <= 0.05, f"{method} seed {seed}: S={found} {shortfall[-1]:.1%} short"
        wins += truth(found) > truth(baseline)
        report.append(
            f"seed {seed}: S={found} ({shortfall[-1]:.2%} short) vs random S={baseline} "
            f"({random_shortfall[-1]:.2%}) at {used} evaluations"
        )
    summary = (
        f"{method}: M* = {m_star:.4f} at {best}; strict wins over random {wins}/10; mean "
        f"shortfall {np.mean(shortfall):.2%} vs random {np.mean(random_shortfall):.2%}\n"
        + "\n".join(report)
    )
    print(summary)
    if method == "grid":
        # the grid has no randomness: one lattice, the same S for every seed, so its per-seed
        # wins count random search's luck against one fixed point (60 points in 2-D space
        # the lattice 1/8 of each range apart, about where random points land); it must
        # beat random search on average instead
        assert np.mean(shortfall) < np.mean(random_shortfall), summary
    else:
        assert wins >= 8, summary
