"""The search methods on a cheap noisy function with a known maximum: budgets are respected
and every method lands near the optimum (the simulation-backed check is test_known_optimum)."""

import contextlib

import numpy as np
import pytest

from xsim.studies.optimizers import METHOD_FUNCTIONS, BudgetExhausted

OPTIMUM = np.array([0.3, 0.7])


class Counted:
    """A noisy concave bowl whose noise is fixed per point (like common random numbers)."""

    def __init__(self, budget: int):
        self.budget, self.points = budget, []

    def __call__(self, x):
        x = np.round(np.asarray(x, float), 3)
        if len(self.points) >= self.budget:
            raise BudgetExhausted
        self.points.append(x)
        wiggle = 0.002 * np.sin(40 * x).sum()
        return 1.0 - ((x - OPTIMUM) ** 2).sum() + wiggle


@pytest.mark.parametrize("method", sorted(METHOD_FUNCTIONS))
def test_each_method_respects_the_budget_and_finds_the_bowl(method):
    f = Counted(60)
    rng = np.random.Generator(np.random.PCG64(3))
    with contextlib.suppress(BudgetExhausted):
        METHOD_FUNCTIONS[method](f, np.array([0.5, 0.5]), 60, rng)
    assert 1 <= len(f.points) <= 60
    best = max(f.points, key=lambda x: -((x - OPTIMUM) ** 2).sum())
    assert np.abs(best - OPTIMUM).max() < 0.15, (method, best)
    assert all(((p >= 0) & (p <= 1)).all() for p in f.points)


def test_methods_are_reproducible_from_their_generator():
    runs = []
    for _ in range(2):
        f = Counted(30)
        rng = np.random.Generator(np.random.PCG64(9))
        with contextlib.suppress(BudgetExhausted):
            METHOD_FUNCTIONS["spsa"](f, np.array([0.5, 0.5]), 30, rng)
        runs.append(np.array(f.points))
    assert np.array_equal(*runs)
