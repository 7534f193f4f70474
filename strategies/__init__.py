"""Strategy plug-ins. The discriminated union `StrategySpec` is the registry of kinds.

Add a strategy: one file with a `StrategyParams` subclass carrying `kind: Literal[...]` and a
`decide(view, rng) -> Offers`, then add the class to `STRATEGY_CLASSES` below.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from xsim.strategies.base import StrategyParams
from xsim.strategies.bundle_discount import BundleDiscount
from xsim.strategies.claims_service_content import ClaimsServiceContent
from xsim.strategies.co_branded_course import CoBrandedCourse
from xsim.strategies.in_app_insurance_slot import InAppInsuranceSlot
from xsim.strategies.insurance_offer_to_buyers import InsuranceOfferToBuyers
from xsim.strategies.lecture_series import LectureSeries
from xsim.strategies.none import NoneStrategy
from xsim.strategies.social_referral import SocialReferral
from xsim.strategies.targeted_offer import TargetedOffer

STRATEGY_CLASSES = (
    NoneStrategy,
    InsuranceOfferToBuyers,
    BundleDiscount,
    CoBrandedCourse,
    LectureSeries,
    InAppInsuranceSlot,
    SocialReferral,
    ClaimsServiceContent,
    TargetedOffer,
)

StrategySpec = Annotated[
    NoneStrategy
    | InsuranceOfferToBuyers
    | BundleDiscount
    | CoBrandedCourse
    | LectureSeries
    | InAppInsuranceSlot
    | SocialReferral
    | ClaimsServiceContent
    | TargetedOffer,
    Field(discriminator="kind"),
]

__all__ = [
    "STRATEGY_CLASSES",
    "BundleDiscount",
    "ClaimsServiceContent",
    "CoBrandedCourse",
    "InAppInsuranceSlot",
    "InsuranceOfferToBuyers",
    "LectureSeries",
    "NoneStrategy",
    "SocialReferral",
    "TargetedOffer",
    "StrategyParams",
    "StrategySpec",
]
