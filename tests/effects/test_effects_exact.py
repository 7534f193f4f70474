"""Exact agreement with scipy/statsmodels where the methods coincide, and closed forms.

Tolerance 1e-9 (absolute and relative) unless stated: both sides evaluate the same formula in
double precision, so any larger gap is a different formula, not rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
)
from statsmodels.stats.proportion import (
    test_proportions_2indep as proportions_2indep_test,
)

from xsim.estimators.effects import (
    adjust_pvalues,
    beta_binomial,
    fieller_interval,
    mde_mean,
    mde_proportion,
    normal_approximation,
    ols_hc1,
    power_mean,
    power_proportion,
    proportion_test,
    relative_lift,
    sample_size_mean,
    sample_size_proportion,
    srm_test,
    welch_test,
)
from xsim.estimators.effects.frequentist import ratio_delta
from xsim.estimators.effects.srm import _log_chi2_sf_asymptotic

TOL = {"rel": 1e-9, "abs": 1e-9}
SEED = 20261123


@pytest.mark.parametrize(
    ("n_c", "n_t", "sd_c", "sd_t", "shift"),
    [
        (50, 50, 1.0, 1.0, 0.3),
        (40, 400, 1.0, 3.0, 0.5),
        (1000, 700, 2.0, 0.5, 0.0),
        (5, 8, 1, 4, 1),
    ],
)
def test_welch_matches_scipy(n_c, n_t, sd_c, sd_t, shift):
    rng = np.random.default_rng(SEED)
    x_c = rng.normal(10.0, sd_c, n_c)
    x_t = rng.normal(10.0 + shift, sd_t, n_t)
    ours = welch_test(x_c.mean(), x_c.var(ddof=1), n_c, x_t.mean(), x_t.var(ddof=1), n_t, 0.05)
    ref = stats.ttest_ind(x_t, x_c, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert ours.statistic == pytest.approx(ref.statistic, **TOL)
    assert ours.p_value == pytest.approx(ref.pvalue, **TOL)
    assert ours.df == pytest.approx(ref.df, **TOL)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((ci.low, ci.high), **TOL)


@pytest.mark.parametrize(("k_c", "n_c", "k_t", "n_t"), [(30, 200, 20, 210), (5, 1000, 18, 900)])
def test_proportion_test_matches_statsmodels(k_c, n_c, k_t, n_t):
    unpooled = proportion_test(k_c / n_c, n_c, k_t / n_t, n_t, 0.05, pooled=False, interval="wald")
    ref = proportions_2indep_test(k_t, n_t, k_c, n_c, method="wald", compare="diff")
    low, high = confint_proportions_2indep(k_t, n_t, k_c, n_c, method="wald", alpha=0.05)
    assert unpooled.statistic == pytest.approx(ref.statistic, **TOL)
    assert unpooled.p_value == pytest.approx(ref.pvalue, **TOL)
    assert (unpooled.ci_low, unpooled.ci_high) == pytest.approx((low, high), **TOL)
    # The default: pooled z for the test, Newcombe's hybrid score interval.
    default = proportion_test(k_c / n_c, n_c, k_t / n_t, n_t, 0.05)
    z, p = proportions_ztest([k_t, k_c], [n_t, n_c])
    assert (default.statistic, default.p_value) == pytest.approx((z, p), **TOL)
    low, high = confint_proportions_2indep(k_t, n_t, k_c, n_c, method="newcomb", alpha=0.05)
    assert (default.ci_low, default.ci_high) == pytest.approx((low, high), **TOL)
    assert default.test == "z_pooled" and default.interval_method == "newcombe"
    caffo = proportion_test(k_c / n_c, n_c, k_t / n_t, n_t, 0.05, interval="agresti-caffo")
    low, high = confint_proportions_2indep(k_t, n_t, k_c, n_c, method="agresti-caffo")
    assert (caffo.ci_low, caffo.ci_high) == pytest.approx((low, high), **TOL)


def test_ratio_delta_equals_linearisation():
    """Delta method == variance of the linearised unit values (x - R y) / mean(y)."""
    rng = np.random.default_rng(SEED)
    visits = rng.poisson(3.0, 500) + 1
    revenue = rng.gamma(2.0, 5.0, 500) * visits
    cov = np.cov(revenue, visits, ddof=1)
    ratio, sd = ratio_delta(revenue.mean(), visits.mean(), cov[0, 0], cov[1, 1], cov[0, 1], 500)
    linear = (revenue - ratio * visits) / visits.mean()
    assert ratio == pytest.approx(revenue.sum() / visits.sum(), **TOL)
    assert sd == pytest.approx(linear.std(ddof=1), **TOL)


def fieller_closed_form(a, b, v11, v22, v12, t):
    """Fieller (1954) as usually printed, with g = t^2 v22 / b^2 (e.g. Franz 2007, eq. 3)."""
    q = a / b
    g = t**2 * v22 / b**2
    centre = q - g * v12 / v22
    half = (t / abs(b)) * np.sqrt(v11 - 2 * q * v12 + q**2 * v22 - g * (v11 - v12**2 / v22))
    return (centre - half) / (1 - g), (centre + half) / (1 - g)


@pytest.mark.parametrize(
    ("a", "b", "v11", "v22", "v12"),
    [(12.0, 10.0, 0.5, 0.4, 0.0), (0.013, 0.0057, 2.7e-7, 2.9e-7, 0.0),
     (1.4, 0.65, 0.021, 0.011, 0.008), (-3.0, -2.0, 0.2, 0.1, -0.05)],
)  # fmt: skip
def test_fieller_matches_closed_form(a, b, v11, v22, v12):
    crit = stats.norm.isf(0.025)
    low, high, bounded = fieller_interval(a, b, v11, v22, v12, crit)
    assert bounded
    assert (low, high) == pytest.approx(fieller_closed_form(a, b, v11, v22, v12, crit), **TOL)


def test_fieller_unbounded_falls_back_to_log_delta():
    # Control mean 0.05 with SE 0.04: not distinguishable from 0 at 95 %, so Fieller's set is
    # unbounded and the log-delta interval is reported instead.
    lift = relative_lift(0.05, 0.04**2, 0.09, 0.03**2, stats.norm.isf(0.025))
    assert lift.method == "log-delta"
    se_log = np.sqrt(0.04**2 / 0.05**2 + 0.03**2 / 0.09**2)
    expected = 0.09 / 0.05 * np.exp(np.array([-1, 1]) * stats.norm.isf(0.025) * se_log) - 1
    assert (lift.ci_low, lift.ci_high) == pytest.approx(tuple(expected), **TOL)


def test_fieller_interval_agrees_with_the_welch_test():
    """Same critical value => the relative CI excludes 0 exactly when Welch's p < alpha."""
    rng = np.random.default_rng(SEED)
    n = 40
    x_c = rng.normal(10.0, 3.0, (2000, n))
    x_t = rng.normal(10.0 + rng.uniform(-2, 2, (2000, 1)), 3.0, (2000, n))
    test = welch_test(x_c.mean(1), x_c.var(1, ddof=1), n, x_t.mean(1), x_t.var(1, ddof=1), n)
    lift = relative_lift(
        x_c.mean(1), x_c.var(1, ddof=1) / n, x_t.mean(1), x_t.var(1, ddof=1) / n,
        test.critical_value,
    )  # fmt: skip
    excludes_zero = (lift.ci_low > 0) | (lift.ci_high < 0)
    assert np.array_equal(excludes_zero, test.p_value < 0.05)


