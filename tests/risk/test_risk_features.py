"""Feature coding: factors and reference levels, consent masking, pickling, protocols."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from xsim.core.errors import InputError
from xsim.estimators.risk import (
    FittedRiskModel,
    FreqSevGLMSpec,
    LogisticSpec,
    RiskModel,
    TweedieGLMSpec,
)


def test_factor_names_and_reference_levels(book):
    default = FreqSevGLMSpec().fit(book, features=["age", "tier"])
    assert default.encoder.names == ("Intercept", "age", "tier[T.b]", "tier[T.c]")
    other = FreqSevGLMSpec().fit(book, features=["age", "tier"], reference_levels={"tier": "c"})
    assert other.encoder.names == ("Intercept", "age", "tier[T.a]", "tier[T.b]")
    # the reference level changes the parametrisation, not the predictions
    np.testing.assert_allclose(default.expected_cost(book), other.expected_cost(book), rtol=1e-8)


def test_categorical_dtype_sets_level_order_and_ints_can_be_factors(book):
    data = book.assign(
        tier=pd.Categorical(book["tier"], categories=["c", "b", "a"]),
        band=pd.Categorical((book["age"] // 10).astype(int)),
    )
    fitted = FreqSevGLMSpec().fit(data, features=["tier", "band", "consent"])
    names = fitted.encoder.names
    assert names[1:3] == ("tier[T.b]", "tier[T.a]")
    assert "band[T.-1]" in names and "consent[T.True]" in names


def test_platform_features_only_count_with_consent(book):
    fitted = FreqSevGLMSpec().fit(
        book, features=["age", "tier"], platform_features=["theta"], consent="consent"
    )
    assert fitted.encoder.names[-2:] == ("theta", "no_consent")
    rows = book.head(200)
    changed = rows.assign(theta=rows["theta"].fillna(0) + 1.0)
    base, moved = fitted.expected_cost(rows), fitted.expected_cost(changed)
    consent = rows["consent"].to_numpy()
    np.testing.assert_allclose(base[~consent], moved[~consent])
    assert np.all(moved[consent] > base[consent])
    assert "platform features (if 'consent'): theta" in fitted.summary()


def test_consenting_only_training_cannot_score_others(book):
    consenting = book[book["consent"]]
    fitted = FreqSevGLMSpec().fit(
        consenting, features=["age"], platform_features=["theta"], consent="consent"
    )
    assert "no_consent" not in fitted.encoder.names
    with pytest.raises(InputError, match="rows without consent"):
        fitted.expected_cost(book.head(50))


def test_default_features_are_all_other_columns(book):
    fitted = FreqSevGLMSpec().fit(book.drop(columns=["theta"]))
    assert fitted.features == ("age", "tier", "consent")


@pytest.mark.parametrize("spec", [FreqSevGLMSpec(), TweedieGLMSpec(), LogisticSpec()])
def test_fitted_models_pickle_and_follow_the_protocols(spec, book):
    assert isinstance(spec, RiskModel)
    fitted = spec.fit(book.head(20_000), features=["age", "tier"])
    assert isinstance(fitted, FittedRiskModel)
    clone = pickle.loads(pickle.dumps(fitted))
    rows = book.tail(100)
    np.testing.assert_array_equal(clone.expected_cost(rows), fitted.expected_cost(rows))
    assert len(pickle.dumps(fitted)) < 50_000  # no training data inside
    assert fitted.coefficients().index.names == ["part", "term"]
