"""The contracts between the engine and its plug-ins: `Offers`, `WorldView`, `Strategy`.

Strategies see the world only through a `WorldView` of read-only arrays and answer with
`Offers` (contacts plus typed effects that the engine applies); they never touch engine state,
so the engine can run the same strategy in twin worlds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, runtime_checkable

import numpy as np

from xsim.core.offer_effects import OfferEffect


def read_only(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` that raises on write, so plug-ins cannot change engine state."""
    view = array.view()
    view.flags.writeable = False
    return view


MESSAGES: tuple[str, ...] = ("quote", "lecture", "service", "referral")
"""What a contact carries: an insurance quote, a lecture invitation, claims-service content, or
a referral quote passed on by a friend. After a click, a quote (or referral) may be bought, a
lecture is attended (awareness and trust rise), service content raises trust."""


@dataclass(frozen=True)
class Offers:
    """What a strategy decided at one call.

    Contacts, one row per (user, message): ``message`` codes index `MESSAGES`; quotes name a
    ``product`` and a premium ``discount`` (0–0.9); every row names its ``channel``.

    ``effects`` change the strategy's arm beside the contacts (course prices, launched or pinned
    courses, reserved slate slots, sharing rewards, fixed costs): typed objects from
    `xsim.core.offer_effects`, applied in order before the contacts are delivered. Who pays for
    contacts and effects is the strategy's ``payer``.
    """

    users: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    product: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    channel: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    discount: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    message: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    effects: tuple[OfferEffect, ...] = ()

    @classmethod
    def contacts(
        cls,
        users: np.ndarray,
        channel: int,
        message: str = "quote",
        product: int = -1,
        discount: float = 0.0,
        effects: tuple[OfferEffect, ...] = (),
    ) -> Offers:
        """One message through one channel to ``users`` (a quote names product and discount)."""
        users = np.asarray(users, dtype=np.int64)
        n = len(users)
        return cls(
            users=users,
            product=np.full(n, product, np.int16),
            channel=np.full(n, channel, np.int16),
            discount=np.full(n, discount, np.float64),
            message=np.full(n, MESSAGES.index(message), np.int8),
            effects=tuple(effects),
        )

    @classmethod
    def quotes(
        cls, users, product: int, channel: int, discount: float, effects: tuple = ()
    ) -> Offers:
        """Quotes of one product through one channel at one discount to ``users``."""
        return cls.contacts(users, channel, "quote", product, discount, effects)

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
    last_purchase_day: np.ndarray
    purchased_today_item: np.ndarray
    holds_product: np.ndarray  # (n_products, n_users) bool
    course_topic: np.ndarray  # topic code per course
    course_price: np.ndarray
    visited_today: np.ndarray  # bool per user
    shared_today: np.ndarray  # bool per user: shared a purchase with friends today
    friends: object  # scipy.sparse CSR adjacency (read-only by contract)
    partner_data: Callable[[], tuple[np.ndarray, np.ndarray]]  # see the two properties
    partner_course: int  # this arm's co-branded course (-1 if none)
    budget_left: float  # what the strategy may still spend (inf without a budget)
    products: tuple[str, ...]
    channels: tuple[str, ...]
    topics: tuple[str, ...]
    segments: tuple[str, ...]
    premium_per_year: tuple[float, ...]
    cost_per_send: tuple[float, ...]

    # Cross-partner data, NaN where the user did not consent to data sharing; computed on first
    # use, since most strategies never look at them.
    @cached_property
    def expected_claim_cost(self) -> np.ndarray:
        """(n_products, n_users) expected claim cost per year from the insurer's risk model."""
        return self.partner_data()[0]

    @cached_property
    def purchase_propensity(self) -> np.ndarray:
        """Per user, the platform's interest score in [0, 1] (engagement percentile)."""
        return self.partner_data()[1]


@runtime_checkable
class Strategy(Protocol):
    """A partnership play. Parameters are frozen, validated fields with a ``kind``.

    ``decide`` must be pure (never write the view), vectorised over users, and random only
    through ``rng``. The engine calls it on experiment days ``start_day, start_day +
    every_days, ...`` before ``end_day``, stops calling once ``budget`` (None: no cap) is
    spent, and books every cost of the arm to ``payer``.
    """

    kind: str
    start_day: int
    every_days: int
    end_day: int | None
    budget: float | None
    payer: str

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers: ...

    def references(self) -> list[tuple[str, str, str]]: ...
