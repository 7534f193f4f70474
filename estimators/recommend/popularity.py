"""Popularity: every user gets the same ranking of the catalogue.

``score: count`` ranks by how many distinct users bought (or viewed, or the money spent): the
textbook baseline, whose ranking locks onto whatever was shown first. ``score: rate`` (the
default) ranks by the signal per distinct viewer, shrunk towards the catalogue's mean rate by a
prior worth ``prior_weight`` times an average course's views: a course shown less is neither
buried nor crowned by a few sales, and the scores do not change with the number of users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from xsim.core.errors import InputError

from .base import RecommenderSpecBase
from .interactions import Features, Interactions
from .ranking import Ranker, as_index


class PopularitySpec(RecommenderSpecBase):
    """Rank items by the number of distinct users with the chosen signal (or total amount)."""

    kind: Literal["popularity"] = "popularity"
    signal: Literal["purchases", "views", "amounts"] = Field(
        "purchases",
        description="purchases/views: distinct users per item; amounts: total money spent",
    )
    score: Literal["rate", "count"] = Field(
        "rate", description="rate: signal per viewer, shrunk to the mean; count: signal total"
    )
    prior_weight: float = Field(
        0.5, ge=0.0, description="rate: the prior's weight in average views of one course"
    )

    def fit(
        self,
        interactions: Interactions,
        features: Features | None,
        rng: np.random.Generator,
    ) -> FittedPopularity:
        return fit_popularity(self, interactions)


@dataclass(frozen=True, eq=False)
class FittedPopularity(Ranker):
    """The same item scores for every user; ties broken by views, then by item id."""

    item_scores: np.ndarray
    n_users: int
    owned: sp.csr_matrix | None = None

    @property
    def n_items(self) -> int:
        return len(self.item_scores)

    def scores(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        users = as_index(users, self.n_users, "users")
        row = (
            self.item_scores
            if items is None
            else self.item_scores[as_index(items, self.n_items, "items")]
        )
        return np.tile(row, (len(users), 1))


def _distinct_users(mat: sp.csr_matrix) -> np.ndarray:
    return np.asarray((mat > 0).sum(axis=0), dtype=float).ravel()


def fit_popularity(spec: PopularitySpec, data: Interactions) -> FittedPopularity:
    if spec.signal == "amounts":
        if data.amounts is None:
            raise InputError(
                "recommender.signal: 'amounts' needs interactions.amounts, which is missing"
            )
        primary = np.asarray(data.amounts.sum(axis=0), dtype=float).ravel()
    else:
        primary = _distinct_users(getattr(data, spec.signal))
    views = _distinct_users(data.views)
    return popularity_from_counts(spec, primary, views, data.n_users, data.owned_matrix)


def popularity_from_counts(
    spec: PopularitySpec,
    primary: np.ndarray,
    views: np.ndarray,
    n_users: int,
    owned: sp.csr_matrix | None = None,
) -> FittedPopularity:
    """The fitted model from per-item counts (distinct users per item): what `fit` computes
    from matrices, for callers that keep only the counts (a simulation with millions of users
    need not hold a user × item matrix to rank by popularity)."""
    if spec.score == "count" or spec.signal == "views":
        tie_break = 1e-6 * views / max(views.max(), 1.0)
        return FittedPopularity(item_scores=primary + tie_break, n_users=n_users, owned=owned)
    return FittedPopularity(item_scores=shrunk_rate(primary, views, spec.prior_weight),
                            n_users=n_users, owned=owned)  # fmt: skip


def shrunk_rate(primary: np.ndarray, views: np.ndarray, prior_weight: float) -> np.ndarray:
    """(signal + w·mean rate) / (views + w), w = prior_weight × mean views per item: the
    empirical-Bayes mean of a rate. Scaling every count by c scales w by c too, so the scores
    are the same for any number of users."""
    weight = prior_weight * views.mean()
    mean_rate = primary.sum() / views.sum() if views.sum() > 0 else 0.0
    return (primary + weight * mean_rate) / np.maximum(views + weight, 1e-12)
