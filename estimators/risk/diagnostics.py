"""Diagnostics of risk scores: deviances, D², Lorenz curve and Gini, actual versus expected.

Plain functions on arrays, so they also judge scores that did not come from this package.
Conventions:

* ``mean_deviance(y, mu, power, weights)`` = Σ wᵢ·d(yᵢ, μᵢ) / Σ wᵢ with the Tweedie unit deviance d
  (power 0 normal, 1 Poisson, 2 Gamma), as scikit-learn's ``mean_tweedie_deviance``. On claim
  counts without weights it is Noll–Salzmann–Wüthrich's loss / 100; on frequencies
  (counts / exposure) weighted by exposure it is scikit-learn's ``mean_poisson_deviance``.
* ``lorenz_curve`` orders policies from the lowest to the highest predicted rate and accumulates
  exposure (x) and the actual outcome (y); ``gini`` = 1 − 2 × area under it: 0 for a random
  ordering, larger the better the model separates risks.
* ``actual_vs_expected`` cuts the same ordering into groups of equal exposure (deciles by
  default) and compares actual with expected totals per group; the groups add up to the totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def unit_deviance(y: np.ndarray, mu: np.ndarray, power: float = 1.0) -> np.ndarray:
    """Tweedie unit deviance d(y, μ) per observation (y ≥ 0, μ > 0; y > 0 for power ≥ 2)."""
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    if power == 0:
        return (y - mu) ** 2
    if power == 1:
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
        return 2 * (ylogy - y + mu)
    if power == 2:
        return 2 * (np.log(mu / y) + y / mu - 1)
    first = np.maximum(y, 0) ** (2 - power) / ((1 - power) * (2 - power))
    return 2 * (first - y * mu ** (1 - power) / (1 - power) + mu ** (2 - power) / (2 - power))


def mean_deviance(
    y: np.ndarray, mu: np.ndarray, *, power: float = 1.0, weights: np.ndarray | None = None
) -> float:
    """Weighted mean Tweedie deviance Σ w·d(y, μ) / Σ w (weights default to 1)."""
    d = unit_deviance(y, mu, power)
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype=float)
    return float(np.sum(w * d) / np.sum(w))


def mean_poisson_deviance(
    y: np.ndarray, mu: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """`mean_deviance` with power 1."""
    return mean_deviance(y, mu, power=1.0, weights=weights)


def d2_score(
    y: np.ndarray, mu: np.ndarray, *, power: float = 1.0, weights: np.ndarray | None = None
) -> float:
    """Fraction of deviance explained: 1 − D(y, μ) / D(y, weighted mean of y)."""
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    null = np.full_like(y, np.sum(w * y) / np.sum(w))
    return 1 - mean_deviance(y, mu, power=power, weights=w) / mean_deviance(
        y, null, power=power, weights=w
    )


def lorenz_curve(
    actual: np.ndarray,
    predicted: np.ndarray,
    exposure: np.ndarray | None = None,
    *,
    points: int | None = None,
) -> pd.DataFrame:
    """Cumulative exposure share and actual share, policies ordered by predicted rate.

    `actual` are observed totals per row (claims or cost), `predicted` a rate per unit of
    exposure used only to order the rows. With `points`, the curve is interpolated at that many
    evenly spaced exposure shares (a compact copy for reports).
    """
    actual = np.asarray(actual, dtype=float)
    e = np.ones_like(actual) if exposure is None else np.asarray(exposure, dtype=float)
    order = np.argsort(np.asarray(predicted, dtype=float), kind="stable")
    x = np.r_[0.0, np.cumsum(e[order])] / np.sum(e)
    total = np.sum(actual)
    y = np.r_[0.0, np.cumsum(actual[order])] / (total if total > 0 else np.nan)
    if points is not None:
        grid = np.linspace(0.0, 1.0, points)
        x, y = grid, np.interp(grid, x, y)
    return pd.DataFrame({"exposure_share": x, "actual_share": y})


def gini(actual: np.ndarray, predicted: np.ndarray, exposure: np.ndarray | None = None) -> float:
    """Gini index of the ordering: 1 − 2 × area under the Lorenz curve (NaN if nothing happened)."""
    curve = lorenz_curve(actual, predicted, exposure)
    return float(1 - 2 * np.trapezoid(curve["actual_share"], curve["exposure_share"]))


def actual_vs_expected(
    actual: np.ndarray,
    expected: np.ndarray,
    exposure: np.ndarray | None = None,
    *,
    n_bins: int = 10,
) -> pd.DataFrame:
    """Actual and expected totals per group of equal exposure, ordered by expected rate.

    `actual` and `expected` are totals per row (e.g. claims and expected claims); rows are
    ordered by expected / exposure and cut into `n_bins` groups (1 = lowest predicted risk).
    """
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    e = np.ones_like(actual) if exposure is None else np.asarray(exposure, dtype=float)
    order = np.argsort(expected / e, kind="stable")
    cum = np.cumsum(e[order])
    share = (cum - e[order] / 2) / cum[-1]
    group = np.minimum((share * n_bins).astype(int), n_bins - 1) + 1
    frame = pd.DataFrame(
        {"group": group, "policies": 1, "exposure": e[order]}
        | {"expected": expected[order], "actual": actual[order]}
    )
    table = frame.groupby("group").sum()
    table["actual_to_expected"] = table["actual"] / table["expected"]
    return table
