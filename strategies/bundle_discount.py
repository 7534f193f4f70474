"""`bundle_discount`: a co-branded course + policy bundle at a discount, offered at checkout."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from xsim.core.offer_effects import CourseDiscount
from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class BundleDiscount(StrategyParams):
    """Courses of ``course_topic`` are shown ``course_discount`` cheaper to the arm's users, and
    whoever buys one is offered ``product`` at checkout with ``discount`` off the premium.

    Decides daily (checkout is immediate), so ``every_days`` is fixed to 1.
    """

    kind: Literal["bundle_discount"] = "bundle_discount"
    every_days: Literal[1] = 1
    course_topic: str = Field(description="topic of the co-branded courses in the bundle")
    product: str = Field(description="insurer product in the bundle")
    channel: str = Field("bundle", description="checkout channel carrying the bundle offer")
    discount: float = Field(0.2, ge=0.0, le=0.9, description="premium discount in the bundle")
    course_discount: float = Field(0.1, ge=0.0, le=0.9, description="course price discount")

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        topic = view.topics.index(self.course_topic)
        product = view.products.index(self.product)
        in_topic = view.course_topic == topic
        users = view.arm_users
        bought = view.purchased_today_item[users]
        bought_topic = (bought >= 0) & in_topic[np.maximum(bought, 0)]
        targets = users[bought_topic & self.eligible(view, users, product)]
        return Offers.quotes(
            targets,
            product,
            view.channels.index(self.channel),
            self.discount,
            (*self.costs_due(view), CourseDiscount(np.where(in_topic, self.course_discount, 0.0))),
        )