def test_ols_hc1_matches_statsmodels():
    rng = np.random.default_rng(SEED)
    n = 300
    x = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(size=(n, 3))])
    y = x @ np.array([1.0, 0.5, 2.0, -1.0, 0.0]) + rng.standard_t(4, n) * (1 + x[:, 1])
    beta, cov, df_resid = ols_hc1(y, x)
    ref = OLS(y, x).fit(cov_type="HC1", use_t=True)
    assert beta == pytest.approx(ref.params, **TOL)
    assert np.sqrt(np.diag(cov)) == pytest.approx(ref.bse, **TOL)
    assert df_resid == ref.df_resid


def test_power_matches_statsmodels():
    t_power, z_power = TTestIndPower(), NormalIndPower()
    assert power_mean(2.0, 0.5, 100, ratio=1.5) == pytest.approx(
        t_power.power(0.25, 100, 0.05, ratio=1.5), **TOL
    )
    n = sample_size_mean(2.0, 0.5)
    assert n == pytest.approx(t_power.solve_power(effect_size=0.25, alpha=0.05, power=0.8), **TOL)
    effect = t_power.solve_power(nobs1=n, alpha=0.05, power=0.8)
    assert mde_mean(2.0, n) == pytest.approx(2.0 * effect, **TOL)
    # Round trip through statsmodels' own root finder, whose tolerance is ~1e-8, not 1e-9.
    assert power_mean(2.0, mde_mean(2.0, n), n) == pytest.approx(0.8, abs=1e-6)
    # Proportions: NormalIndPower with the unpooled-variance effect size equals the explicit
    # two-tailed normal power of the unpooled z test.
    p_c, mde, n_c, ratio = 0.10, 0.02, 3000, 2.0
    se = np.sqrt(p_c * (1 - p_c) / n_c + (p_c + mde) * (1 - p_c - mde) / (ratio * n_c))
    z = stats.norm.isf(0.025)
    explicit = stats.norm.sf(z - mde / se) + stats.norm.cdf(-z - mde / se)
    assert power_proportion(p_c, mde, n_c, ratio=ratio) == pytest.approx(explicit, **TOL)
    n_needed = sample_size_proportion(p_c, mde, power=0.9)
    assert power_proportion(p_c, mde, n_needed) == pytest.approx(0.9, **TOL)
    assert z_power.power is not None  # the class the wrappers delegate to
    assert power_proportion(p_c, mde_proportion(p_c, 5000), 5000) == pytest.approx(0.8, **TOL)


