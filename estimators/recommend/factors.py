"""Fitted latent-factor models, shared by the SVD recommender and the biased MF rating model.

    score(u, i) = global_mean + user_bias[u] + item_bias[i] + user_factors[u] · item_factors[i]

The SVD recommender fills only the factors (θ = U·S, V) and a tiny popularity tie-breaker in
`item_bias`; the biased MF model (`mf.py`) learns all four terms from ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from xsim.core.errors import InputError

from .ranking import Ranker, as_index


@dataclass(frozen=True, eq=False)
class FactorModel(Ranker):
    """A fitted factor model: `scores`, `top_k`, pairwise `predict` and user profiles θ."""

    user_factors: np.ndarray
    item_factors: np.ndarray
    global_mean: float = 0.0
    user_bias: np.ndarray | None = None
    item_bias: np.ndarray | None = None
    owned: sp.csr_matrix | None = None
    singular_values: np.ndarray | None = None
    rating_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.user_factors.shape[1] != self.item_factors.shape[1]:
            raise InputError(
                "factors: user and item factors differ in rank "
                f"({self.user_factors.shape[1]} vs {self.item_factors.shape[1]})"
            )

    @property
    def n_users(self) -> int:
        return self.user_factors.shape[0]

    @property
    def n_items(self) -> int:
        return self.item_factors.shape[0]

    @property
    def rank(self) -> int:
        return self.user_factors.shape[1]

    @property
    def user_profiles(self) -> np.ndarray:
        """θ: one row per user (n_users × rank), features for strategies and risk models."""
        return self.user_factors

    @property
    def item_profiles(self) -> np.ndarray:
        """Item factors (n_items × rank)."""
        return self.item_factors

    def scores(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        users = as_index(users, self.n_users, "users")
        cols = slice(None) if items is None else as_index(items, self.n_items, "items")
        q = self.item_factors[cols]
        out = np.asarray(self.user_factors[users] @ q.T, dtype=float)
        out += self.global_mean
        if self.user_bias is not None:
            out += self.user_bias[users][:, None]
        if self.item_bias is not None:
            out += self.item_bias[cols][None, :]
        return out

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """One prediction per (users[j], items[j]) pair, clipped to `rating_range` if set."""
        users = as_index(users, self.n_users, "users")
        items = as_index(items, self.n_items, "items")
        if len(users) != len(items):
            raise InputError("items: must have the same length as users")
        p = np.einsum("ij,ij->i", self.user_factors[users], self.item_factors[items])
        pred = np.asarray(p, dtype=float) + self.global_mean
        if self.user_bias is not None:
            pred += self.user_bias[users]
        if self.item_bias is not None:
            pred += self.item_bias[items]
        if self.rating_range is not None:
            np.clip(pred, *self.rating_range, out=pred)
        return pred
