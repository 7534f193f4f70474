"""Two-sample comparisons: Welch t, two-proportion z, delta-method z, and relative-lift intervals.

Every function takes summary statistics (means, variances, counts) rather than raw rows and
broadcasts over numpy arrays, so the calibration tests can push thousands of simulated data
sets through the very code the report uses, in one call.

Conventions: ``control`` is the reference, ``diff = treatment - control``; ``df = inf`` marks a
normal (z) reference distribution, which `scipy.stats.t` evaluates exactly as the normal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

ArrayLike = float | np.ndarray


@dataclass(frozen=True)
class DiffTest:
    """Absolute difference of two means, its standard error and its two-sided test."""

    diff: ArrayLike
    se: ArrayLike
    df: ArrayLike
    statistic: ArrayLike
    p_value: ArrayLike
    ci_low: ArrayLike
    ci_high: ArrayLike
    critical_value: ArrayLike
    test: ArrayLike  # the test that made the p-value, per element of a batch
    interval: ArrayLike = ""  # the method behind the CI when it is not diff +- crit * se
    validity: ArrayLike = "ok"  # "ok", "fallback" or "insufficient data" (see validity.py)

    @property
    def interval_method(self):
        """The CI's method: ``interval`` when set, else the test's own (diff +- crit * se)."""
        has_own = isinstance(self.interval, np.ndarray) or bool(self.interval)
        return self.interval if has_own else self.test


@dataclass(frozen=True)
class RelativeLift:
    """Relative lift ``treatment / control - 1`` with its interval and the method that made it."""

    lift: ArrayLike
    ci_low: ArrayLike
    ci_high: ArrayLike
    method: ArrayLike  # "fieller", "log-delta" or "undefined" per element


def critical_value(alpha: float, df: ArrayLike) -> ArrayLike:
    """Two-sided critical value of t(df); df = inf gives the normal quantile."""
    return stats.t.isf(alpha / 2.0, df)


def finish_test(diff, se, df, alpha: float, test: str) -> DiffTest:
    """Statistic, p-value and CI from a difference and its SE.

    A zero SE (both arms constant) has a defined answer rather than 0/0: the difference is then
    known without error, so p = 1 when it is 0 and p = 0 otherwise, and the CI is the point.
    """
    diff, se, df = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (diff, se, df)))
    crit = critical_value(alpha, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    statistic = np.where(np.isnan(se), np.nan, statistic)
    p_value = 2.0 * stats.t.sf(np.abs(statistic), df)
    half_width = crit * se
    return DiffTest(
        diff=_scalar(diff),
        se=_scalar(se),
        df=_scalar(df),
        statistic=_scalar(statistic),
        p_value=_scalar(np.minimum(p_value, 1.0)),
        ci_low=_scalar(diff - half_width),
        ci_high=_scalar(diff + half_width),
        critical_value=_scalar(crit),
        test=test,
    )


def welch_test(mean_c, var_c, n_c, mean_t, var_t, n_t, alpha: float = 0.05) -> DiffTest:
    """Welch's unequal-variance t test and CI (Welch–Satterthwaite df).

    Matches ``scipy.stats.ttest_ind(equal_var=False)`` and its ``confidence_interval``.
    ``var_*`` are sample variances (ddof=1).
    """
    var_mean_c = np.asarray(var_c, dtype=float) / n_c
    var_mean_t = np.asarray(var_t, dtype=float) / n_t
    se = np.sqrt(var_mean_c + var_mean_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (var_mean_c + var_mean_t) ** 2 / (
            var_mean_c**2 / (np.asarray(n_c) - 1) + var_mean_t**2 / (np.asarray(n_t) - 1)
        )
    # Both arms constant: df is 0/0; any df gives the same (degenerate) answer, so use the
    # pooled df rather than propagate NaN.
    df = np.where((var_mean_c == 0) & (var_mean_t == 0), np.asarray(n_c) + np.asarray(n_t) - 2, df)
    return finish_test(np.asarray(mean_t) - np.asarray(mean_c), se, df, alpha, "welch_t")


def proportion_test(
    p_c, n_c, p_t, n_t, alpha: float = 0.05, pooled: bool = True, interval: str = "newcombe"
) -> DiffTest:
    """Two-proportion z test and an interval for ``p_t - p_c``.

    The test uses the pooled rate under H0 by default (``pooled=True``), as
    ``statsmodels.stats.proportion.proportions_ztest`` does: its variance does not collapse
    when one arm has no events, the failure of the unpooled test that made a 0-of-15 arm
    "significantly worse" than a 6 % control. ``pooled=False`` gives the unpooled Wald test.
    ``interval`` is ``"newcombe"`` (hybrid Wilson score; statsmodels
    ``confint_proportions_2indep(method="newcomb")``), ``"agresti-caffo"`` or ``"wald"``.
    ``diff_se`` is always the unpooled SE, the spread of the estimate itself.
    """
    p_c, n_c, p_t, n_t = (np.asarray(x, dtype=float) for x in (p_c, n_c, p_t, n_t))
    se_unpooled = np.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t)
    diff = p_t - p_c
    by_wald = finish_test(diff, se_unpooled, np.inf, alpha, "z_unpooled")
    result = by_wald
    if pooled:
        p_pool = (p_c * n_c + p_t * n_t) / (n_c + n_t)
        se_pooled = np.sqrt(p_pool * (1 - p_pool) * (1 / n_c + 1 / n_t))
        by_pooled = finish_test(diff, se_pooled, np.inf, alpha, "z_pooled")
        result = replace(by_pooled, se=by_wald.se, ci_low=by_wald.ci_low, ci_high=by_wald.ci_high)
    if interval == "wald":
        return result
    low, high = confint_proportions_2indep(
        p_t * n_t, n_t, p_c * n_c, n_c, method=_STATSMODELS_INTERVAL[interval], alpha=alpha
    )
    return replace(result, ci_low=_scalar(low), ci_high=_scalar(high), interval=interval)


_STATSMODELS_INTERVAL = {"newcombe": "newcomb", "agresti-caffo": "agresti-caffo"}


def z_test(mean_c, se_c, mean_t, se_t, alpha: float = 0.05, test: str = "delta_z") -> DiffTest:
    """Large-sample z test for two independent, asymptotically normal estimates."""
    se = np.sqrt(np.asarray(se_c, dtype=float) ** 2 + np.asarray(se_t, dtype=float) ** 2)
    return finish_test(np.asarray(mean_t) - np.asarray(mean_c), se, np.inf, alpha, test)


def ratio_delta(num_mean, den_mean, num_var, den_var, cov, n):
    """Ratio of means ``num_mean / den_mean`` and the delta-method SD of one unit.

    ``Var(R_hat) = (var_x - 2 R cov_xy + R^2 var_y) / (n * mean_y^2)``; the returned SD is
    ``sqrt(n * Var(R_hat))`` so that ``se = sd / sqrt(n)`` holds for every metric kind.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray(num_mean, dtype=float) / den_mean
        unit_var = (num_var - 2 * ratio * cov + ratio**2 * den_var) / np.asarray(den_mean) ** 2
    return ratio, np.sqrt(np.maximum(unit_var, 0.0))


