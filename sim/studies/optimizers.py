"""Search methods over the unit cube [0, 1]^d, maximising a noisy function.

Every method only calls ``f(x) -> float`` and stops when ``f`` raises `BudgetExhausted` (the
caller counts evaluations, so each method gets the same budget) or when it has converged.
Randomness comes only from the generator passed in (seeded from `xsim.core.rng`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from scipy import optimize as sciopt

Objective = Callable[[np.ndarray], float]

SPSA_ALPHA, SPSA_GAMMA = 0.602, 0.101  # Spall's asymptotically efficient gain exponents
DE_MUTATION, DE_RECOMBINATION = 0.5, 0.9  # Storn and Price's differential weight, crossover


class BudgetExhausted(Exception):
    """Raised by the objective when the evaluation budget is spent."""


def random_search(f: Objective, start: np.ndarray, budget: int, rng) -> None:
    """The baseline: independent uniform points."""
    for _ in range(100 * budget):  # repeats are free (cached), so bound the loop by calls
        f(rng.random(len(start)))


def grid_search(f: Objective, start: np.ndarray, budget: int, rng) -> None:
    """A full grid of k points per axis over the cube, then grids of the same size zoomed
    around the best point (±0.75 spacing, so each zoom shrinks the spacing) until the budget
    is spent or the spacing is negligible. k uses about a third of the budget in the first
    pass, at least 3 points per axis."""
    d = len(start)
    k = max(3, int((budget / 3) ** (1 / d)))
    low, high = np.zeros(d), np.ones(d)
    while True:
        axes = [np.linspace(lo, hi, k) for lo, hi in zip(low, high, strict=True)]
        values = {tuple(x): f(np.array(x)) for x in itertools.product(*axes)}
        best = np.array(max(values, key=values.get))
        spacing = (high - low) / (k - 1)
        if np.all(spacing < 1e-4):
            return
        low, high = np.clip(best - 0.75 * spacing, 0, 1), np.clip(best + 0.75 * spacing, 0, 1)


def spsa(f: Objective, start: np.ndarray, budget: int, rng, step: float = 0.1,
         perturbation: float = 0.05) -> None:  # fmt: skip
    """Simultaneous-perturbation stochastic approximation (Spall 1998), ascending.

    Each iteration spends two evaluations on a two-sided difference along a random ±1 vector;
    with common random numbers the difference is far less noisy than either value, so the
    perturbation can be small (5 % of the range): the evaluated points, among which the answer
    is chosen, stay close to the iterate. The gain ``a`` is set from the first gradient
    estimate so the first move is about ``step`` of the range; each move is capped at 2·step
    per axis (noise can produce huge gradients). The last evaluation goes to the final
    iterate."""
    n_iter = max(1, (budget - 1) // 2)
    stability = 0.1 * n_iter
    x, a = np.asarray(start, float).copy(), None
    for k in range(n_iter):
        c_k = perturbation / (k + 1) ** SPSA_GAMMA
        delta = rng.choice([-1.0, 1.0], size=len(x))
        plus, minus = np.clip(x + c_k * delta, 0, 1), np.clip(x - c_k * delta, 0, 1)
        gap = plus - minus
        gradient = (f(plus) - f(minus)) / np.where(gap == 0, np.inf, gap)
        if a is None:
            size = np.max(np.abs(gradient))
            a = step * (stability + 1) ** SPSA_ALPHA / size if size > 0 else step
        a_k = a / (k + 1 + stability) ** SPSA_ALPHA
        move = np.clip(a_k * gradient, -2 * step, 2 * step)
        x = np.clip(x + move, 0, 1)
    f(x)


def nelder_mead(f: Objective, start: np.ndarray, budget: int, rng) -> None:
    """scipy's bounded Nelder–Mead, restarted from the best point with a simplex half as large
    while budget remains (a noisy function often stalls a single run)."""
    x, size = np.asarray(start, float), 0.25
    best = {"x": x, "y": -np.inf}

    def negative(z):
        y = f(z)
        if y > best["y"]:
            best.update(x=np.asarray(z, float).copy(), y=y)
        return -y

    for _ in range(20):
        d = len(x)
        simplex = np.vstack([x] + [_vertex(x, i, size) for i in range(d)])
        sciopt.minimize(
            negative, x, method="Nelder-Mead", bounds=[(0, 1)] * d,
            options={"maxfev": budget, "initial_simplex": simplex, "xatol": 1e-3, "fatol": 0},
        )  # fmt: skip
        x, size = best["x"], size / 2


def _vertex(x: np.ndarray, axis: int, size: float) -> np.ndarray:
    vertex = x.copy()
    vertex[axis] += size if x[axis] + size <= 1 else -size
    return vertex


def differential_evolution(f: Objective, start: np.ndarray, budget: int, rng) -> None:
    """scipy's differential evolution (best1bin, Latin-hypercube start that includes the
    scenario's current values), with a population of about a tenth of the budget (5 to 10 per
    dimension) so several generations fit; no gradient polish (the function is noisy).

    The differential weight is Storn and Price's 0.5 (crossover 0.9) rather than scipy's
    default, dithered in [0.5, 1] (crossover 0.7): with only a handful of generations the
    trial points must close in on the best member, not keep exploring the whole range."""
    d = len(start)
    population = int(np.clip(budget // 10, 5 * d, 10 * d))
    sciopt.differential_evolution(
        lambda z: -f(z), [(0, 1)] * d, popsize=max(1, -(-population // d)), maxiter=budget,
        tol=0, polish=False, x0=start, rng=rng, init="latinhypercube", mutation=DE_MUTATION,
        recombination=DE_RECOMBINATION,
    )  # fmt: skip


METHOD_FUNCTIONS = {
    "spsa": spsa,
    "nelder_mead": nelder_mead,
    "differential_evolution": differential_evolution,
    "grid": grid_search,
    "random": random_search,
}
