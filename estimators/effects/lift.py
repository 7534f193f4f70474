"""Relative lift that respects what the metric can be: never below -100 % for a metric that
cannot be negative, and not shown at all when the control mean is too close to 0 to divide by.

- `bound_lift` takes the Fieller/log-delta interval of `relative_lift` and (1) suppresses it,
  point and interval, when the control mean lies within ``SUPPRESS_SE`` standard errors of 0
  (the ratio then has no useful scale: a 1-in-1,000 control rate reads as +300 % from one
  extra event), (2) clips it at -100 % when every unit value is >= 0, since the true ratio of
  two non-negative means is >= 0 and clipping to the parameter space cannot lose coverage.
- `proportion_lift` is the interval for two rates: the MOVER-R ratio interval of Donner & Zou
  (2012) built from each arm's Wilson score interval (statsmodels ``proportion_confint``),
  the relative counterpart of Newcombe's difference interval. Unlike Fieller on Wald
  variances it stays wide when an arm has 0 events (0 of 10 against a 30 % control gives
  [-100 %, -7 %], not [-100 %, -100 %]), it contains the estimate, and it is closed form.
  (statsmodels' score ratio interval collapses to [+233 %, +244 %] for 10 of 10 against a
  30 % control, so it is not used.)
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from .frequentist import RelativeLift

SUPPRESS_SE = 1.5  # control mean within this many SEs of 0: relative lift not shown


def bound_lift(lift: RelativeLift, mean_c, se_c, nonnegative) -> RelativeLift:
    """Suppress the lift near a zero control mean; clip at -100 % for non-negative metrics."""
    mean_c, se_c = np.asarray(mean_c, dtype=float), np.asarray(se_c, dtype=float)
    suppressed = np.isfinite(se_c) & (np.abs(mean_c) <= SUPPRESS_SE * se_c)
    floor = np.where(np.asarray(nonnegative, dtype=bool), -1.0, -np.inf)
    low = np.where(suppressed, np.nan, np.maximum(np.asarray(lift.ci_low, dtype=float), floor))
    high = np.where(suppressed, np.nan, np.maximum(np.asarray(lift.ci_high, dtype=float), floor))
    return RelativeLift(
        lift=_scalar(np.where(suppressed, np.nan, lift.lift)),
        ci_low=_scalar(low),
        ci_high=_scalar(high),
        method=_scalar(np.where(suppressed, "suppressed", lift.method)),
    )


def proportion_lift(k_c, n_c, k_t, n_t, alpha: float = 0.05) -> RelativeLift:
    """``p_t / p_c - 1`` with the MOVER-R interval from Wilson intervals of both arms."""
    k_c, n_c, k_t, n_t = (np.asarray(x, dtype=float) for x in (k_c, n_c, k_t, n_t))
    p_c, p_t = k_c / n_c, k_t / n_t
    l_c, u_c = proportion_confint(k_c, n_c, alpha=alpha, method="wilson")
    l_t, u_t = proportion_confint(k_t, n_t, alpha=alpha, method="wilson")
    product = p_t * p_c
    low_den, high_den = u_c * (2 * p_c - u_c), l_c * (2 * p_c - l_c)
    low_inner = product**2 - l_t * u_c * (2 * p_t - l_t) * (2 * p_c - u_c)
    high_inner = product**2 - u_t * l_c * (2 * p_t - u_t) * (2 * p_c - l_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        low_root, high_root = np.sqrt(np.maximum(low_inner, 0)), np.sqrt(np.maximum(high_inner, 0))
        # A control upper limit beyond twice its rate leaves no finite lower ratio: 0 (-100 %)
        # is then the only bound a non-negative ratio is sure to respect.
        low = np.where(low_den > 0, (product - low_root) / low_den, 0.0)
        high = (product + high_root) / high_den
        ratio = p_t / p_c
    bounded = (p_c > 0) & (high_den > 0) & np.isfinite(high)
    method = np.where(bounded, "mover-wilson", "undefined")
    return RelativeLift(
        lift=_scalar(np.where(p_c > 0, ratio - 1.0, np.nan)),
        ci_low=_scalar(np.where(bounded, np.maximum(low, 0.0) - 1.0, np.nan)),
        ci_high=_scalar(np.where(bounded, high - 1.0, np.nan)),
        method=_scalar(method),
    )


def _scalar(x):
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x
