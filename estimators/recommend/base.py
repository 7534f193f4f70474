"""The recommender plug-in contract: a frozen spec that fits, a fitted object that ranks.

Every kind is a frozen pydantic model deriving from `RecommenderSpecBase` with a
``kind: Literal[...]`` tag and a ``fit(interactions, features, rng)`` method returning a
`FittedRecommender`. The engine reads the two common fields: `retrain_every_days` and `pooling`
(one model on everyone's log, or one per arm on that arm's users only).
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .interactions import Features, Interactions


class RecommenderSpecBase(BaseModel):
    """Fields common to every recommender kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    retrain_every_days: int = Field(
        7, ge=1, description="days between retrainings on the simulated log"
    )
    pooling: Literal["pooled", "per_arm"] = Field(
        "pooled",
        description="pooled: one model on all arms' data (leaks treatment into control); "
        "per_arm: one model per arm trained on that arm's users",
    )
    exploration_share: float = Field(
        0.1, ge=0.0, le=1.0,
        description="share of visitors whose last slate slot shows a random course they may "
        "buy instead of the model's pick: new and unseen courses get a chance to sell",
    )  # fmt: skip


@runtime_checkable
class FittedRecommender(Protocol):
    """What `fit` returns: scores and slates for users (indices into the population)."""

    n_users: int
    n_items: int

    def scores(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        """len(users) × n_items (or × len(items)) scores; higher is better."""
        ...

    def top_k(
        self,
        users: np.ndarray,
        k: int,
        exclude_owned: bool = True,
        owned=None,
    ) -> np.ndarray:
        """len(users) × k item ids, best first, owned items excluded; -1 pads short rows.

        `owned`: current ownership (n_users × n_items sparse bool, or an object with
        ``contains(users, items)``); default: the ownership seen at fit time.
        """
        ...


@runtime_checkable
class Recommender(Protocol):
    """A recommender spec: validated parameters plus `fit`."""

    kind: str
    retrain_every_days: int
    pooling: str

    def fit(
        self,
        interactions: Interactions,
        features: Features | None,
        rng: np.random.Generator,
    ) -> FittedRecommender: ...
