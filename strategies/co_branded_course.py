"""`co_branded_course`: launch a co-branded course, promote it, give buyers an insurer voucher."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from xsim.core.offer_effects import LaunchCourses, PinCourse
from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class CoBrandedCourse(StrategyParams):
    """On ``start_day`` a co-branded ``course_topic`` course (``price``, ``quality``) appears in
    the arm's catalogue, pinned to the first slate slot when ``promote``. Whoever buys it gets a
    voucher at checkout: ``product`` with ``voucher_discount`` off the premium."""

    kind: Literal["co_branded_course"] = "co_branded_course"
    every_days: Literal[1] = 1
    course_topic: str = Field("finance", description="topic of the co-branded course")
    price: float = Field(49.0, gt=0.0, description="course price")
    quality: float = Field(0.5, description="course quality (utility units; catalogue sd 0.5)")
    promote: bool = Field(True, description="pin the course to the first slate slot")
    product: str = Field(description="insurer product of the voucher")
    voucher_discount: float = Field(0.3, ge=0.0, le=0.9, description="premium discount")
    channel: str = Field("bundle", description="channel carrying the voucher")

    def partner_course(self) -> tuple[str, float, float]:
        return (self.course_topic, self.price, self.quality)

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        course, product = view.partner_course, view.products.index(self.product)
        users = view.arm_users
        bought = view.purchased_today_item[users] == course
        buyers = users[bought & self.eligible(view, users, product)]
        return Offers.quotes(
            buyers,
            product,
            view.channels.index(self.channel),
            self.voucher_discount,
            (
                *self.costs_due(view),
                LaunchCourses(np.array([course])),
                PinCourse(course if self.promote else -1),
            ),
        )
