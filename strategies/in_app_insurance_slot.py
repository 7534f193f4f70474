"""`in_app_insurance_slot`: reserve a slate position for an insurance product."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from xsim.core.offer_effects import ReserveSlots
from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class InAppInsuranceSlot(StrategyParams):
    """The arm's targeted users (eligible; with ``min_propensity`` > 0, consenting users whose
    interest score reaches it) see an insurance slot for ``product`` instead of their last
    course slot; each day, those who visited are shown the quote through ``channel``. The slot
    displaces a course, so course sales may fall: the platform pays for it in lost sales."""

    kind: Literal["in_app_insurance_slot"] = "in_app_insurance_slot"
    every_days: Literal[1] = 1
    product: str = Field(description="insurer product in the slot")
    channel: str = Field("in_app", description="channel that shows the slot")
    discount: float = Field(0.0, ge=0.0, le=0.9, description="premium discount in the slot")
    min_propensity: float = Field(0.0, ge=0.0, le=1.0, description="interest-score threshold")

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        product = view.products.index(self.product)
        users = view.arm_users
        targeted = users[self.eligible(view, users, product)]
        if self.min_propensity > 0:  # targeting by platform data: consenting users only
            targeted = targeted[view.purchase_propensity[targeted] >= self.min_propensity]
        seen = targeted[view.visited_today[targeted]]
        channel = view.channels.index(self.channel)
        effects = (*self.costs_due(view), ReserveSlots(targeted))
        return Offers.quotes(seen, product, channel, self.discount, effects)
