"""Always-valid inference: mixture SPRT (mSPRT) confidence sequences and p-values.

Following Johari, Koomen, Pekelis & Walsh (2017, "Peeking at A/B tests", KDD; Operations
Research 2022) with a normal mixture. With ``d`` the current difference estimate, ``V = se^2``
its variance and a ``N(0, tau2)`` mixing distribution over the effect, the mixture likelihood
ratio against H0: effect = theta0 is

    Lambda = sqrt(V / (V + tau2)) * exp(tau2 (d - theta0)^2 / (2 V (V + tau2))).

Under H0 it is a non-negative martingale, so by Ville's inequality ``P(sup Lambda >= 1/alpha)
<= alpha``: the data may be looked at after every unit and the error rate still holds.
Inverting ``Lambda < 1/alpha`` gives the confidence sequence

    d +- sqrt(V (V + tau2) / tau2 * log((V + tau2) / (V alpha^2))),

intersected over looks; the always-valid p-value is the running minimum of ``min(1, 1/Lambda)``.
With an estimated variance the guarantee is asymptotic (large n per look).

The mixing variance ``tau2`` trades early power for late power. By default it is chosen to make
the interval narrowest at the final look: with ``x = tau2 / V_final`` the squared radius is
``V_final (1 + 1/x)(log(1 + x) - 2 log alpha)``, minimised once per alpha.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize


@dataclass(frozen=True)
class ConfidenceSequence:
    """Per-look always-valid interval and p-value (arrays over looks, last axis)."""

    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray
    tau2: np.ndarray | float
    alpha: float

    def stop_look(self, theta0: float = 0.0):
        """First look (0-based) at which theta0 left the interval, per sequence; -1 if never."""
        excluded = (self.low > theta0) | (self.high < theta0)
        return np.where(excluded.any(axis=-1), np.argmax(excluded, axis=-1), -1)


@lru_cache(maxsize=64)
def best_mixture_ratio(alpha: float) -> float:
    """``tau2 / V`` that minimises the confidence-sequence radius at variance ``V``."""

    def radius_squared(log_x: float) -> float:
        x = np.exp(log_x)
        return (1.0 + 1.0 / x) * (np.log1p(x) - 2.0 * np.log(alpha))

    result = optimize.minimize_scalar(radius_squared, bounds=(-10.0, 15.0), method="bounded")
    return float(np.exp(result.x))


def log_mixture_lr(diff, se, tau2, theta0: float = 0.0):
    """Log of the normal-mixture likelihood ratio Lambda."""
    var = np.asarray(se, dtype=float) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * np.log(var / (var + tau2)) + tau2 * (np.asarray(diff) - theta0) ** 2 / (
            2.0 * var * (var + tau2)
        )


def confidence_sequence(
    diff: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray,
    alpha: float = 0.05,
    tau2: float | np.ndarray | None = None,
) -> ConfidenceSequence:
    """Always-valid CIs and p-values for the difference at successive looks (last axis).

    ``diff`` and ``se`` may carry leading batch dimensions (many simulated experiments).
    """
    diff = np.asarray(diff, dtype=float)
    var = np.asarray(se, dtype=float) ** 2
    if tau2 is None:
        tau2 = best_mixture_ratio(alpha) * var[..., -1:]
    tau2 = np.asarray(tau2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        radius = np.sqrt(var * (var + tau2) / tau2 * np.log((var + tau2) / (var * alpha**2)))
    low = np.maximum.accumulate(np.where(np.isfinite(radius), diff - radius, -np.inf), axis=-1)
    high = np.minimum.accumulate(np.where(np.isfinite(radius), diff + radius, np.inf), axis=-1)
    log_lr = np.nan_to_num(log_mixture_lr(diff, np.sqrt(var), tau2), nan=0.0)
    p_value = np.minimum.accumulate(np.exp(-np.maximum(log_lr, 0.0)), axis=-1)
    return ConfidenceSequence(low, high, p_value, _squeeze(tau2), alpha)


def _squeeze(x: np.ndarray):
    return x.item() if x.size == 1 else x
