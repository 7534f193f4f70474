"""Calibration: the intervals mean what they say, checked on thousands of simulated data sets.

Every check runs the library's own functions once on arrays holding all simulated data sets.

The acceptance band is the central 99.9 % binomial interval around the nominal rate: with R
independent data sets a correctly calibrated method's error count is Binomial(R, alpha), so it
falls outside this band with probability 0.1 % per check. That keeps the handful of checks
here from failing by chance (seeds are fixed anyway, so a failure is reproducible) while a
miscalibration of about 1.5 percentage points (an interval family that under-covers at 93.5 %)
is caught at R = 4,000, whose band is alpha +- 1.1 points.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from xsim.estimators.effects import (
    boundaries,
    confidence_sequence,
    ols_hc1,
    proportion_test,
    relative_lift,
    welch_test,
    z_test,
)
from xsim.estimators.effects.frequentist import finish_test, ratio_delta

pytestmark = pytest.mark.slow

ALPHA = 0.05
R = 4000  # simulated data sets per check


def band(rate: float = ALPHA, replications: int = R) -> tuple[float, float]:
    """Central 99.9 % binomial interval for an observed rate, as fractions."""
    dist = stats.binom(replications, rate)
    return dist.ppf(0.0005) / replications, dist.ppf(0.9995) / replications


def in_band(observed: float, rate: float = ALPHA, replications: int = R) -> bool:
    low, high = band(rate, replications)
    return low <= observed <= high


def excludes(low, high, value) -> np.ndarray:
    return (np.asarray(low) > value) | (np.asarray(high) < value)


def mean_stats(x):
    return x.mean(axis=-1), x.var(axis=-1, ddof=1), x.shape[-1]


def test_band_is_what_the_docstring_says():
    low, high = band()
    assert low == pytest.approx(0.039, abs=1e-3) and high == pytest.approx(0.061, abs=1e-3)


def test_aa_false_positive_rates_of_each_interval_family():
    rng = np.random.default_rng(101)
    rates = {}
    # Means: skewed (gamma, shape 2) outcomes, Welch CI and the Fieller relative-lift CI.
    c, t = rng.gamma(2.0, 5.0, (2, R, 200))
    welch = welch_test(*mean_stats(c), *mean_stats(t), ALPHA)
    rates["welch"] = excludes(welch.ci_low, welch.ci_high, 0).mean()
    rel = relative_lift(c.mean(1), c.var(1, ddof=1) / 200, t.mean(1), t.var(1, ddof=1) / 200,
                        welch.critical_value)  # fmt: skip
    rates["fieller"] = excludes(rel.ci_low, rel.ci_high, 0).mean()
    # Proportions: 10 % base rate, n = 1,000 per arm, unpooled z CI.
    k_c, k_t = rng.binomial(1000, 0.10, (2, R))
    prop = proportion_test(k_c / 1000, 1000, k_t / 1000, 1000, ALPHA)
    rates["proportion"] = excludes(prop.ci_low, prop.ci_high, 0).mean()
    # Ratios: revenue per visit, units randomised, delta-method CI.
    ratio_c, ratio_t = (_ratio_arm(rng, 300, 1.0) for _ in range(2))
    delta = z_test(ratio_c[0], ratio_c[1], ratio_t[0], ratio_t[1], ALPHA)
    rates["ratio_delta"] = excludes(delta.ci_low, delta.ci_high, 0).mean()
    # CUPED: OLS with a pre-period covariate and HC1 SEs.
    cuped = _cuped_tests(rng, effect=0.0)
    rates["cuped"] = excludes(cuped.ci_low, cuped.ci_high, 0).mean()
    outside = {name: rate for name, rate in rates.items() if not in_band(rate)}
    assert not outside, f"A/A false-positive rates outside {band()}: {outside}"
    # The CI and the p-value tell the same story.
    assert np.array_equal(excludes(welch.ci_low, welch.ci_high, 0), welch.p_value < ALPHA)


def test_relative_lift_coverage_under_a_true_20_percent_effect():
    rng = np.random.default_rng(202)
    misses = {}
    c, t = rng.gamma(4.0, 2.5, (R, 300)), rng.gamma(4.0, 3.0, (R, 300))  # means 10 and 12
    welch = welch_test(*mean_stats(c), *mean_stats(t), ALPHA)
    rel = relative_lift(c.mean(1), c.var(1, ddof=1) / 300, t.mean(1), t.var(1, ddof=1) / 300,
                        welch.critical_value)  # fmt: skip
    misses["mean"] = excludes(rel.ci_low, rel.ci_high, 0.2).mean()
    k_c, k_t = rng.binomial(3000, 0.10, R), rng.binomial(3000, 0.12, R)
    prop = proportion_test(k_c / 3000, 3000, k_t / 3000, 3000, ALPHA)
    p_c, p_t = k_c / 3000, k_t / 3000
    rel = relative_lift(p_c, p_c * (1 - p_c) / 3000, p_t, p_t * (1 - p_t) / 3000,
                        prop.critical_value)  # fmt: skip
    misses["proportion"] = excludes(rel.ci_low, rel.ci_high, 0.2).mean()
    (r_c, se_c), (r_t, se_t) = _ratio_arm(rng, 300, 1.0), _ratio_arm(rng, 300, 1.2)
    rel = relative_lift(r_c, se_c**2, r_t, se_t**2, stats.norm.isf(ALPHA / 2))
    misses["ratio"] = excludes(rel.ci_low, rel.ci_high, 0.2).mean()
    outside = {name: m for name, m in misses.items() if not in_band(m)}
    assert not outside, f"non-coverage outside {band()} around {ALPHA}: {outside}"


def test_naive_peeking_inflates_while_sequential_methods_hold_alpha():
    """20 looks at an A/A test, 50 more units per arm each time (normal outcomes).

    Naive: stop at the first look with p < 0.05. Sequential: Lan–DeMets boundaries (both
    spending functions) and the mSPRT confidence sequence, on the same paths.
    """
    rng = np.random.default_rng(303)
    looks, step, reps = 20, 50, 2000
    c, t = rng.normal(0.0, 1.0, (2, reps, looks * step))
    n = step * np.arange(1, looks + 1)
    stats_c, stats_t = _cumulative_stats(c, n), _cumulative_stats(t, n)
    test = welch_test(*stats_c, *stats_t, ALPHA)
    naive = (test.p_value < ALPHA).any(axis=1).mean()
    info = n / n[-1]
    rates = {
        spending: (np.abs(test.statistic) >= boundaries(info, ALPHA, spending).z_bounds)
        .any(axis=1)
        .mean()
        for spending in ("obf", "pocock")
    }
    cs = confidence_sequence(test.diff, test.se, ALPHA)
    rates["msprt"] = (cs.stop_look() >= 0).mean()
    high = band(ALPHA, reps)[1]
    assert naive > 2 * ALPHA and naive > high, f"naive peeking FPR {naive:.3f}"
    assert rates["obf"] <= high and rates["pocock"] <= high, rates  # alpha up to MC error
    assert rates["msprt"] <= ALPHA, rates  # Ville's inequality: conservative by design


def _ratio_arm(rng, n_units: int, scale: float):
    """Revenue per visit per data set: (ratio, se) arrays over R data sets."""
    visits = rng.poisson(2.0, (R, n_units)) + 1.0
    revenue = rng.gamma(2.0, 5.0 * scale, (R, n_units)) * visits
    num_var, den_var = revenue.var(1, ddof=1), visits.var(1, ddof=1)
    cov = (revenue - revenue.mean(1, keepdims=True)) * (visits - visits.mean(1, keepdims=True))
    ratio, sd = ratio_delta(revenue.mean(1), visits.mean(1), num_var, den_var,
                            cov.sum(1) / (n_units - 1), n_units)  # fmt: skip
    return ratio, sd / np.sqrt(n_units)


def _cuped_tests(rng, effect: float, n_arm: int = 200):
    """Batched ANCOVA with HC1, exactly as `regression_adjusted` fits one pair."""
    pre = rng.gamma(2.0, 5.0, (R, 2 * n_arm))
    treated = np.concatenate([np.zeros(n_arm), np.ones(n_arm)])
    y = 0.8 * pre + rng.gamma(2.0, 2.0, (R, 2 * n_arm)) + effect * treated
    centred = pre - pre.mean(axis=1, keepdims=True)
    design = np.stack([np.ones_like(pre), np.broadcast_to(treated, pre.shape), centred], axis=-1)
    beta, cov, df_resid = ols_hc1(y, design)
    return finish_test(beta[:, 1], np.sqrt(cov[:, 1, 1]), df_resid, ALPHA, "ols_hc1")


def _cumulative_stats(x, n):
    """Mean and sample variance of the first n[k] units, per data set and look."""
    sums = np.cumsum(x, axis=1)[:, n - 1]
    squares = np.cumsum(x**2, axis=1)[:, n - 1]
    mean = sums / n
    var = (squares - n * mean**2) / (n - 1)
    return mean, var, n
