"""`social_referral`: rewards for sharing; friends of sharers receive a referral quote."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from xsim.core.offer_effects import BoostSharing
from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class SocialReferral(StrategyParams):
    """Buyers in the arm share their purchases ``share_boost`` times as often and earn
    ``reward_per_share`` per share; their friends' visits rise (word of mouth spreads purchases
    over the social graph), and friends in the arm get a referral quote for ``product``."""

    kind: Literal["social_referral"] = "social_referral"
    every_days: Literal[1] = 1
    product: str = Field(description="insurer product in the referral")
    channel: str = Field("social", description="channel carrying the referral")
    discount: float = Field(0.1, ge=0.0, le=0.9, description="premium discount for referrals")
    share_boost: float = Field(2.0, ge=1.0, le=20.0, description="multiplier on sharing")
    reward_per_share: float = Field(5.0, ge=0.0, description="reward paid per share")

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        product = view.products.index(self.product)
        users = view.arm_users
        sharers = np.zeros(view.n_users, np.float32)
        sharers[users[view.shared_today[users]]] = 1.0
        reached = (view.friends @ sharers)[users] > 0
        friends = users[reached & self.eligible(view, users, product)]
        return Offers.contacts(
            friends,
            view.channels.index(self.channel),
            "referral",
            product,
            self.discount,
            (*self.costs_due(view), BoostSharing(self.share_boost, self.reward_per_share)),
        )
