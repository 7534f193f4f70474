"""Interactions / Features: shapes validated with the field named; helpers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from xsim.core.errors import InputError
from xsim.estimators.recommend import Features, Interactions, event_matrix


def test_event_matrix_sums_repeats():
    m = event_matrix([0, 0, 1], [2, 2, 0], 2, 3, values=[1.5, 2.0, 4.0])
    np.testing.assert_allclose(m.toarray(), [[0, 0, 3.5], [4, 0, 0]])


def test_shapes_are_checked_and_named():
    ok = sp.csr_matrix((3, 4))
    with pytest.raises(InputError) as err:
        Interactions(n_users=3, n_items=4, views=ok, purchases=sp.csr_matrix((3, 5)))
    assert err.value.problems == ["interactions.purchases: shape must be (3, 4), got (3, 5)"]
    with pytest.raises(InputError, match="interactions.social"):
        Interactions(n_users=3, n_items=4, views=ok, purchases=ok, social=sp.csr_matrix((3, 4)))
    with pytest.raises(InputError, match="interactions.views: must be a scipy.sparse"):
        Interactions(n_users=3, n_items=4, views=np.zeros((3, 4)), purchases=ok)
    negative = sp.csr_matrix(np.array([[0, -1.0, 0, 0], [0] * 4, [0] * 4]))
    with pytest.raises(InputError, match="interactions.amounts: values"):
        Interactions(n_users=3, n_items=4, views=ok, purchases=ok, amounts=negative)


def test_owned_defaults_to_purchases_and_only_users_keeps_it():
    purchases = event_matrix([0, 2], [1, 3], 3, 4)
    data = Interactions(n_users=3, n_items=4, views=purchases, purchases=purchases)
    assert data.owned_matrix.dtype == bool
    np.testing.assert_array_equal(data.owned_matrix.toarray(), purchases.toarray() > 0)
    arm = data.only_users(np.array([2]))
    assert arm.purchases.toarray()[0].sum() == 0 and arm.purchases[2, 3] == 1
    np.testing.assert_array_equal(arm.owned_matrix.toarray(), data.owned_matrix.toarray())


def test_features_are_validated():
    with pytest.raises(InputError, match="features.items: contains NaN"):
        Features(items=np.array([[np.nan]]))
    with pytest.raises(InputError, match="features.item_names"):
        Features(items=np.ones((2, 2)), item_names=("price",))
    assert Features(users=np.arange(3.0)).users.shape == (3, 1)
