"""Dynamic per-user state of one simulated world, as arrays, plus the owned-course bitset."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xsim.schema.scenario import Scenario
from xsim.world.population import CourseCatalogue, Population


class OwnedCourses:
    """Which courses each user owns, packed as bits: ceil(n_courses / 64) words per user."""

    def __init__(self, n_users: int, n_courses: int):
        self.n_courses = n_courses
        self.words = np.zeros((n_users, (n_courses + 63) // 64), dtype=np.uint64)

    def add(self, users: np.ndarray, courses: np.ndarray) -> None:
        bits = np.left_shift(np.uint64(1), (courses % 64).astype(np.uint64))
        np.bitwise_or.at(self.words, (users, courses // 64), bits)

    def rows(self, users: np.ndarray) -> np.ndarray:
        """Ownership of every course for ``users`` (len(users) × n_courses bool)."""
        words = np.ascontiguousarray(self.words[users])
        bits = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")
        return bits[:, : self.n_courses].astype(bool)

    def contains(self, users: np.ndarray, courses: np.ndarray) -> np.ndarray:
        """Elementwise: does users[i] own courses[i]? (shapes broadcast)."""
        users, courses = np.broadcast_arrays(users, courses)
        word = self.words[users, courses // 64]
        return (word >> (courses % 64).astype(np.uint64)) & np.uint64(1) == 1


@dataclass
class ArmSettings:
    """Per-arm settings the strategies' offer effects write (arms × courses for prices and
    visibility), who pays for each arm, and what each arm's strategy has spent so far."""

    course_discount: np.ndarray
    course_visible: np.ndarray
    pinned_course: np.ndarray
    share_boost: np.ndarray
    share_reward: np.ndarray
    payer: list[str]
    spent: np.ndarray
    paused: np.ndarray
    budget: np.ndarray  # what each arm may spend in all (inf without a budget)

    @classmethod
    def initial(cls, n_arms: int, catalogue: CourseCatalogue) -> ArmSettings:
        visible = np.repeat(~catalogue.partner[None, :], n_arms, axis=0)
        return cls(
            course_discount=np.zeros((n_arms, catalogue.n_courses)),
            course_visible=visible,
            pinned_course=np.full(n_arms, -1),
            share_boost=np.ones(n_arms),
            share_reward=np.zeros(n_arms),
            payer=["insurer"] * n_arms,
            spent=np.zeros(n_arms),
            paused=np.zeros(n_arms, bool),
            budget=np.full(n_arms, np.inf),
        )

    def left(self, arm: int) -> float:
        """What the arm may still spend: budgets are hard limits for every kind of spend."""
        return float(self.budget[arm] - self.spent[arm])

    def affordable(self, arm: int, costs: np.ndarray) -> np.ndarray:
        """Mask of the leading ``costs`` the arm's remaining budget pays for (order = priority)."""
        return np.cumsum(costs) <= self.left(arm)

    def reset(self, arm: int, catalogue: CourseCatalogue) -> None:
        """Back to business as usual when a strategy ends or runs out of budget."""
        self.course_discount[arm] = 0.0
        self.course_visible[arm] = ~catalogue.partner
        self.pinned_course[arm] = -1
        self.share_boost[arm] = 1.0
        self.share_reward[arm] = 0.0


@dataclass
class WorldState:
    """Everything about users that changes during a run. Arrays have one entry per user,
    except ``week_contacts`` (channels × users) and ``holder`` (products × users, policy id or
    -1). ``arms`` holds what each arm's strategy currently sets."""

    active: np.ndarray
    engagement: np.ndarray
    fatigue: np.ndarray
    awareness: np.ndarray
    trust: np.ndarray
    buzz: np.ndarray
    last_visit_day: np.ndarray
    last_purchase_day: np.ndarray
    purchased_today_item: np.ndarray
    email_opt_in: np.ndarray
    push_opt_in: np.ndarray
    week_contacts: np.ndarray
    holder: np.ndarray
    visited_today: np.ndarray
    shared_today: np.ndarray
    slot_reserved: np.ndarray
    arms: ArmSettings
    visits_pre: np.ndarray
    visits: np.ndarray
    course_purchases: np.ndarray
    literacy_purchases: np.ndarray
    owned: OwnedCourses

    @classmethod
    def initial(
        cls, scenario: Scenario, population: Population, catalogue: CourseCatalogue
    ) -> WorldState:
        n = population.n_users
        decay = engagement_decay(scenario.platform.engagement_halflife_days)
        return cls(
            active=np.ones(n, bool),
            engagement=(population.visit_probability_per_day / (1 - decay)).astype(np.float32),
            fatigue=np.zeros(n, np.float32),
            awareness=population.insurance_awareness.copy(),
            trust=np.full(n, scenario.insurer.initial_trust, np.float32),
            buzz=np.zeros(n, np.float32),
            last_visit_day=np.zeros(n, np.float32),
            last_purchase_day=np.full(n, -np.inf, np.float32),
            purchased_today_item=np.full(n, -1, np.int32),
            email_opt_in=population.email_opt_in.copy(),
            push_opt_in=population.push_opt_in.copy(),
            week_contacts=np.zeros((len(scenario.channels), n), np.int16),
            holder=np.full((len(scenario.insurer.products), n), -1, np.int32),
            visited_today=np.zeros(n, bool),
            shared_today=np.zeros(n, bool),
            slot_reserved=np.zeros(n, bool),
            arms=ArmSettings.initial(len(scenario.arms), catalogue),
            visits_pre=np.zeros(n, np.int32),
            visits=np.zeros(n, np.int32),
            course_purchases=np.zeros(n, np.int16),
            literacy_purchases=np.zeros(n, np.int16),
            owned=OwnedCourses(n, catalogue.n_courses),
        )


def engagement_decay(halflife_days: float) -> float:
    """Daily multiplier that halves engagement in ``halflife_days``."""
    return float(0.5 ** (1.0 / halflife_days))
