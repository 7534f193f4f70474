"""A small synthetic world with latent tastes, shared by the recommender tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp

from xsim.estimators.recommend import Features, Interactions, event_matrix


@dataclass(frozen=True)
class World:
    data: Interactions
    features: Features
    utility: np.ndarray  # n_users × n_items true utilities
    taste: np.ndarray
    item_vectors: np.ndarray


def gumbel_top(utility: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct items per row drawn with probability ∝ exp(utility) (Gumbel top-n)."""
    noisy = utility + rng.gumbel(size=utility.shape)
    return np.argpartition(-noisy, n - 1, axis=1)[:, :n]


def make_world(seed: int = 7, n_users: int = 1500, n_items: int = 120, d: int = 4) -> World:
    rng = np.random.default_rng(seed)
    taste = rng.normal(size=(n_users, d))
    item_vectors = rng.normal(size=(n_items, d)) * 0.9
    quality = rng.normal(scale=0.5, size=n_items)
    utility = taste @ item_vectors.T + quality
    bought = gumbel_top(utility, 4, rng)
    viewed = gumbel_top(utility, 12, rng)
    users = np.arange(n_users)
    purchases = event_matrix(np.repeat(users, 4), bought.ravel(), n_users, n_items)
    views = event_matrix(np.repeat(users, 12), viewed.ravel(), n_users, n_items)
    edges = rng.integers(0, n_users, size=(n_users * 4, 2))
    social = event_matrix(edges[:, 0], edges[:, 1], n_users, n_users)
    data = Interactions(
        n_users=n_users,
        n_items=n_items,
        views=views,
        purchases=purchases,
        social=sp.csr_matrix(social + social.T),
    )
    features = Features(users=taste, items=np.c_[item_vectors, quality])
    return World(data, features, utility, taste, item_vectors)


@pytest.fixture(scope="session")
def world() -> World:
    return make_world()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)
