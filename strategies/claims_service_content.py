"""`claims_service_content`: service content for policyholders that builds trust."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class ClaimsServiceContent(StrategyParams):
    """Every ``every_days``, the arm's holders of ``product`` get claims-service content (how to
    claim, what is covered, fast-track help) through ``channel``; reading it raises trust in the
    insurer, and trusted holders lapse less."""

    kind: Literal["claims_service_content"] = "claims_service_content"
    every_days: int = Field(14, ge=1, description="days between two pieces of content")
    product: str = Field(description="policyholders of this product are served")
    channel: str = Field("push", description="channel carrying the content")

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        product = view.products.index(self.product)
        users = view.arm_users
        holders = users[view.holds_product[product, users] & self.eligible(view, users)]
        channel = view.channels.index(self.channel)
        return Offers.contacts(holders, channel, "service", product, effects=self.costs_due(view))
