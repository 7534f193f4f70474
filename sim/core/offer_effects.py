"""What a strategy's decision changes for its arm besides the contacts it sends.

Each effect is a small frozen dataclass that applies itself to an `ArmLevers`: the narrow part
of the world one arm's strategy may change (its settings, its users' slot reservations, its
spend). The engine passes the levers in, so this module needs nothing of the world, and a new
strategy mechanism is one new effect here plus the strategy that returns it.

Settings an effect writes stay in force until the strategy's next call changes them, or until
the strategy ends, when the engine puts its arm back to business as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


class ArmSettingsArrays(Protocol):
    """Per-arm settings an effect may write, indexed by arm code (``[arm]`` or ``[arm, course]``).

    ``course_discount`` is a price cut per course, ``course_visible`` whether a course is in the
    arm's catalogue, ``pinned_course`` the course shown first in every slate (-1 for none),
    ``share_boost`` the multiplier of the chance that a buyer shares and ``share_reward`` the
    reward paid per share.
    """

    course_discount: np.ndarray
    course_visible: np.ndarray
    pinned_course: np.ndarray
    share_boost: np.ndarray
    share_reward: np.ndarray


class ArmLevers(Protocol):
    """What an effect may touch, for the one arm whose strategy decided: the arm code ``arm``,
    its ``settings``, ``slot_reserved`` (bool per user: the user's last slate slot shows
    insurance), ``user_arm`` (arm code per user, read-only) and `spend`, which logs a cost with
    the arm's payer and counts it against the arm's budget."""

    arm: int
    settings: ArmSettingsArrays
    slot_reserved: np.ndarray
    user_arm: np.ndarray

    def spend(self, kind: str, amount: float) -> None: ...


@runtime_checkable
class OfferEffect(Protocol):
    """An arm-level consequence of one decision; `apply` writes only through ``levers``."""

    def apply(self, levers: ArmLevers) -> None: ...


@dataclass(frozen=True)
class FixedCost:
    """A cost spent once, at the call that returns it (a launch fee, one lecture)."""

    amount: float

    def apply(self, levers: ArmLevers) -> None:
        levers.spend("fixed_cost", self.amount)


@dataclass(frozen=True)
class CourseDiscount:
    """The arm's course prices are cut by ``discount`` (one share per course, 0 for none)."""

    discount: np.ndarray

    def apply(self, levers: ArmLevers) -> None:
        levers.settings.course_discount[levers.arm] = self.discount


@dataclass(frozen=True)
class LaunchCourses:
    """Co-branded ``courses`` join the arm's catalogue."""

    courses: np.ndarray

    def apply(self, levers: ArmLevers) -> None:
        levers.settings.course_visible[levers.arm, self.courses] = True


@dataclass(frozen=True)
class PinCourse:
    """``course`` is shown first in every slate of the arm (-1 unpins)."""

    course: int

    def apply(self, levers: ArmLevers) -> None:
        levers.settings.pinned_course[levers.arm] = self.course


@dataclass(frozen=True)
class ReserveSlots:
    """Exactly ``users`` (those in the arm; others are ignored) see an insurance slot instead of
    their last course slot; the arm's other users get their course slot back."""

    users: np.ndarray

    def apply(self, levers: ArmLevers) -> None:
        in_arm = levers.user_arm == levers.arm
        levers.slot_reserved[in_arm] = False
        mine = self.users[levers.user_arm[self.users] == levers.arm]
        levers.slot_reserved[mine] = True


@dataclass(frozen=True)
class BoostSharing:
    """Buyers in the arm share ``boost`` times as often and earn ``reward`` per share."""

    boost: float
    reward: float = 0.0

    def apply(self, levers: ArmLevers) -> None:
        levers.settings.share_boost[levers.arm] = self.boost
        levers.settings.share_reward[levers.arm] = self.reward
