"""One contract for every risk-model kind in the registry: it validates from a mapping, is
frozen, fits a small synthetic book and predicts a non-negative expected claim cost per policy.
Adding a kind to `RiskModelSpec` without an example here fails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.registry_contract import RegistryContract
from xsim.core.rng import RandomStreams
from xsim.estimators.risk import (
    RISK_MODEL_KINDS,
    FittedRiskModel,
    RiskModel,
    RiskModelSpec,
    parse_risk_model_spec,
)

from .conftest import synthetic_book

EXAMPLES = {
    "freq_sev_glm": {"max_iter": 50},
    "tweedie_glm": {"power": 1.6},
    "logistic": {"link": "cloglog"},
}


@pytest.fixture(scope="module")
def small_book() -> pd.DataFrame:
    return synthetic_book(RandomStreams(5).generator("estimators"), 4000)


class TestRiskModelRegistry(RegistryContract):
    registry = RiskModelSpec
    kinds = RISK_MODEL_KINDS
    examples = EXAMPLES
    parse = staticmethod(parse_risk_model_spec)
    protocol = RiskModel
    field = "insurer.risk.model"


@pytest.mark.parametrize("kind", RISK_MODEL_KINDS)
def test_fits_and_predicts_a_non_negative_cost_per_policy(kind, small_book):
    spec = parse_risk_model_spec({"kind": kind, **EXAMPLES[kind]})
    fitted = spec.fit(small_book, features=["age", "tier"])
    assert isinstance(fitted, FittedRiskModel) and fitted.kind == kind
    prospects = small_book.iloc[::7]
    cost = fitted.expected_cost(prospects)
    assert cost.shape == (len(prospects),)
    assert np.isfinite(cost).all() and (cost >= 0).all() and cost.max() > 0
    # a cost per exposure-year: over the whole book it adds up to about the claims paid
    book_cost = fitted.expected_cost(small_book) @ small_book.exposure_years.to_numpy()
    assert book_cost == pytest.approx(small_book.claim_amount.sum(), rel=0.25)
