"""Deviance, D², Lorenz/Gini and actual-versus-expected on small known cases."""

from __future__ import annotations

import numpy as np
import pytest

from xsim.estimators.risk import (
    FreqSevGLMSpec,
    actual_vs_expected,
    d2_score,
    gini,
    lorenz_curve,
    mean_deviance,
    mean_poisson_deviance,
    unit_deviance,
)


@pytest.fixture(scope="module")
def portfolio():
    """Exposure, true rates and Poisson claims of 20,000 policies with a wide risk spread."""
    rng = np.random.default_rng(7)
    exposure = rng.uniform(0.2, 1.0, 20_000)
    rate = np.exp(rng.normal(-2.0, 0.8, 20_000))
    claims = rng.poisson(rate * exposure)
    return exposure, rate, claims


def test_poisson_deviance_matches_formula():
    y = np.array([0.0, 1.0, 3.0])
    mu = np.array([0.5, 1.5, 2.0])
    by_hand = 2 * (mu - y + np.where(y > 0, y * np.log(np.maximum(y, 1) / mu), 0))
    np.testing.assert_allclose(unit_deviance(y, mu, 1.0), by_hand)
    assert mean_poisson_deviance(y, mu) == pytest.approx(by_hand.mean())
    w = np.array([1.0, 2.0, 3.0])
    assert mean_poisson_deviance(y, mu, w) == pytest.approx(np.sum(w * by_hand) / 6)
    assert mean_poisson_deviance(y, np.where(y > 0, y, 1e-12)) == pytest.approx(0, abs=1e-9)


def test_tweedie_deviance_is_continuous_in_power():
    y = np.array([0.0, 0.5, 2.0, 7.0])
    mu = np.array([0.3, 0.6, 1.5, 6.0])
    assert mean_deviance(y, mu, power=1.000001) == pytest.approx(
        mean_deviance(y, mu, power=1.0), rel=1e-4
    )
    pos = slice(1, None)
    assert mean_deviance(y[pos], mu[pos], power=1.999999) == pytest.approx(
        mean_deviance(y[pos], mu[pos], power=2.0), rel=1e-4
    )
    assert mean_deviance(y, mu, power=0) == pytest.approx(np.mean((y - mu) ** 2))


def test_d2_is_zero_for_the_mean_and_one_for_perfect():
    y = np.array([0.0, 1.0, 2.0, 5.0])
    assert d2_score(y, np.full(4, y.mean())) == pytest.approx(0.0, abs=1e-12)
    assert d2_score(y[1:], y[1:]) == pytest.approx(1.0)


def test_gini_orders_perfect_above_model_above_random(portfolio):
    exposure, rate, claims = portfolio
    rng = np.random.default_rng(8)
    noisy = rate * np.exp(rng.normal(0, 0.8, len(rate)))
    perfect = gini(claims, claims / exposure, exposure)
    true_rate = gini(claims, rate, exposure)
    model = gini(claims, noisy, exposure)
    random = gini(claims, rng.random(len(rate)), exposure)
    assert perfect > true_rate > model > random
    assert abs(random) < 0.05
    assert true_rate > 0.3


def test_lorenz_curve_runs_from_zero_to_one(portfolio):
    exposure, rate, claims = portfolio
    curve = lorenz_curve(claims, rate, exposure)
    assert curve.iloc[0].tolist() == [0.0, 0.0]
    assert curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert np.all(np.diff(curve["exposure_share"]) >= 0)
    assert np.all(np.diff(curve["actual_share"]) >= 0)
    # a good model's curve is below the diagonal
    assert np.all(curve["actual_share"] <= curve["exposure_share"] + 0.02)
    assert len(lorenz_curve(claims, rate, exposure, points=11)) == 11


def test_actual_vs_expected_deciles_add_up(portfolio):
    exposure, rate, claims = portfolio
    table = actual_vs_expected(claims, rate * exposure, exposure)
    assert list(table.index) == list(range(1, 11))
    assert table["actual"].sum() == pytest.approx(claims.sum())
    assert table["expected"].sum() == pytest.approx(np.sum(rate * exposure))
    assert table["policies"].sum() == len(claims)
    assert table["exposure"].to_numpy() == pytest.approx(np.full(10, exposure.sum() / 10), rel=0.01)
    # expected rate rises by decile; the true model is calibrated within noise
    assert np.all(np.diff(table["expected"] / table["exposure"]) > 0)
    z = (table["actual"] - table["expected"]) / np.sqrt(table["expected"])
    assert np.all(np.abs(z) < 4)


def test_fitted_model_diagnostics(book):
    fitted = FreqSevGLMSpec().fit(book, features=["age", "tier"])
    d = fitted.diagnostics(book)
    assert d.policies == len(book)
    assert d.expected_claims == pytest.approx(d.claims, rel=1e-6)
    assert d.ae_cost["actual"].sum() == pytest.approx(book["claim_amount"].sum())
    assert d.ae_claims["actual"].sum() == pytest.approx(book["claim_count"].sum())
    assert 0 < d.d2_frequency < 1 and d.gini_frequency > 0.05 and d.gini_cost > 0.05
    counts, exposure = book["claim_count"].to_numpy(), book["exposure_years"].to_numpy()
    mu = fitted.expected_frequency(book) * exposure
    assert d.poisson_deviance == pytest.approx(mean_poisson_deviance(counts, mu))
    assert d.poisson_deviance_per_year == pytest.approx(
        mean_poisson_deviance(counts / exposure, mu / exposure, exposure)
    )
    assert "Gini frequency" in d.summary()
