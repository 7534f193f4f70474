"""Power, minimum detectable effect (MDE) and sample size for the fixed-horizon tests.

Thin, explicit wrappers around statsmodels' power classes, so the numbers are the library's:

- means: `TTestIndPower` (two-sample t) with standardised effect ``mde / sd``;
- proportions: `NormalIndPower` (two-sample z) with the effect standardised by the SD that
  reproduces the unpooled test xsim runs. With ``n_t = ratio * n_c`` the SE of the difference
  is ``sqrt(p_c q_c / n_c + p_t q_t / n_t)``; statsmodels writes it
  ``sd * sqrt((1 + 1/ratio) / n_c)``, hence ``sd^2 = (p_c q_c + p_t q_t / ratio) / (1 + 1/ratio)``.

``mde`` is always absolute (treatment minus control, in the metric's units); multiply a
relative MDE by the baseline first. Sample sizes are per control arm and not rounded; the
treatment arm needs ``ratio`` times as many.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from statsmodels.stats.power import NormalIndPower, TTestIndPower

_TTEST = TTestIndPower()
_ZTEST = NormalIndPower()


def power_mean(sd, mde, n_control, alpha=0.05, ratio=1.0, alternative="two-sided") -> float:
    """Power of Welch/Student two-sample t to detect an absolute difference ``mde``."""
    return float(_TTEST.power(mde / sd, n_control, alpha, ratio=ratio, alternative=alternative))


def sample_size_mean(sd, mde, alpha=0.05, power=0.8, ratio=1.0, alternative="two-sided") -> float:
    """Control-arm n for a two-sample t test to detect ``mde`` with the given power."""
    return float(
        _TTEST.solve_power(
            effect_size=mde / sd, alpha=alpha, power=power, ratio=ratio, alternative=alternative
        )
    )


def mde_mean(sd, n_control, alpha=0.05, power=0.8, ratio=1.0, alternative="two-sided") -> float:
    """Smallest absolute difference detectable with the given power at control-arm n."""
    effect = _TTEST.solve_power(
        nobs1=n_control, alpha=alpha, power=power, ratio=ratio, alternative=alternative
    )
    return float(effect * sd)


def proportion_effect_size(p_control, mde, ratio=1.0) -> float:
    """Standardised effect for `NormalIndPower` that matches the unpooled two-proportion test."""
    p_t = p_control + mde
    var = (p_control * (1 - p_control) + p_t * (1 - p_t) / ratio) / (1 + 1 / ratio)
    return float(mde / np.sqrt(var))


def power_proportion(p_control, mde, n_control, alpha=0.05, ratio=1.0, alternative="two-sided"):
    """Power of the unpooled two-proportion z test to detect ``p_t = p_control + mde``."""
    effect = proportion_effect_size(p_control, mde, ratio)
    return float(_ZTEST.power(effect, n_control, alpha, ratio=ratio, alternative=alternative))


def sample_size_proportion(
    p_control, mde, alpha=0.05, power=0.8, ratio=1.0, alternative="two-sided"
) -> float:
    """Control-arm n for the two-proportion z test to detect ``mde``."""
    effect = proportion_effect_size(p_control, mde, ratio)
    return float(
        _ZTEST.solve_power(
            effect_size=effect, alpha=alpha, power=power, ratio=ratio, alternative=alternative
        )
    )


def mde_proportion(
    p_control, n_control, alpha=0.05, power=0.8, ratio=1.0, alternative="two-sided"
) -> float:
    """Smallest upward change in the rate detectable with the given power at control-arm n.

    The variance depends on the treated rate, so the MDE solves power(mde) = power by root
    finding on ``(0, 1 - p_control)``.
    """

    def gap(mde):
        return power_proportion(p_control, mde, n_control, alpha, ratio, alternative) - power

    upper = 1.0 - p_control - 1e-12
    if gap(upper) < 0:
        return float("nan")  # not even the largest possible lift reaches the power
    return float(optimize.brentq(gap, 1e-12, upper, xtol=1e-14, rtol=1e-12))
