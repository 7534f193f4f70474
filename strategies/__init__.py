"""Strategy plug-ins. The discriminated union `StrategySpec` is the registry of kinds.

Add a strategy: one file with a `StrategyParams` subclass carrying `kind: Literal[...]` and a
`decide(view, rng) -> Offers`, then add the class to `STRATEGY_CLASSES` below.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from xsim.strategies.base import StrategyParams
from xsim.strategies.bundle_discount import BundleDiscount
from xsim.strategies.insurance_offer_to_buyers import InsuranceOfferToBuyers
from xsim.strategies.none import NoneStrategy

STRATEGY_CLASSES = (NoneStrategy, InsuranceOfferToBuyers, BundleDiscount)

StrategySpec = Annotated[
    NoneStrategy | InsuranceOfferToBuyers | BundleDiscount,
    Field(discriminator="kind"),
]

__all__ = [
    "STRATEGY_CLASSES",
    "BundleDiscount",
    "InsuranceOfferToBuyers",
    "NoneStrategy",
    "StrategyParams",
    "StrategySpec",
]
