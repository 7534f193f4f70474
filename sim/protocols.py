"""The contracts between the engine and its plug-ins: `Offers`, `WorldView`, `Strategy`.

Strategies see the world only through a `WorldView` of read-only arrays and answer with
`Offers`; they never touch engine state, so the engine can run the same strategy in twin worlds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


def read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that raises on write, so plug-ins cannot change engine state."""
    view = array.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class Offers:
    """What a strategy decided at one call.

    quotes: insurance quotes, one row per (user, product) with the channel that carries it and
    the premium discount offered (0–0.9). ``course_discount`` (one value per course, or None to
    leave prices as they are) sets the price cut the arm's users see in their slates until the
    strategy's next call. ``payer`` says which partner pays contact costs and discounts.
    """

    users: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    product: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    channel: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    discount: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    course_discount: np.ndarray | None = None
    payer: str = "insurer"

    @classmethod
    def quotes(
        cls, users: np.ndarray, product: int, channel: int, discount: float, **kwargs
    ) -> Offers:
        """Quotes of one product through one channel at one discount to ``users``."""
        users = np.asarray(users, dtype=np.int64)
        n = len(users)
        return cls(
            users=users,
            product=np.full(n, product, np.int16),
            channel=np.full(n, channel, np.int16),
            discount=np.full(n, discount, np.float64),
            **kwargs,
        )

    def __len__(self) -> int:
        return len(self.users)


@dataclass(frozen=True)
class WorldView:
    """Read-only snapshot of what a strategy may look at, for one arm at one call.

    Arrays indexed by user have length ``n_users``; ``arm_users`` lists the users of the arm the
    strategy serves (the engine drops any offer to a user outside it). Names map to the integer
    codes used in arrays through ``products``, ``channels`` and ``topics``.
    """

    day: int
    experiment_day: int
    n_users: int
    arm_users: np.ndarray
    active: np.ndarray
    consent_data_sharing: np.ndarray
    segment: np.ndarray
    engagement: np.ndarray
    insurance_awareness: np.ndarray
    last_purchase_day: np.ndarray
    purchased_today_item: np.ndarray
    holds_product: np.ndarray  # (n_products, n_users) bool
    course_topic: np.ndarray  # topic code per course
    course_price: np.ndarray
    products: tuple[str, ...]
    channels: tuple[str, ...]
    topics: tuple[str, ...]


@runtime_checkable
class Strategy(Protocol):
    """A partnership play. Parameters are frozen, validated fields with a ``kind``.

    ``decide`` must be pure (never write the view), vectorised over users, and random only
    through ``rng``. The engine calls it on experiment days ``start_day, start_day +
    every_days, ...`` before ``end_day``.
    """

    kind: str
    start_day: int
    every_days: int
    end_day: int | None

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers: ...

    def references(self) -> list[tuple[str, str, str]]: ...
