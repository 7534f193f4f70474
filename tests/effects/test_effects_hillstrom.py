"""Hillstrom e-mail experiment: reproduce the reference numbers in its README.

Reference: ../shared/data/hillstrom/README.md (numbers recomputed from the file and matched
to scikit-uplift's EDA notebook and to Yasui (2020), ch. 1). Tolerances: per-arm means 1e-6
(the README prints 6 decimals); differences, SEs and CIs 1e-4 (the README's CIs use the normal
quantile 1.96, ours Welch's t with ~40,000 df: they differ by ~5e-6; proportions now use
Newcombe's interval, within 3.1e-5 of the README's Wald interval at these sizes); the README's
regression-adjusted estimates and HC1 SEs 1e-6 through `ols_hc1` (same OLS with HC1, so only
the README's rounding separates them). The CUPED rows of `analyze` use HC3 since the small-arm
change; they are checked against statsmodels' HC3 fit of the same design to 1e-9, so no
hand-copied expected values are needed for them.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.regression.linear_model import OLS

from xsim.estimators.effects import Proportion, analyze, covariate_matrix, ols_hc1, read_table

COVARIATES = ["history", "recency", "mens", "womens", "newbie", "zip_code", "channel"]
MENS, WOMENS, CONTROL = "Mens E-Mail", "Womens E-Mail", "No E-Mail"

ARM_MEANS = {  # arm: (n, visit, conversion, spend)
    MENS: (21307, 0.182757, 0.012531, 1.422617),
    WOMENS: (21387, 0.151400, 0.008837, 1.077202),
    CONTROL: (21306, 0.106167, 0.005726, 0.652789),
}
EFFECTS = {  # (arm, metric): (diff, se, ci_low, ci_high, relative lift)
    (MENS, "visit"): (0.076590, 0.003386, 0.069953, 0.083226, 0.721),
    (MENS, "conversion"): (0.006805, 0.000921, 0.005000, 0.008610, 1.188),
    (MENS, "spend"): (0.769827, 0.145247, 0.485144, 1.054510, 1.179),
    (WOMENS, "visit"): (0.045233, 0.003234, 0.038894, 0.051573, 0.426),
    (WOMENS, "conversion"): (0.003111, 0.000823, 0.001499, 0.004724, 0.543),
    (WOMENS, "spend"): (0.424412, 0.130333, 0.168960, 0.679865, 0.650),
}
ADJUSTED = {  # (arm, metric): (estimate, HC1 SE)
    (MENS, "spend"): (0.766873, 0.145064),
    (MENS, "visit"): (0.076059, 0.003337),
    (MENS, "conversion"): (0.006773, 0.000920),
    (WOMENS, "spend"): (0.424639, 0.130225),
    (WOMENS, "visit"): (0.045409, 0.003192),
    (WOMENS, "conversion"): (0.003112, 0.000822),
}


@pytest.fixture(scope="module")
def data(shared_data):
    frame = read_table(shared_data / "hillstrom" / "hillstrom.csv.gz")
    assert frame.shape == (64000, 12)
    return frame


@pytest.fixture(scope="module")
def result(data):
    return analyze(
        data,
        arm="segment",
        control=CONTROL,
        metrics=["visit", "conversion", "spend"],
        covariates=COVARIATES,
    )


def _row(result, arm, metric, cuped=False):
    (row,) = [
        r
        for r in result.to_dicts()
        if r["arm"] == arm and r["metric"] == metric and r["cuped"] is cuped
    ]
    return row


def test_metric_kinds_are_inferred(result):
    kinds = {r["metric"]: r["kind"] for r in result.to_dicts()}
    assert kinds == {"visit": "proportion", "conversion": "proportion", "spend": "mean"}


@pytest.mark.parametrize("arm", [MENS, WOMENS])
def test_per_arm_means(result, arm):
    n_t, *means_t = ARM_MEANS[arm]
    n_c, *means_c = ARM_MEANS[CONTROL]
    for metric, mean_t, mean_c in zip(
        ["visit", "conversion", "spend"], means_t, means_c, strict=True
    ):
        row = _row(result, arm, metric)
        assert (row["n_treatment"], row["n_control"]) == (n_t, n_c)
        assert row["mean_treatment"] == pytest.approx(mean_t, abs=1e-6)
        assert row["mean_control"] == pytest.approx(mean_c, abs=1e-6)


@pytest.mark.parametrize(("arm", "metric"), list(EFFECTS))
def test_differences_ses_and_cis(result, arm, metric):
    diff, se, low, high, lift = EFFECTS[(arm, metric)]
    row = _row(result, arm, metric)
    assert row["diff"] == pytest.approx(diff, abs=1e-4)
    assert row["diff_se"] == pytest.approx(se, abs=1e-4)
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx((low, high), abs=1e-4)
    assert row["rel_lift"] == pytest.approx(lift, abs=5e-4)  # README prints 0.1 % steps
    assert row["rel_ci_method"] == ("fieller" if metric == "spend" else "mover-wilson")
    assert row["validity"] == "ok" and row["verdict"] == "significant"
    assert row["significant"] is True


def test_welch_t_for_spend(result):
    row = _row(result, MENS, "spend")
    assert row["test"] == "welch_t"
    assert row["statistic"] == pytest.approx(5.300, abs=1e-3)  # README: Welch t = 5.300
    assert row["p_value"] == pytest.approx(1.16e-07, rel=5e-3)  # README: p = 1.16e-07
    assert _row(result, WOMENS, "spend")["statistic"] == pytest.approx(3.2548, abs=2e-3)


def test_srm(result):
    assert result.srm.chi2 == pytest.approx(0.2025, abs=1e-4)
    assert result.srm.p_value == pytest.approx(0.904, abs=5e-4)
    assert not result.srm.mismatch
    assert result.notes[0].startswith("SRM check")


def _pair_design(data, arm, metric):
    """y and the design [1, treated, centred covariates] exactly as `analyze` fits one pair."""
    pair = data[data["segment"].isin([CONTROL, arm])]
    covariates = covariate_matrix(pair, COVARIATES)
    centred = covariates - covariates.mean(axis=0)
    centred = centred[:, centred.std(axis=0) > 0]
    treated = (pair["segment"] == arm).to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(pair)), treated, centred])
    return pair[metric].to_numpy(dtype=float), design, treated


@pytest.mark.parametrize(("arm", "metric"), list(ADJUSTED))
def test_regression_adjusted_reproduces_the_readme_with_hc1(data, arm, metric):
    estimate, se = ADJUSTED[(arm, metric)]
    y, design, _ = _pair_design(data, arm, metric)
    beta, cov, _ = ols_hc1(y, design)
    assert beta[1] == pytest.approx(estimate, abs=1e-6)
    assert np.sqrt(cov[1, 1]) == pytest.approx(se, abs=1e-6)


@pytest.mark.parametrize(("arm", "metric"), list(ADJUSTED))
def test_cuped_rows_are_statsmodels_hc3(data, result, arm, metric):
    y, design, treated = _pair_design(data, arm, metric)
    fit = OLS(y, design).fit(cov_type="HC3")
    df = min(treated.sum(), len(treated) - treated.sum()) - 1
    row = _row(result, arm, metric, cuped=True)
    assert row["test"] == "ols_hc3" and row["df"] == df
    assert row["diff"] == pytest.approx(fit.params[1], rel=1e-9)
    assert row["diff_se"] == pytest.approx(fit.bse[1], rel=1e-9)
    half = stats.t.isf(0.025, df) * fit.bse[1]
    assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx(
        (fit.params[1] - half, fit.params[1] + half), rel=1e-9
    )
    # HC3 and HC1 differ by ~k/n here: the README's HC1 SE is still within 3e-5.
    assert row["diff_se"] == pytest.approx(ADJUSTED[(arm, metric)][1], abs=3e-5)
    assert row["variance_reduction"] == pytest.approx(
        1 - (row["diff_se"] / EFFECTS[(arm, metric)][1]) ** 2, abs=2e-3
    )


def test_spend_is_flagged_heavy_tailed(result):
    assert any(note.startswith("Heavy tails") and "spend" in note for note in result.notes)


def test_pooled_two_proportion_z(data):
    """README: pooled z, Mens visit 22.49 / conversion 7.385, Womens 13.95 / 3.780."""
    pooled = analyze(
        data,
        arm="segment",
        control=CONTROL,
        metrics=[Proportion("visit", pooled_test=True), Proportion("conversion", pooled_test=True)],
    )
    z = {(r["arm"], r["metric"]): r["statistic"] for r in pooled.to_dicts()}
    assert z[(MENS, "visit")] == pytest.approx(22.49, abs=5e-3)
    assert z[(MENS, "conversion")] == pytest.approx(7.385, abs=5e-4)
    assert z[(WOMENS, "visit")] == pytest.approx(13.95, abs=5e-3)
    assert z[(WOMENS, "conversion")] == pytest.approx(3.780, abs=5e-4)
    assert {r["test"] for r in pooled.to_dicts()} == {"z_pooled"}
