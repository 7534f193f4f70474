"""top_k: owned items excluded, deterministic, chunked, padded; input errors named."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from xsim.core.errors import InputError
from xsim.estimators.recommend import PopularitySpec, RegressionSpec, SVDSpec, top_k_from_scores
from xsim.estimators.recommend import ranking as ranking_module

SPECS = [PopularitySpec(), SVDSpec(rank=8), RegressionSpec(max_rows=5000)]


def _owned_hits(top: np.ndarray, users: np.ndarray, owned: sp.csr_matrix) -> int:
    rows = np.repeat(users, top.shape[1])
    cols = top.ravel()
    valid = cols >= 0
    return int(np.asarray(owned[rows[valid], cols[valid]]).sum())


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_top_k_excludes_owned_items(world, rng, spec):
    fitted = spec.fit(world.data, world.features, rng)
    users = np.arange(world.data.n_users)
    top = fitted.top_k(users, 10)
    owned = world.data.owned_matrix
    assert top.shape == (len(users), 10)
    assert _owned_hits(top, users, owned) == 0
    assert all(len(set(row)) == 10 for row in top)
    assert _owned_hits(fitted.top_k(users, 10, exclude_owned=False), users, owned) > 0


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_top_k_is_best_first_and_matches_scores(world, rng, spec):
    fitted = spec.fit(world.data, world.features, rng)
    users = np.array([5, 0, 77, 5])
    scores = fitted.scores(users)
    assert scores.shape == (4, world.data.n_items)
    top = fitted.top_k(users, 6, exclude_owned=False)
    best = np.take_along_axis(scores, top, axis=1)
    assert np.all(np.diff(best, axis=1) <= 0)
    assert np.allclose(best[:, 0], scores.max(axis=1))
    np.testing.assert_array_equal(top[0], top[3])
    items = np.array([3, 1, 4])
    np.testing.assert_allclose(fitted.scores(users, items), scores[:, items])


def test_current_ownership_overrides_the_fit_time_one(world, rng):
    fitted = SVDSpec(rank=8).fit(world.data, None, rng)
    users = np.arange(50)
    first = fitted.top_k(users, 1)[:, 0]
    now_owned = world.data.owned_matrix + sp.csr_matrix(
        (np.ones(50, dtype=bool), (users, first)), shape=world.data.owned_matrix.shape
    )
    again = fitted.top_k(users, 1, owned=now_owned)[:, 0]
    assert np.all(again != first)


def test_svd_top_k_is_deterministic_given_the_seed(world):
    fits = [SVDSpec(rank=8).fit(world.data, None, np.random.default_rng(3)) for _ in range(2)]
    users = np.arange(world.data.n_users)
    np.testing.assert_array_equal(fits[0].top_k(users, 10), fits[1].top_k(users, 10))
    np.testing.assert_array_equal(fits[0].user_profiles, fits[1].user_profiles)


def test_chunked_ranking_equals_one_block(world, rng, monkeypatch):
    fitted = SVDSpec(rank=8).fit(world.data, None, rng)
    users = np.arange(world.data.n_users)[::-1]
    whole = fitted.top_k(users, 7)
    monkeypatch.setattr(ranking_module, "CHUNK_USERS", 64)
    np.testing.assert_array_equal(fitted.top_k(users, 7), whole)


def test_short_rows_are_padded_and_ties_go_to_lower_ids():
    scores = np.array([[1.0, 1.0, 0.5, 2.0], [0.0, 0.0, 0.0, 0.0]])
    exclude = sp.csr_matrix(np.array([[0, 0, 0, 1], [1, 1, 1, 0]], dtype=bool))
    top = top_k_from_scores(scores.copy(), 5, exclude)
    np.testing.assert_array_equal(top, [[0, 1, 2, -1, -1], [3, -1, -1, -1, -1]])
    np.testing.assert_array_equal(top_k_from_scores(scores.copy(), 2), [[3, 0], [0, 1]])


def test_bad_users_and_k_are_named(world, rng):
    fitted = PopularitySpec().fit(world.data, None, rng)
    with pytest.raises(InputError, match="users"):
        fitted.top_k(np.array([world.data.n_users]), 3)
    with pytest.raises(InputError, match="^k:"):
        fitted.top_k(np.array([0]), 0)
    with pytest.raises(InputError, match="owned"):
        fitted.top_k(np.array([0]), 3, owned=sp.csr_matrix((2, 2)))


class _Bitset:
    """Ownership as the engine keeps it: anything with a broadcasting `contains`."""

    def __init__(self, owned: sp.csr_matrix):
        self.dense = owned.toarray()

    def contains(self, users, items):
        return self.dense[users, items]


def test_ownership_may_be_any_object_with_contains(world, rng):
    fitted = SVDSpec(rank=8).fit(world.data, None, rng)
    users = np.arange(world.data.n_users)
    owned = world.data.owned_matrix
    np.testing.assert_array_equal(
        fitted.top_k(users, 5, owned=_Bitset(owned)), fitted.top_k(users, 5, owned=owned)
    )
