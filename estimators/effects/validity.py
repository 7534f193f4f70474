"""When a large-sample test may be trusted, and what runs when it may not.

Every comparison row carries a ``validity``:

- ``"ok"``: the normal/t approximation's condition holds;
- ``"fallback"``: it fails, and a test that does not need it produced the p-value (Fisher's
  exact test for proportions, a permutation test of Welch's t for means; ``test`` names it);
- ``"insufficient data"``: it fails and no such test exists for this kind (ratios, CUPED rows,
  arms of one unit). The p-value is shown, but the verdict is never "significant".

Conditions:

- proportions: at least ``SMALL_COUNT`` successes and failures in each arm;
- means: at least ``SMALL_N`` units per arm and Kohavi's skewness rule (n > 355 s^2 for one
  mean; Kohavi, Tang & Xu 2020, ch. 17) applied to the *difference* of the two means, whose
  skewness is ``(k3_t / n_t^2 - k3_c / n_c^2) / se^3`` with ``k3 = s sd^3`` per arm. For one
  arm this is exactly n > 355 s^2; for two equal arms of one distribution the skewness cancels,
  as it does in the sampling distribution of the difference, so balanced heavy-tailed tests
  (Hillstrom's spend) keep Welch while a 9,000 vs 1,000 split of the same data does not. A
  skewness estimated from fewer than ``SMALL_N`` units is noise (a 15-unit arm would need
  |s| < 0.2 to pass, and its estimate scatters by ~0.5 even for normal data), so such an arm
  borrows the shape of both arms together: the size-weighted mean of the arms' skewness, which
  is the skewness of the pooled, per-arm standardised values (the same quantity under H0, and
  not dominated by the arm with the larger spread).
- ratios: at least ``SMALL_N`` units per arm.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .exact import N_RESAMPLES, fisher_exact_p, permutation_welch_p
from .frequentist import DiffTest, proportion_test, welch_test

SMALL_N = 30  # units per arm below which t/z approximations are shaky for any metric
SMALL_COUNT = 10  # successes or failures per arm for the proportion z test
KOHAVI_SKEW_FACTOR = 355  # n > 355 s^2 per arm (Kohavi et al. 2020, ch. 17)

OK, FALLBACK, INSUFFICIENT = "ok", "fallback", "insufficient data"
APPROXIMATE = "welch_approximate"  # the interval of a row whose p-value came from permutation


def few_events(successes, n):
    """Fewer than SMALL_COUNT successes or failures."""
    successes, n = np.asarray(successes), np.asarray(n)
    return np.minimum(successes, n - successes) < SMALL_COUNT


def skewness_rule_holds(sd_c, skew_c, n_c, sd_t, skew_t, n_t):
    """Kohavi's rule for the difference of two means: 355 * skew(diff)^2 <= 1."""
    sd_c, skew_c, sd_t, skew_t = (np.asarray(x, dtype=float) for x in (sd_c, skew_c, sd_t, skew_t))
    n_c, n_t = np.asarray(n_c, dtype=float), np.asarray(n_t, dtype=float)
    third = skew_t * sd_t**3 / n_t**2 - skew_c * sd_c**3 / n_c**2
    se_squared = sd_t**2 / n_t + sd_c**2 / n_c
    holds = KOHAVI_SKEW_FACTOR * third**2 <= se_squared**3
    return np.where(np.isnan(third), False, holds)


def skewness(values: np.ndarray) -> np.ndarray:
    """Moment skewness g1 along the last axis; 0 for a constant sample."""
    centred = values - values.mean(axis=-1, keepdims=True)
    m2 = np.mean(centred**2, axis=-1)
    m3 = np.mean(centred**3, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m2 > 0, m3 / np.where(m2 > 0, m2, 1.0) ** 1.5, 0.0)


def arm_skewness(own_c, n_c, own_t, n_t):
    """Each arm's skewness for the rule: its own, or the pooled shape when it is too small."""
    pooled = (n_c * np.asarray(own_c) + n_t * np.asarray(own_t)) / (n_c + n_t)
    return (
        np.where(n_c < SMALL_N, pooled, own_c),
        np.where(n_t < SMALL_N, pooled, own_t),
    )


def proportion_comparison(k_c, n_c, k_t, n_t, alpha: float = 0.05, pooled: bool = True):
    """Pooled z test with Newcombe's interval; Fisher's exact test where events are few.

    With ``pooled=False`` the test and interval are the unpooled Wald ones (the method before
    the exact fallback existed), still with the fallback."""
    k_c, n_c, k_t, n_t = (np.asarray(x, dtype=float) for x in (k_c, n_c, k_t, n_t))
    interval = "newcombe" if pooled else "wald"
    test = proportion_test(k_c / n_c, n_c, k_t / n_t, n_t, alpha, pooled, interval)
    fallback = few_events(k_c, n_c) | few_events(k_t, n_t)
    if not np.any(fallback):
        return test
    exact = np.where(fallback, fisher_exact_p(k_c, n_c, k_t, n_t), test.p_value)
    return _with(test, exact, fallback, "fisher_exact")


def mean_comparison(control, treatment, alpha: float = 0.05, n_resamples=N_RESAMPLES, rng=None):
    """Welch's t where valid; a permutation test of Welch's t where an arm is small or the
    skewness rule fails. ``control`` ``(..., n_c)``, ``treatment`` ``(..., n_t)``."""
    x_c, x_t = np.asarray(control, dtype=float), np.asarray(treatment, dtype=float)
    n_c, n_t = x_c.shape[-1], x_t.shape[-1]
    sd_c, sd_t = x_c.std(axis=-1, ddof=1), x_t.std(axis=-1, ddof=1)
    mean_c, mean_t = x_c.mean(axis=-1), x_t.mean(axis=-1)
    test = welch_test(mean_c, sd_c**2, n_c, mean_t, sd_t**2, n_t, alpha)
    skew_c, skew_t = arm_skewness(skewness(x_c), n_c, skewness(x_t), n_t)
    valid = (min(n_c, n_t) >= SMALL_N) & skewness_rule_holds(sd_c, skew_c, n_c, sd_t, skew_t, n_t)
    fallback = ~np.asarray(valid)
    if not fallback.any():
        return test
    p = np.array(test.p_value, dtype=float, ndmin=1).copy()
    flat = fallback.ravel()
    batch_c = np.broadcast_to(x_c, (*fallback.shape, n_c)).reshape(-1, n_c)[flat]
    batch_t = np.broadcast_to(x_t, (*fallback.shape, n_t)).reshape(-1, n_t)[flat]
    p.ravel()[flat] = np.atleast_1d(permutation_welch_p(batch_c, batch_t, n_resamples, rng))
    p = p.reshape(fallback.shape)
    test = _with(test, p, fallback, "permutation_welch")
    # The permutation test gives no interval: Welch's is shown, and said to be approximate.
    return replace(test, interval=_scalar(np.where(fallback, APPROXIMATE, "welch_t")))


def _with(test: DiffTest, p_value, fallback, name: str) -> DiffTest:
    """The test with the fallback's p-value, name and validity where it ran."""
    fallback = np.asarray(fallback)
    return replace(
        test,
        p_value=_scalar(p_value),
        test=_scalar(np.where(fallback, name, test.test)),
        validity=_scalar(np.where(fallback, FALLBACK, test.validity)),
    )


def _scalar(x):
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x
