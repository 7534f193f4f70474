"""Regression recommender: cold start from item features, OLS option, calibration, errors."""

from __future__ import annotations

import numpy as np
import pytest

from xsim.core.errors import InputError
from xsim.estimators.recommend import (
    Features,
    FittedRegression,
    Interactions,
    RegressionSpec,
    event_matrix,
)


def _logit_world(rng, n_users=3000, n_items=40):
    """Purchases drawn from a true logistic model in user × item features."""
    x = rng.normal(size=(n_users, 2))
    z = np.c_[rng.normal(size=(n_items, 2)), rng.normal(size=n_items)]
    cross = np.array([[1.5, 0.0, 0.0], [0.0, -1.0, 0.0]])

    def prob(z_items):
        return 1 / (1 + np.exp(-(-3.5 + 0.8 * z_items[:, 2] + x @ cross @ z_items.T)))

    bought = rng.random((n_users, n_items)) < prob(z)
    users, items = np.nonzero(bought)
    purchases = event_matrix(users, items, n_users, n_items)
    data = Interactions(n_users=n_users, n_items=n_items, views=purchases, purchases=purchases)
    return data, Features(users=x, items=z), prob


def test_cold_start_scores_new_items_from_features(rng):
    data, features, prob = _logit_world(rng)
    fitted = RegressionSpec().fit(data, features, rng)
    new_items = np.array([[1.0, 0.0, 0.5], [-1.0, 1.0, 0.0], [0.0, -1.0, -0.5]])
    extended = fitted.with_new_items(new_items)
    assert extended.n_items == data.n_items + 3
    users = np.arange(data.n_users)
    new_ids = np.arange(data.n_items, data.n_items + 3)
    got = extended.scores(users, new_ids)
    truth = prob(new_items)
    assert np.corrcoef(got.ravel(), truth.ravel())[0, 1] > 0.95
    np.testing.assert_allclose(got.mean(axis=0), truth.mean(axis=0), rtol=0.25)
    top = extended.top_k(users, 5)
    assert np.isin(new_ids, top).all()  # new items reach slates without any history
    np.testing.assert_allclose(extended.scores(users[:5]), np.c_[fitted.scores(users[:5]), got[:5]])


def test_logit_probabilities_are_calibrated_despite_negative_sampling(rng):
    data, features, prob = _logit_world(rng)
    fitted = RegressionSpec(negatives_per_positive=2).fit(data, features, rng)
    observed = data.purchases.nnz / (data.n_users * data.n_items)
    predicted = fitted.scores(np.arange(data.n_users)).mean()
    assert predicted == pytest.approx(observed, rel=0.1)
    table = fitted.coef_table
    assert "user:u0×item:i0" in table.index and table.loc["user:u0×item:i0", "coef"] > 0


def test_ols_option_ranks_like_the_truth(rng):
    data, features, prob = _logit_world(rng)
    fitted = RegressionSpec(method="ols").fit(data, features, rng)
    assert isinstance(fitted, FittedRegression) and fitted.method == "ols"
    users = np.arange(200)
    got, truth = fitted.scores(users), prob(features.items)[users]
    assert np.corrcoef(got.ravel(), truth.ravel())[0, 1] > 0.7  # linear fit of a logit truth
    observed = data.purchases.nnz / (data.n_users * data.n_items)
    assert fitted.scores(np.arange(data.n_users)).mean() == pytest.approx(observed, rel=0.1)


def test_collinear_item_features_are_handled(rng):
    data, features, _ = _logit_world(rng, n_items=30)
    topic = np.eye(3)[np.arange(30) % 3]  # one-hot topics: collinear with the constant
    items = np.c_[features.items, topic]
    fitted = RegressionSpec(cross_features=False).fit(
        data, Features(users=features.users, items=items), rng
    )
    assert np.all(np.isfinite(fitted.scores(np.arange(10))))
    assert fitted.coef_table["coef"].notna().all()


def test_missing_item_features_is_named(world, rng):
    with pytest.raises(InputError, match="features.items"):
        RegressionSpec().fit(world.data, None, rng)
    with pytest.raises(InputError, match="features.items: must have"):
        RegressionSpec().fit(world.data, Features(items=np.ones((3, 2))), rng)


def test_no_purchases_yet_gives_a_flat_model(rng):
    data = Interactions.empty(30, 5)
    fitted = RegressionSpec().fit(data, Features(items=np.arange(10.0).reshape(5, 2)), rng)
    assert np.ptp(fitted.scores(np.arange(30))) == 0
