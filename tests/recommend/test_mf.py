"""Biased MF rating model on synthetic ratings: learns, is deterministic, validates input."""

from __future__ import annotations

import numpy as np
import pytest

from xsim.core.errors import InputError
from xsim.estimators.recommend import BiasedMFSpec, FactorModel, fit_biased_mf, rmse


def _ratings(rng, n_users=300, n_items=200, n=12_000):
    p, q = rng.normal(size=(n_users, 3)), rng.normal(size=(n_items, 3))
    bu, bi = rng.normal(0, 0.4, n_users), rng.normal(0, 0.4, n_items)
    u, i = rng.integers(0, n_users, n), rng.integers(0, n_items, n)
    r = np.clip(3.5 + bu[u] + bi[i] + 0.5 * np.einsum("ij,ij->i", p[u], q[i]), 1, 5)
    return u, i, r + rng.normal(0, 0.3, n), n_users, n_items


def test_biased_mf_beats_the_global_mean(rng):
    u, i, r, n_users, n_items = _ratings(rng)
    train, test = slice(0, 10_000), slice(10_000, None)
    spec = BiasedMFSpec(n_factors=10, n_epochs=30, lr=0.01)
    model = fit_biased_mf(u[train], i[train], r[train], n_users, n_items, spec, rng, (1, 5))
    assert isinstance(model, FactorModel) and model.user_profiles.shape == (n_users, 10)
    pred = model.predict(u[test], i[test])
    assert pred.min() >= 1 and pred.max() <= 5
    assert rmse(pred, r[test]) < 0.85 * rmse(np.full(2000, r[train].mean()), r[test])
    top = model.top_k(np.arange(5), 3)
    assert not np.isin(top[0], i[train][u[train] == 0]).any()


def test_same_seed_same_model():
    u, i, r, n_users, n_items = _ratings(np.random.default_rng(0), n=3000)
    spec = BiasedMFSpec(n_factors=5, n_epochs=3)
    a = fit_biased_mf(u, i, r, n_users, n_items, spec, np.random.default_rng(1))
    b = fit_biased_mf(u, i, r, n_users, n_items, spec, np.random.default_rng(1))
    np.testing.assert_array_equal(a.user_factors, b.user_factors)


def test_bad_ratings_are_input_errors(rng):
    spec = BiasedMFSpec(n_epochs=1)
    with pytest.raises(InputError, match="ratings"):
        fit_biased_mf([0, 5], [0, 0], [3.0, 4.0], 2, 2, spec, rng)
    with pytest.raises(InputError, match="ratings"):
        fit_biased_mf([0], [0], [np.nan], 2, 2, spec, rng)
