"""Group-sequential monitoring with Lan–DeMets alpha spending.

Z statistics at successive looks behave like Brownian motion in the information fraction
``t``: ``S_k = Z_k sqrt(t_k)`` has independent ``N(0, t_k - t_{k-1})`` increments under H0.
At each look the boundary ``b_k`` is chosen so that the probability of *first* crossing
``|Z_k| >= b_k`` there equals the alpha the spending function releases between ``t_{k-1}``
and ``t_k``. That probability needs the sub-density of ``S_{k-1}`` on the continuation region,
which we carry forward on a grid by the Armitage–McPherson–Rowe recursion (Simpson's rule in
``s``, spacing <= 1/16 of the increment's SD, Jennison & Turnbull 2000, ch. 19).

Spending functions (two-sided symmetric, ``alpha`` the total two-sided level; each side spends
``alpha_s = alpha / 2``), as in Lan & DeMets (1983), R's ldbounds and gsDesign's sfLDOF:

- O'Brien–Fleming type: ``alpha_s(t) = 2 - 2 Phi(Phi^-1(1 - alpha_s / 2) / sqrt(t))``
- Pocock type: ``alpha_s(t) = alpha_s ln(1 + (e - 1) t)``

Because only the spending function is fixed in advance, looks need not be equally spaced nor
their number known: each boundary depends on the looks so far only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

SPENDING_FUNCTIONS = ("obf", "pocock")
_MAX_BOUND = 40.0  # |Z| this large has probability ~1e-350: "never stop here"
_GRID_MIN, _GRID_MAX = 401, 2001  # 2001^2 kernel = 32 MB


def alpha_spent(info_fraction, alpha: float = 0.05, spending: str = "obf") -> np.ndarray:
    """Cumulative two-sided alpha spent by information fraction ``t`` (both sides together)."""
    t = np.clip(np.asarray(info_fraction, dtype=float), 0.0, 1.0)
    side = alpha / 2.0
    if spending == "obf":
        with np.errstate(divide="ignore"):
            per_side = 2.0 * stats.norm.sf(stats.norm.isf(side / 2.0) / np.sqrt(t))
    elif spending == "pocock":
        per_side = side * np.log1p((np.e - 1.0) * t)
    else:
        raise ValueError(f"spending must be one of {SPENDING_FUNCTIONS}, got {spending!r}")
    return 2.0 * per_side


@dataclass(frozen=True)
class GroupSequentialDesign:
    """Boundaries for |Z| at each look, and the alpha spent up to each look."""

    info_fractions: np.ndarray
    z_bounds: np.ndarray
    alpha_spent: np.ndarray
    alpha: float
    spending: str

    @property
    def nominal_p(self) -> np.ndarray:
        """Two-sided fixed-sample p-value that each look's boundary corresponds to."""
        return 2.0 * stats.norm.sf(self.z_bounds)


@dataclass(frozen=True)
class GroupSequentialResult:
    design: GroupSequentialDesign
    z: np.ndarray
    stop_look: int | None  # 0-based index of the first look whose |Z| crossed its boundary
    stop_day: float | None

    @property
    def rejected(self) -> bool:
        return self.stop_look is not None


def boundaries(
    info_fractions: Sequence[float], alpha: float = 0.05, spending: str = "obf"
) -> GroupSequentialDesign:
    """Two-sided symmetric Lan–DeMets boundaries for looks at the given information fractions."""
    t = _check_fractions(info_fractions)
    cumulative = alpha_spent(t, alpha, spending)
    increments = np.diff(np.concatenate([[0.0], cumulative]))
    bounds = []
    state = None
    t_prev = 0.0
    for t_k, spend in zip(t, increments, strict=True):
        bound = _solve_bound(state, t_prev, t_k, spend)
        state = _advance(state, t_prev, t_k, bound)
        bounds.append(bound)
        t_prev = t_k
    return GroupSequentialDesign(t, np.array(bounds), cumulative, alpha, spending)


def exit_probabilities(z_bounds: Sequence[float], info_fractions: Sequence[float]) -> np.ndarray:
    """Probability under H0 of first crossing |Z_k| >= z_bounds[k] at each look."""
    t = _check_fractions(info_fractions)
    probs, state, t_prev = [], None, 0.0
    for t_k, bound in zip(t, z_bounds, strict=True):
        probs.append(_crossing(state, t_prev, t_k, bound))
        state = _advance(state, t_prev, t_k, bound)
        t_prev = t_k
    return np.array(probs)


def monitor(
    z: Sequence[float],
    info_fractions: Sequence[float],
    alpha: float = 0.05,
    spending: str = "obf",
    days: Sequence[float] | None = None,
) -> GroupSequentialResult:
    """Apply the design to observed Z statistics; report the first look that crossed."""
    design = boundaries(info_fractions, alpha, spending)
    z = np.asarray(z, dtype=float)
    crossed = np.flatnonzero(np.abs(z) >= design.z_bounds)
    stop_look = int(crossed[0]) if crossed.size else None
    stop_day = None
    if stop_look is not None and days is not None:
        stop_day = float(days[stop_look])
    return GroupSequentialResult(design, z, stop_look, stop_day)


def _check_fractions(info_fractions: Sequence[float]) -> np.ndarray:
    t = np.asarray(info_fractions, dtype=float)
    if t.ndim != 1 or t.size == 0 or np.any(t <= 0) or np.any(t > 1) or np.any(np.diff(t) <= 0):
        raise ValueError(f"information fractions must increase within (0, 1], got {t}")
    return t


def _crossing(state, t_prev: float, t_k: float, bound: float) -> float:
    """P(continue to look k-1, then |Z_k| >= bound)."""
    c = bound * np.sqrt(t_k)
    if state is None:
        return float(2.0 * stats.norm.sf(bound))
    grid, weights, density = state
    sd = np.sqrt(t_k - t_prev)
    outside = stats.norm.sf((c - grid) / sd) + stats.norm.cdf((-c - grid) / sd)
    return float(np.sum(weights * density * outside))


def _solve_bound(state, t_prev: float, t_k: float, spend: float) -> float:
    if spend <= _crossing(state, t_prev, t_k, _MAX_BOUND):
        return np.inf
    if state is None:
        return float(stats.norm.isf(spend / 2.0))
    return optimize.brentq(
        lambda b: _crossing(state, t_prev, t_k, b) - spend, 0.0, _MAX_BOUND, xtol=1e-10
    )


def _advance(state, t_prev: float, t_k: float, bound: float):
    """Sub-density of S_k on the continuation region |S_k| < bound sqrt(t_k), on a grid."""
    half_width = min(bound, 12.0) * np.sqrt(t_k)  # beyond 12 SD the density is ~0
    step_sd = np.sqrt(t_k - t_prev)
    n_points = int(np.clip(2 * half_width / (step_sd / 16.0), _GRID_MIN, _GRID_MAX)) | 1
    grid = np.linspace(-half_width, half_width, n_points)
    if state is None:
        density = stats.norm.pdf(grid, scale=np.sqrt(t_k))
    else:
        old_grid, old_weights, old_density = state
        kernel = stats.norm.pdf((grid[:, None] - old_grid[None, :]) / step_sd) / step_sd
        density = kernel @ (old_weights * old_density)
    return grid, _simpson_weights(n_points, grid[1] - grid[0]), density


def _simpson_weights(n_points: int, h: float) -> np.ndarray:
    weights = np.ones(n_points)
    weights[1:-1:2] = 4.0
    weights[2:-1:2] = 2.0
    return weights * h / 3.0
