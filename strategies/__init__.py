"""Strategy plug-ins. `STRATEGY_CLASSES` is the registry of kinds; everything else derives from it.

Add a strategy: one file with a `StrategyParams` subclass carrying `kind: Literal[...]` and a
`decide(view, rng) -> Offers` (contacts plus effects from `xsim.core.offer_effects`), then one
line in `STRATEGY_CLASSES` below. The scenario's discriminated union `StrategySpec` and the list
of names `STRATEGY_KINDS` are built from the registry, so nothing else lists the kinds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Union

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

STRATEGY_CLASSES: tuple[type[StrategyParams], ...] = (
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


def kind_of(cls: type[StrategyParams]) -> str:
    """The ``kind`` tag of a strategy class (the default of its ``kind`` literal)."""
    return cls.model_fields["kind"].default


def kinds_of(classes: Iterable[type[StrategyParams]]) -> tuple[str, ...]:
    """The kind tags of ``classes``, in registry order."""
    return tuple(kind_of(cls) for cls in classes)


def union_of(classes: Iterable[type[StrategyParams]]) -> Any:
    """The pydantic discriminated union on ``kind`` over ``classes``."""
    return Annotated[Union[tuple(classes)], Field(discriminator="kind")]  # noqa: UP007


STRATEGY_KINDS: tuple[str, ...] = kinds_of(STRATEGY_CLASSES)
StrategySpec = union_of(STRATEGY_CLASSES)

__all__ = [
    "STRATEGY_CLASSES",
    "STRATEGY_KINDS",
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
    "kind_of",
    "kinds_of",
    "union_of",
]
