"""`insurance_offer_to_buyers`: quote an insurance product to recent course buyers."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class InsuranceOfferToBuyers(StrategyParams):
    """Every ``every_days``, quote ``product`` through ``channel`` to the arm's eligible users
    who bought a course in the last ``lookback_days``."""

    kind: Literal["insurance_offer_to_buyers"] = "insurance_offer_to_buyers"
    product: str = Field(description="insurer product quoted")
    channel: str = Field("email", description="channel carrying the quote")
    discount: float = Field(0.0, ge=0.0, le=0.9, description="premium discount (share)")
    lookback_days: int = Field(7, ge=1, description="how recent a purchase must be")

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        product = view.products.index(self.product)
        users = view.arm_users
        recent = view.last_purchase_day[users] > view.day - self.lookback_days
        targets = users[recent & self.eligible(view, users, product)]
        channel = view.channels.index(self.channel)
        return Offers.quotes(targets, product, channel, self.discount, self.costs_due(view))
