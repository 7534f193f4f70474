"""Parameter recovery on synthetic books with known coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from xsim.estimators.risk import (
    FittedRiskModel,
    FreqSevGLMSpec,
    LogisticSpec,
    TweedieGLMSpec,
    partner_data_value,
)

from .conftest import TRUE_FREQUENCY, TRUE_PLATFORM, TRUE_SEVERITY

FEATURES = dict(features=["age", "tier"], platform_features=["theta"], consent="consent")


def within(table, truth: dict, z: float = 4.0) -> None:
    """Each true coefficient lies within z standard errors of its estimate."""
    for term, value in truth.items():
        row = table.loc[term]
        assert abs(row["coef"] - value) < z * row["std_err"], (term, row["coef"], value)


@pytest.fixture(scope="module")
def freq_sev(book):
    return FreqSevGLMSpec().fit(book, **FEATURES)


def test_freq_sev_recovers_frequency_and_severity(freq_sev):
    coefs = freq_sev.coefficients()
    within(coefs.loc["frequency"], TRUE_FREQUENCY | TRUE_PLATFORM)
    within(coefs.loc["severity"], TRUE_SEVERITY)
    # theta is unobserved without consent: that group's level is E[exp(0.4 θ)] = exp(0.08).
    within(coefs.loc["frequency"], {"no_consent": 0.5 * TRUE_PLATFORM["theta"] ** 2})
    assert all(fit.converged for fit in freq_sev.parts.values())


def test_freq_sev_scores_expected_annual_cost(freq_sev, book):
    cost = freq_sev.expected_cost(book)
    freq = freq_sev.expected_frequency(book)
    assert cost.shape == (len(book),) and np.all(cost > 0)
    np.testing.assert_allclose(cost, freq * freq_sev.expected_severity(book))
    # Poisson with intercept: fitted claims add up to the observed claims.
    expected_claims = np.sum(freq * book["exposure_years"].to_numpy())
    assert expected_claims == pytest.approx(book["claim_count"].sum(), rel=1e-6)
    assert isinstance(freq_sev, FittedRiskModel)


def test_freq_sev_summary_shows_both_tables(freq_sev):
    text = freq_sev.summary()
    assert "frequency: Poisson GLM" in text and "severity: Gamma GLM" in text
    assert "tier[T.b]" in text and "std_err" in text and "theta" in text


def test_constant_severity_is_mean_claim(book):
    fitted = FreqSevGLMSpec(severity="constant").fit(book, features=["age", "tier"])
    claims = book[book["claim_amount"] > 0]
    mean_claim = claims["claim_amount"].sum() / claims["claim_count"].sum()
    np.testing.assert_allclose(fitted.expected_severity(book.head()), mean_claim, rtol=1e-6)


def test_tweedie_recovers_pure_premium_effects(book):
    fitted = TweedieGLMSpec(power=1.5).fit(book, features=["age", "tier"])
    coef = fitted.coefficients().loc["pure_premium"]["coef"]
    # log pure premium = log frequency + log severity; theta averages out into the intercept.
    assert coef["age"] == pytest.approx(TRUE_FREQUENCY["age"], abs=0.005)
    assert coef["tier[T.b]"] == pytest.approx(0.3 + 0.2, abs=0.15)
    assert coef["tier[T.c]"] == pytest.approx(-0.25, abs=0.15)
    cost = fitted.expected_cost(book)
    assert np.sum(cost * book["exposure_years"]) == pytest.approx(
        book["claim_amount"].sum(), rel=0.02
    )
    implied = fitted.expected_frequency(book) * fitted.expected_severity(book)
    np.testing.assert_allclose(implied, cost, rtol=1e-10)


def test_logistic_cloglog_recovers_log_frequency(book):
    fitted = LogisticSpec(link="cloglog").fit(book, **FEATURES)
    within(fitted.coefficients().loc["claim_probability"], TRUE_FREQUENCY | TRUE_PLATFORM)
    q = fitted.claim_probability(book)
    np.testing.assert_allclose(q, -np.expm1(-fitted.expected_frequency(book)), rtol=1e-10)


def test_logistic_logit_has_direction_and_scale(book):
    fitted = LogisticSpec().fit(book, **FEATURES)
    coef = fitted.coefficients().loc["claim_probability"]["coef"]
    for term in ["age", "tier[T.b]", "tier[T.c]", "theta"]:
        truth = (TRUE_FREQUENCY | TRUE_PLATFORM)[term]
        assert np.sign(coef[term]) == np.sign(truth)
        assert coef[term] == pytest.approx(truth, rel=0.35)
    q = fitted.claim_probability(book)
    assert np.all((q > 0) & (q < 1))


def test_partner_data_value_is_positive_when_platform_features_predict(book):
    train, test = book.iloc[:40_000], book.iloc[40_000:]
    table = partner_data_value(
        FreqSevGLMSpec(severity="constant"),
        train,
        test,
        features=["age", "tier"],
        platform_features=["theta"],
        consent="consent",
    )
    diff = table.loc["difference"]
    assert diff["poisson_deviance"] < 0
    assert diff["gini_frequency"] > 0.02
    assert list(table.index) == ["insurer_only", "with_platform", "difference"]
