"""One contract for every recommender kind in the registry: it validates from a mapping, is
frozen, fits a small interaction matrix and scores it in the promised shapes. Adding a kind to
`RecommenderSpec` without an example here fails."""

from __future__ import annotations

import numpy as np
import pytest

from tests.registry_contract import RegistryContract
from xsim.core.rng import RandomStreams
from xsim.estimators.recommend import (
    RECOMMENDER_KINDS,
    Features,
    FittedRecommender,
    Interactions,
    Recommender,
    RecommenderSpec,
    event_matrix,
    parse_recommender_spec,
)

EXAMPLES = {
    "popularity": {},
    "svd": {"rank": 3, "retrain_every_days": 3},
    "regression": {"method": "logit", "pooling": "per_arm"},
}
N_USERS, N_ITEMS = 120, 25


@pytest.fixture(scope="module")
def world() -> tuple[Interactions, Features]:
    """Views and purchases of random users and items, with user and item features."""
    rng = RandomStreams(11).generator("estimators")
    users = rng.integers(0, N_USERS, 600)
    items = rng.integers(0, N_ITEMS, 600)
    bought = rng.random(600) < 0.3
    data = Interactions(
        n_users=N_USERS,
        n_items=N_ITEMS,
        views=event_matrix(users, items, N_USERS, N_ITEMS),
        purchases=event_matrix(users[bought], items[bought], N_USERS, N_ITEMS),
    )
    features = Features(users=rng.normal(size=(N_USERS, 3)), items=rng.normal(size=(N_ITEMS, 2)))
    return data, features


def _fit(kind: str, world):
    spec = parse_recommender_spec({"kind": kind, **EXAMPLES[kind]})
    return spec.fit(*world, RandomStreams(3).generator("estimators"))


class TestRecommenderRegistry(RegistryContract):
    registry = RecommenderSpec
    kinds = RECOMMENDER_KINDS
    examples = EXAMPLES
    parse = staticmethod(parse_recommender_spec)
    protocol = Recommender
    field = "scenario.recommender"


@pytest.mark.parametrize("kind", RECOMMENDER_KINDS)
def test_fits_and_scores_in_the_promised_shapes(kind, world):
    fitted = _fit(kind, world)
    assert isinstance(fitted, FittedRecommender)
    assert (fitted.n_users, fitted.n_items) == (N_USERS, N_ITEMS)
    users = np.array([0, 5, 5, 119])
    scores = fitted.scores(users)
    assert scores.shape == (4, N_ITEMS) and np.isfinite(scores).all()
    assert fitted.scores(users, np.array([2, 7])).shape == (4, 2)
    slates = fitted.top_k(users, k=4)
    assert slates.shape == (4, 4)
    assert ((slates >= -1) & (slates < N_ITEMS)).all()


@pytest.mark.parametrize("kind", RECOMMENDER_KINDS)
def test_same_generator_same_scores(kind, world):
    users = np.arange(N_USERS)
    np.testing.assert_array_equal(_fit(kind, world).scores(users), _fit(kind, world).scores(users))
