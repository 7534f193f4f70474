"""Multi-view SVD: beats popularity against true utilities; views combine as documented."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from xsim.estimators.recommend import (
    FactorModel,
    Interactions,
    PopularitySpec,
    SVDSpec,
    ViewWeights,
    catalogue_coverage,
    combined_matrix,
    ndcg_at_k,
    precision_at_k,
    relevant_top_n,
    social_view,
    utility_gains,
)


def _quality(world, fitted, k=10):
    users = np.arange(world.data.n_users)
    top = fitted.top_k(users, k)
    owned = world.data.owned_matrix
    gains = utility_gains(world.utility, exclude=owned)
    relevant = relevant_top_n(world.utility, k, exclude=owned)
    return ndcg_at_k(top, gains), precision_at_k(top, relevant), catalogue_coverage(top, 120)


def test_svd_beats_popularity_on_true_utilities(world, rng):
    pop = _quality(world, PopularitySpec().fit(world.data, None, rng))
    svd = _quality(world, SVDSpec(rank=8).fit(world.data, None, rng))
    assert svd[0] > pop[0] + 0.1, (svd, pop)  # NDCG@10 on logit choice weights
    assert svd[1] > pop[1] + 0.1, (svd, pop)  # precision@10 vs each user's true top 10
    assert svd[2] > pop[2]  # coverage


def test_user_profiles_are_projections_on_item_factors(world, rng):
    spec = SVDSpec(rank=6, weights=ViewWeights(behaviour=1, purchases=2, social=0.5))
    fitted = spec.fit(world.data, None, rng)
    assert isinstance(fitted, FactorModel)
    theta = fitted.user_profiles
    assert theta.shape == (world.data.n_users, 6)
    x = combined_matrix(spec, world.data)
    np.testing.assert_allclose(theta, x @ fitted.item_profiles, atol=1e-4)
    s = fitted.singular_values
    assert np.all(np.diff(s) <= 0) and s[-1] > 0
    np.testing.assert_allclose(np.linalg.norm(theta, axis=0), s, rtol=1e-4)


def test_social_view_is_share_of_neighbours_who_bought():
    social = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]]))
    purchases = sp.csr_matrix(np.array([[0, 0], [2, 0], [1, 1]]))
    got = social_view(social, purchases).toarray()
    np.testing.assert_allclose(got, [[1.0, 0.5], [0.0, 0.0], [0.0, 0.0]])


def test_views_are_scaled_before_weighting():
    views = sp.csr_matrix(np.array([[3.0, 0.0], [0.0, 1.0]]))
    amounts = sp.csr_matrix(np.array([[100.0, 0.0], [0.0, 300.0]]))
    data = Interactions(n_users=2, n_items=2, views=views, purchases=views, amounts=amounts)
    weights = ViewWeights(behaviour=0, purchases=0, amounts=2)
    x = combined_matrix(SVDSpec(rank=1, weights=weights, weighting="raw"), data).toarray()
    np.testing.assert_allclose(x, [[1.0, 0.0], [0.0, 3.0]])
    binary = SVDSpec(rank=1, weights=ViewWeights(purchases=0), weighting="binary")
    np.testing.assert_allclose(combined_matrix(binary, data).toarray(), np.eye(2))


def test_no_observations_yet_gives_a_usable_model(rng):
    data = Interactions.empty(20, 10)
    fitted = SVDSpec(rank=3).fit(data, None, rng)
    top = fitted.top_k(np.arange(20), 4)
    np.testing.assert_array_equal(top, np.tile([0, 1, 2, 3], (20, 1)))


def test_item_damping_widens_coverage(world, rng):
    users = np.arange(world.data.n_users)
    plain = SVDSpec(rank=8).fit(world.data, None, rng).top_k(users, 10)
    damped = SVDSpec(rank=8, item_damping=1.0).fit(world.data, None, rng).top_k(users, 10)
    assert catalogue_coverage(damped, 120) >= catalogue_coverage(plain, 120)