@pytest.mark.parametrize(("ours", "theirs"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_corrections_match_statsmodels(ours, theirs):
    p = np.random.default_rng(SEED).uniform(0, 0.2, 12) ** 2
    assert adjust_pvalues(p, ours) == pytest.approx(multipletests(p, method=theirs)[1], **TOL)
    with_nan = np.append(p, np.nan)
    assert np.isnan(adjust_pvalues(with_nan, ours)[-1])
    assert adjust_pvalues(with_nan, ours)[:-1] == pytest.approx(multipletests(p, method=theirs)[1])


def test_srm_matches_scipy_and_does_not_underflow():
    counts = {"a": 21306, "b": 21307, "c": 21387}
    result = srm_test(counts)
    ref = stats.chisquare(list(counts.values()))
    assert (result.chi2, result.p_value) == pytest.approx((ref.statistic, ref.pvalue), **TOL)
    gross = srm_test({"a": 50_000, "b": 53_000})
    assert 0 < gross.p_value < 1e-20  # 1 - cdf would have returned exactly 0 here
    assert 1 - stats.chi2.cdf(gross.chi2, 1) == 0.0
    hopeless = srm_test({"a": 1_000_000, "b": 2_000_000})
    assert hopeless.p_value == 0.0 and np.isfinite(hopeless.log10_p_value)
    # The asymptotic series used beyond the double range agrees with scipy where both exist.
    for chi2, df in [(1400.0, 1), (1400.0, 2), (1000.0, 5)]:
        assert _log_chi2_sf_asymptotic(chi2, df) == pytest.approx(
            stats.chi2.logsf(chi2, df), rel=1e-12
        )


def evan_miller_prob(a_c, b_c, a_t, b_t):
    """Exact P(T > C) for Beta posteriors with integer a_t (Evan Miller's closed form)."""
    i = np.arange(a_t)
    log_terms = (
        special.betaln(a_c + i, b_c + b_t)
        - np.log(b_t + i)
        - special.betaln(1 + i, b_t)
        - special.betaln(a_c, b_c)
    )
    return float(np.exp(log_terms).sum())


@pytest.mark.parametrize(("s_c", "n_c", "s_t", "n_t"), [(12, 100, 20, 110), (3, 40, 9, 200)])
def test_beta_binomial_matches_closed_forms(s_c, n_c, s_t, n_t):
    ours = beta_binomial(s_c, n_c, s_t, n_t)
    a_c, b_c, a_t, b_t = 1 + s_c, 1 + n_c - s_c, 1 + s_t, 1 + n_t - s_t
    assert ours.prob_beat_control == pytest.approx(evan_miller_prob(a_c, b_c, a_t, b_t), abs=1e-9)

    # Expected loss by adaptive quadrature of the same inner expectation: an independent check
    # of the Gauss-Legendre rule (quad's own error is ~1e-12 here).
    def integrand(x):
        inner = x * stats.beta.cdf(x, a_t, b_t) - a_t / (a_t + b_t) * special.betainc(
            a_t + 1, b_t, x
        )
        return stats.beta.pdf(x, a_c, b_c) * inner

    loss, _ = integrate.quad(integrand, 0, 1, epsabs=1e-13, limit=200)
    assert ours.expected_loss == pytest.approx(loss, abs=1e-9)
    flipped = beta_binomial(s_c, n_c, s_t, n_t, higher_is_better=False)
    assert flipped.prob_beat_control == pytest.approx(1 - ours.prob_beat_control, abs=1e-12)


def test_normal_approximation_closed_form():
    result = normal_approximation(0.3, 0.2)
    assert result.prob_beat_control == pytest.approx(stats.norm.cdf(1.5), **TOL)
    # E[max(-D, 0)] for D ~ N(0.3, 0.2^2), by quadrature
    loss, _ = integrate.quad(lambda d: -d * stats.norm.pdf(d, 0.3, 0.2), -np.inf, 0)
    assert result.expected_loss == pytest.approx(loss, abs=1e-12)
