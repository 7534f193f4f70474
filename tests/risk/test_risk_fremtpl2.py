"""Reference checks on freMTPL2 (skipped when shared/data/fremtpl2 is absent).

* Noll, Salzmann & Wüthrich (2018): GLM1 losses 31.26738 (learn) / 32.17123 (test) × 10⁻²,
  homogeneous model 32.93518 / 33.86149, on their 90/10 split (shipped test ids).
* scikit-learn's Poisson example protocol: test mean Poisson deviance 0.5942 (D² 0.0500).
* A Gamma severity GLM on freMTPL2sev, inside the full frequency × severity model.
"""

from __future__ import annotations

import numpy as np
import pytest

from xsim.estimators.risk import FreqSevGLMSpec, mean_poisson_deviance

from . import fremtpl2 as fr

pytestmark = pytest.mark.slow
FREQUENCY_ONLY = FreqSevGLMSpec(severity="constant")


@pytest.fixture(scope="module")
def noll_split(fremtpl2_freq, fremtpl2_dir):
    return fr.noll_split(fr.noll_glm1_frame(fremtpl2_freq), fremtpl2_dir)


def losses(fitted, learn, test) -> tuple[float, float]:
    """Noll et al.'s loss on the learning and the test set."""
    out = []
    for data in (learn, test):
        mu = fitted.expected_frequency(data) * data["exposure_years"].to_numpy()
        out.append(fr.glm1_loss(data["claim_count"].to_numpy(), mu))
    return out[0], out[1]


def test_noll_split_sizes(noll_split):
    learn, test = noll_split
    assert (len(learn), len(test)) == (610_212, 67_801)
    freq = [d["claim_count"].sum() / d["exposure_years"].sum() for d in noll_split]
    assert freq == pytest.approx([0.100223, 0.104121], abs=1e-6)


def test_noll_homogeneous_model(noll_split):
    learn, test = noll_split
    fitted = FREQUENCY_ONLY.fit(learn, features=[])
    assert losses(fitted, learn, test) == pytest.approx((32.93518, 33.86149), abs=2e-4)


def test_noll_glm1_losses(noll_split):
    learn, test = noll_split
    fitted = FREQUENCY_ONLY.fit(
        learn, features=fr.GLM1_FEATURES, reference_levels=fr.GLM1_REFERENCES
    )
    frequency = fitted.parts["frequency"]
    assert len(frequency.names) == 49 and frequency.converged and not frequency.dropped
    learn_loss, test_loss = losses(fitted, learn, test)
    print(f"\nGLM1 loss learn {learn_loss:.5f} test {test_loss:.5f} (x 10^-2)")
    assert learn_loss == pytest.approx(31.26738, abs=2e-4)
    assert test_loss == pytest.approx(32.17123, abs=2e-4)
    assert 100 * fitted.diagnostics(test).poisson_deviance == pytest.approx(test_loss, abs=1e-9)


def test_sklearn_protocol_mean_poisson_deviance(fremtpl2_freq):
    train, test = fr.sklearn_split(fremtpl2_freq)
    assert (len(train), len(test), int(test["ClaimNb"].sum())) == (454_268, 223_745, 11_935)
    edges = fr.quantile_edges(train, ["VehAge", "DrivAge"])
    fitted = FREQUENCY_ONLY.fit(fr.sklearn_frame(train, edges), features=fr.SKLEARN_FEATURES)
    data = fr.sklearn_frame(test, edges)
    exposure = test["Exposure"].to_numpy()
    deviance = mean_poisson_deviance(
        test["ClaimNb"].to_numpy() / exposure, fitted.expected_frequency(data), exposure
    )
    d2 = fitted.diagnostics(data).d2_frequency
    print(f"\nscikit-learn protocol: mean Poisson deviance {deviance:.5f}, D2 {d2:.4f}")
    assert deviance == pytest.approx(0.594, abs=0.002)
    assert deviance == pytest.approx(fitted.diagnostics(data).poisson_deviance_per_year)
    assert d2 == pytest.approx(0.0500, abs=0.002)


def test_gamma_severity_on_fremtpl2sev(fremtpl2_freq, fremtpl2_dir):
    learn, test = fr.noll_split(fr.severity_frame(fremtpl2_freq, fremtpl2_dir), fremtpl2_dir)
    fitted = FreqSevGLMSpec().fit(
        learn, features=fr.GLM1_FEATURES, reference_levels=fr.GLM1_REFERENCES
    )
    severity = fitted.parts["severity"]
    print("\n" + severity.summary())
    table = severity.table()
    assert len(table) == 49 and np.isfinite(table[["coef", "std_err"]].to_numpy()).all()
    assert severity.converged and severity.nobs == int((learn["claim_amount"] > 0).sum())
    assert severity.scale > 1  # claim sizes are far more dispersed than exponential
    claims = learn[learn["claim_amount"] > 0]
    mean_claim = claims["claim_amount"].sum() / claims["claim_count"].sum()
    assert 1_000 < mean_claim < 3_000
    predicted = fitted.expected_severity(claims)
    assert np.average(predicted, weights=claims["claim_count"]) == pytest.approx(
        mean_claim, rel=0.1
    )
    assert table.loc["DrivAgeGLM[T.18-20]", "coef"] > 0  # young drivers: costlier claims
    held_out = fitted.diagnostics(test)
    print(held_out.summary())
    assert 0.8 < held_out.claim_cost / held_out.expected_claim_cost < 1.25
    assert held_out.gini_cost > 0.2