def fieller_interval(a, b, var_a, var_b, cov_ab, crit):
    """Fieller's interval for ``a / b``: all rho with ``(a - rho b)^2 <= crit^2 Var(a - rho b)``.

    Returns ``(low, high, bounded)``. The set is a finite interval only when the leading
    coefficient ``b^2 - crit^2 var_b`` is positive, i.e. when ``b`` is itself significantly
    different from zero; otherwise it is unbounded and ``low``/``high`` are NaN.
    """
    a, b, var_a, var_b, cov_ab, crit = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (a, b, var_a, var_b, cov_ab, crit))
    )
    c2 = crit**2
    quad_a = b**2 - c2 * var_b
    quad_b = -2.0 * (a * b - c2 * cov_ab)
    quad_c = a**2 - c2 * var_a
    disc = quad_b**2 - 4.0 * quad_a * quad_c
    bounded = (quad_a > 0) & (disc >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.where(bounded, disc, np.nan))
        low = (-quad_b - root) / (2.0 * quad_a)
        high = (-quad_b + root) / (2.0 * quad_a)
    return _scalar(low), _scalar(high), _scalar(bounded)


def log_delta_interval(a, b, var_a, var_b, cov_ab, crit):
    """Interval for ``a / b`` from the delta method on ``log(a / b)``; needs a / b > 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = a / b
        var_log = var_a / a**2 + var_b / b**2 - 2.0 * np.asarray(cov_ab) / (a * b)
        ok = (ratio > 0) & np.isfinite(ratio) & (var_log >= 0)
        half = crit * np.sqrt(np.where(ok, var_log, np.nan))
        low, high = ratio * np.exp(-half), ratio * np.exp(half)
    return _scalar(np.where(ok, low, np.nan)), _scalar(np.where(ok, high, np.nan)), _scalar(ok)


def relative_lift(mean_c, var_mean_c, mean_t, var_mean_t, crit, cov_tc=0.0) -> RelativeLift:
    """Relative lift ``mean_t / mean_c - 1``: Fieller's interval, log-delta when it is unbounded.

    ``var_mean_*`` are variances of the two means (SE squared) and ``cov_tc`` their covariance
    (0 for independent arms; non-zero for regression-adjusted means). Using the same critical
    value as the absolute test makes the Fieller interval exclude 0 exactly when that test
    rejects, so the relative lift needs no p-value of its own.
    """
    f_low, f_high, f_ok = fieller_interval(mean_t, mean_c, var_mean_t, var_mean_c, cov_tc, crit)
    l_low, l_high, l_ok = log_delta_interval(mean_t, mean_c, var_mean_t, var_mean_c, cov_tc, crit)
    f_ok, l_ok = np.asarray(f_ok), np.asarray(l_ok)
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.asarray(mean_t, dtype=float) / np.asarray(mean_c, dtype=float) - 1.0
    lift = np.where(np.isfinite(lift), lift, np.nan)
    low = np.where(f_ok, f_low, np.where(l_ok, l_low, np.nan)) - 1.0
    high = np.where(f_ok, f_high, np.where(l_ok, l_high, np.nan)) - 1.0
    method = np.where(f_ok, "fieller", np.where(l_ok, "log-delta", "undefined"))
    return RelativeLift(
        lift=_scalar(lift), ci_low=_scalar(low), ci_high=_scalar(high), method=_scalar(method)
    )


def _scalar(x):
    """0-d arrays become Python scalars so single comparisons return plain numbers."""
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x
