"""`targeted_offer`: quotes ranked by interest × expected margin, within a budget."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class TargetedOffer(StrategyParams):
    """Every ``every_days``, score the arm's eligible users by the platform's interest score ×
    (net premium − the insurer's expected claim cost for them) and quote ``product`` to the best
    ``max_contacts_per_call`` with a positive score; the engine stops at the ``budget``."""

    kind: Literal["targeted_offer"] = "targeted_offer"
    product: str = Field(description="insurer product quoted")
    channel: str = Field("email", description="channel carrying the quote")
    discount: float = Field(0.0, ge=0.0, le=0.9, description="premium discount (share)")
    budget: float = Field(1000.0, gt=0.0, description="total contact spend allowed")
    max_contacts_per_call: int = Field(2000, ge=1, description="quotes per decision at most")

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        product = view.products.index(self.product)
        users = view.arm_users
        users = users[self.eligible(view, users, product)]
        margin = view.premium_per_year[product] * (1 - self.discount)
        margin = margin - view.expected_claim_cost[product, users]
        score = view.purchase_propensity[users] * margin
        # ties broken at random so equal scores do not always favour low user ids
        order = np.lexsort((rng.random(len(users)), -score))
        # the cap is per roll-out: the arm gets its share of it, as in the twin world
        cap = int(np.ceil(self.max_contacts_per_call * len(view.arm_users) / view.n_users))
        best = order[score[order] > 0][:cap]
        channel = view.channels.index(self.channel)
        return Offers.quotes(users[best], product, channel, self.discount, self.costs_due(view))
