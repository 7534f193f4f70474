"""The small-sample machinery: equal to scipy/statsmodels where the method is theirs, and the
verdicts `analyze` draws from it on the cases the issue reported.

Tolerance 1e-9 where both sides evaluate the same formula (as in test_effects_exact.py).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.proportion import confint_proportions_2indep

from xsim.estimators.effects import Guardrail, Proportion, analyze
from xsim.estimators.effects.cuped import ols_robust
from xsim.estimators.effects.exact import fisher_exact_p, permutation_welch_p
from xsim.estimators.effects.frequentist import RelativeLift
from xsim.estimators.effects.lift import bound_lift, proportion_lift
from xsim.estimators.effects.multiplicity import guardrail_verdict
from xsim.estimators.effects.validity import skewness_rule_holds

TOL = {"rel": 1e-9, "abs": 1e-9}
SEED = 20261123


def _welch_t(treatment, control, axis=-1):
    return stats.ttest_ind(treatment, control, axis=axis, equal_var=False).statistic


def test_fisher_matches_scipy_table_by_table():
    tables = [(1080, 18_000, 0, 15), (1080, 18_000, 4, 15), (90, 9_000, 8, 1_000), (0, 10, 0, 12)]
    k_c, n_c, k_t, n_t = (np.array(column) for column in zip(*tables, strict=True))
    ours = fisher_exact_p(k_c, n_c, k_t, n_t)
    for p, (kc, nc, kt, nt) in zip(ours, tables, strict=True):
        assert p == pytest.approx(stats.fisher_exact([[kt, kc], [nt - kt, nc - kc]]).pvalue, **TOL)


@pytest.mark.parametrize(("n_c", "n_t"), [(8, 5), (4, 9), (7, 7), (12, 3)])
def test_permutation_test_is_scipys_when_every_partition_is_enumerated(n_c, n_t):
    rng = np.random.default_rng(SEED + n_c)
    control, treatment = rng.lognormal(0, 1, n_c), rng.lognormal(0.4, 1.2, n_t)
    ref = stats.permutation_test(
        (treatment, control), _welch_t, n_resamples=10_000, vectorized=True
    ).pvalue
    assert permutation_welch_p(control, treatment, n_resamples=10_000) == pytest.approx(ref, **TOL)


def test_permutation_test_agrees_with_scipy_by_monte_carlo():
    """Different random partitions: two Monte-Carlo estimates of one p-value, each
    2 min(p_less, p_greater) with SE 2 sqrt(q (1 - q) / B) at q = p / 2, differ by less than
    4 SEs of their difference; and the default stream makes a p-value reproducible."""
    rng = np.random.default_rng(SEED)
    control, treatment = rng.lognormal(0, 1, 400), rng.lognormal(0.15, 1, 30)
    ours = permutation_welch_p(control, treatment, n_resamples=9_999)
    ref = stats.permutation_test((treatment, control), _welch_t, n_resamples=9_999,
                                 vectorized=True, rng=rng).pvalue  # fmt: skip
    half = ref / 2
    assert abs(ours - ref) < 4 * np.sqrt(2) * 2 * np.sqrt(half * (1 - half) / 9_999)
    assert permutation_welch_p(control, treatment) == permutation_welch_p(control, treatment)


def test_hc3_matches_statsmodels():
    rng = np.random.default_rng(SEED)
    n = 200
    x = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(size=(n, 2))])
    y = x @ np.array([1.0, 0.5, 2.0, -1.0]) + rng.standard_t(4, n) * (1 + 2 * x[:, 1])
    beta, cov, df_resid, _ = ols_robust(y, x, "HC3")
    ref = OLS(y, x).fit(cov_type="HC3")
    assert beta == pytest.approx(ref.params, **TOL)
    assert np.sqrt(np.diag(cov)) == pytest.approx(ref.bse, **TOL)
    assert df_resid == ref.df_resid


def test_skewness_rule_reduces_to_kohavis_for_one_arm():
    """With a control of known mean (n_c -> infinity) the rule is n > 355 s^2 exactly."""
    for n, skew in [(355 * 4 - 1, 2.0), (355 * 4 + 1, 2.0), (900, -1.5), (800, -1.5)]:
        holds = skewness_rule_holds(1.0, 0.0, 1e15, 3.0, skew, n)
        assert bool(holds) is (n > 355 * skew**2)
    # Two equal arms of one skewed distribution: the skewness of the difference cancels.
    assert skewness_rule_holds(2.0, 20.0, 21_000, 2.0, 20.0, 21_000)
    assert not skewness_rule_holds(2.0, 20.0, 9_000, 2.0, 20.0, 1_000)


def test_mover_lift_is_wide_for_an_empty_arm_and_contains_the_estimate():
    empty = proportion_lift(3000, 10_000, 0, 10)
    assert empty.lift == -1.0 and empty.ci_low == -1.0
    assert -0.1 < empty.ci_high < 0.0  # 0 of 10 against 30 %: at most about -7 %
    full = proportion_lift(3000, 10_000, 10, 10)  # statsmodels' score interval: [2.33, 2.44]
    assert full.ci_low < 1.6 < full.lift <= full.ci_high
    # Away from the boundaries it is close to the Koopman score interval (statsmodels).
    lift = proportion_lift(100, 1000, 120, 1000)
    low, high = confint_proportions_2indep(120, 1000, 100, 1000, compare="ratio", method="score")
    assert (lift.ci_low, lift.ci_high) == pytest.approx((low - 1, high - 1), abs=2e-3)


def test_bound_lift_suppresses_near_zero_controls_and_floors_at_minus_100_percent():
    lift = RelativeLift(np.array([-0.9, 0.5]), np.array([-1.4, -0.2]), np.array([0.1, 2.0]),
                        np.array(["fieller", "fieller"]))  # fmt: skip
    bounded = bound_lift(lift, np.array([10.0, 0.1]), np.array([1.0, 0.1]), True)
    assert bounded.ci_low[0] == -1.0 and bounded.ci_high[0] == 0.1
    assert np.isnan(bounded.lift[1]) and bounded.method[1] == "suppressed"
    signed = bound_lift(lift, np.array([10.0, 10.0]), np.array([1.0, 1.0]), False)
    assert signed.ci_low[0] == -1.4  # a metric that can be negative is not floored


@pytest.mark.parametrize(
    ("low", "high", "higher_is_better", "verdict"),
    [(-0.01, 0.02, True, "holds"), (-0.08, -0.06, True, "breached"),
     (-0.06, 0.01, True, "inconclusive"), (0.06, 0.08, False, "breached"),
     (-0.02, 0.01, False, "holds"), (None, 0.1, True, "insufficient data")],
)  # fmt: skip
def test_guardrail_verdict_reads_the_ci_against_the_margin(low, high, higher_is_better, verdict):
    assert guardrail_verdict(low, high, 0.05, higher_is_better) == verdict


def _rare(arm_sizes, rates, seed=SEED):
    rng = np.random.default_rng(seed)
    arms = np.repeat(list(arm_sizes), list(arm_sizes.values()))
    p = np.array([rates[a] for a in arms])
    return pd.DataFrame({"arm": arms, "converted": (rng.random(len(arms)) < p).astype(int)})


def test_no_conversions_in_ten_is_not_p_1e_minus_145():
    frame = pd.DataFrame({"arm": ["c"] * 10_000 + ["t"] * 10,
                          "converted": [1] * 3_000 + [0] * 7_000 + [0] * 10})  # fmt: skip
    (row,) = analyze(frame, "arm", "c", ["converted"]).to_dicts()
    exact = stats.fisher_exact([[0, 3000], [10, 7000]]).pvalue
    assert row["test"] == "fisher_exact" and row["validity"] == "fallback"
    assert row["p_value"] == pytest.approx(exact, **TOL) and row["p_value"] > 0.02
    assert row["rel_ci_low"] == -1.0 and row["rel_ci_high"] > -0.2  # not [-100 %, -100 %]
    low, high = confint_proportions_2indep(0, 10, 3000, 10_000, method="newcomb")
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((low, high), **TOL)


def test_pooled_test_can_be_turned_off():
    frame = _rare({"c": 3000, "t": 3000}, {"c": 0.1, "t": 0.12})
    rows = analyze(frame, "arm", "c", [Proportion("converted", pooled_test=False)]).to_dicts()
    assert rows[0]["test"] == "z_unpooled" and rows[0]["diff_ci_method"] == "z_unpooled"


def test_small_ratio_arms_are_insufficient_data_never_significant():
    rng = np.random.default_rng(SEED)
    frame = pd.DataFrame({"arm": ["c"] * 500 + ["t"] * 12,
                          "revenue": np.r_[rng.gamma(2, 5, 500), rng.gamma(2, 50, 12)],
                          "visits": rng.integers(1, 4, 512)})  # fmt: skip
    result = analyze(frame, "arm", "c", ["revenue/visits", "revenue"])
    ratio, mean = result.to_dicts()
    assert ratio["validity"] == "insufficient data" and ratio["significant"] is False
    assert ratio["verdict"] == "insufficient data" and ratio["p_value"] is not None
    assert mean["test"] == "permutation_welch" and mean["diff_ci_method"] == "welch_approximate"
    assert any(note.startswith("Insufficient data: fewer than 30") for note in result.notes)
    assert any(note.startswith("Small or skewed arms") for note in result.notes)


def test_guardrail_with_a_straddling_ci_is_inconclusive_not_breached():
    frame = _rare({"c": 2000, "t": 2000}, {"c": 0.05, "t": 0.055}, seed=4)
    guard = Guardrail(Proportion("converted", higher_is_better=False), margin=0.05)
    (row,) = analyze(frame, "arm", "c", [], guardrails=[guard]).to_dicts()
    assert row["verdict"] == "inconclusive" and row["noninferior"] is False


def test_segment_cells_form_one_family(tmp_path):
    rng = np.random.default_rng(SEED)
    n = 3000
    frame = pd.DataFrame({"arm": rng.choice(["c", "t"], n), "seg": rng.choice(list("abcde"), n),
                          "y": rng.normal(size=n), "z": rng.binomial(1, 0.3, n)})  # fmt: skip
    result = analyze(frame, "arm", "c", ["y", "z"], segment="seg")
    cells = [r for r in result.to_dicts() if r["segment"] is not None]
    assert len(cells) == 10
    smallest = min(cells, key=lambda r: r["p_value"])
    assert smallest["p_adjusted"] == pytest.approx(min(1.0, 10 * smallest["p_value"]), **TOL)
    assert "5 segments x 2 = 10 tests" in result.notes[1]
    text = result.to_json()
    assert "NaN" not in text and json.loads(text)["rows"]
