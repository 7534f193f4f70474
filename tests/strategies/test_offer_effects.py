"""Each offer effect writes only its own arm's settings, through the levers it is given."""

from dataclasses import dataclass, field

import numpy as np
import pytest

from xsim.core import offer_effects as fx

N_ARMS, N_COURSES, N_USERS = 3, 5, 8


@dataclass
class Settings:
    course_discount: np.ndarray = field(default_factory=lambda: np.zeros((N_ARMS, N_COURSES)))
    course_visible: np.ndarray = field(default_factory=lambda: np.zeros((N_ARMS, N_COURSES), bool))
    pinned_course: np.ndarray = field(default_factory=lambda: np.full(N_ARMS, -1))
    share_boost: np.ndarray = field(default_factory=lambda: np.ones(N_ARMS))
    share_reward: np.ndarray = field(default_factory=lambda: np.zeros(N_ARMS))


@dataclass
class Levers:
    """Arm 1 of three; users alternate over the arms 0, 1, 2, 0, 1, ..."""

    arm: int = 1
    settings: Settings = field(default_factory=Settings)
    slot_reserved: np.ndarray = field(default_factory=lambda: np.ones(N_USERS, bool))
    user_arm: np.ndarray = field(default_factory=lambda: np.arange(N_USERS) % N_ARMS)
    spent: list = field(default_factory=list)

    def spend(self, kind: str, amount: float) -> None:
        self.spent.append((kind, amount))


def _others_unchanged(levers: Levers) -> None:
    fresh = Settings()
    for name in vars(fresh):
        before, after = getattr(fresh, name), getattr(levers.settings, name)
        assert np.array_equal(np.delete(before, 1, axis=0), np.delete(after, 1, axis=0)), name


EFFECTS = {
    "course_discount": (fx.CourseDiscount(np.linspace(0, 0.4, N_COURSES)), "course_discount"),
    "launch": (fx.LaunchCourses(np.array([2, 4])), "course_visible"),
    "pin": (fx.PinCourse(3), "pinned_course"),
    "boost": (fx.BoostSharing(4.0, 2.5), "share_boost"),
}


@pytest.mark.parametrize("name", EFFECTS)
def test_settings_effects_write_their_arm_only(name):
    effect, setting = EFFECTS[name]
    levers = Levers()
    effect.apply(levers)
    assert not np.array_equal(getattr(levers.settings, setting)[1], getattr(Settings(), setting)[1])
    _others_unchanged(levers)
    assert levers.spent == []


def test_boost_sharing_sets_boost_and_reward():
    levers = Levers()
    fx.BoostSharing(4.0, 2.5).apply(levers)
    assert (levers.settings.share_boost[1], levers.settings.share_reward[1]) == (4.0, 2.5)


def test_reserve_slots_replaces_the_arms_reservations_only():
    levers = Levers()
    fx.ReserveSlots(np.array([1, 2, 7])).apply(levers)  # user 2 is in arm 2: ignored
    in_arm = levers.user_arm == 1
    assert np.flatnonzero(levers.slot_reserved & in_arm).tolist() == [1, 7]
    assert levers.slot_reserved[~in_arm].all()  # other arms keep theirs


def test_fixed_cost_spends_through_the_levers():
    levers = Levers()
    fx.FixedCost(500.0).apply(levers)
    assert levers.spent == [("fixed_cost", 500.0)]
    _others_unchanged(levers)


def test_effects_are_frozen():
    with pytest.raises(AttributeError):
        fx.PinCourse(3).course = 4
