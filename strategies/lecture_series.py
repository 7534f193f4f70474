"""`lecture_series`: periodic live finance lectures (webinars) with invitations by channel."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class LectureSeries(StrategyParams):
    """Every ``every_days`` a lecture is held (``cost_per_lecture``) and the arm's eligible users
    are invited through ``channel``; those who click attend, which raises their insurance
    awareness and trust. With a ``product``, attendees are quoted it at the end of the lecture.
    ``min_engagement`` > 0 invites only consenting users at or above that engagement percentile
    (0–1)."""

    kind: Literal["lecture_series"] = "lecture_series"
    every_days: int = Field(14, ge=1, description="days between lectures")
    channel: str = Field("email", description="channel carrying invitations")
    cost_per_lecture: float = Field(2000.0, ge=0.0, description="cost of holding one lecture")
    product: str | None = Field(None, description="product quoted to attendees (None: no quote)")
    discount: float = Field(0.0, ge=0.0, le=0.9, description="premium discount for attendees")
    min_engagement: float = Field(0.0, ge=0.0, le=1.0, description="engagement percentile")

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        users = view.arm_users
        product = -1 if self.product is None else view.products.index(self.product)
        invited = users[self.eligible(view, users)]
        if self.min_engagement > 0:  # targeting by platform data: consenting users only
            invited = invited[view.purchase_propensity[invited] >= self.min_engagement]
        effects = self.costs_due(view, per_call=self.cost_per_lecture)
        channel = view.channels.index(self.channel)
        return Offers.contacts(invited, channel, "lecture", product, self.discount, effects)
