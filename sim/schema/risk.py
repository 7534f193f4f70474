"""Scenario schema of the insurer's risk control: risk model, underwriting, risk monitor."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from xsim.estimators.risk import FreqSevGLMSpec, RiskModelSpec

# Rating factors the insurer observes for everyone (its book and platform users alike).
BOOK_FEATURES = ("segment", "age_years", "city_tier", "income_per_month")
# What the platform knows about its users; used only where a user consented to sharing.
PLATFORM_FEATURES = ("literacy_purchases", "course_purchases", "engagement")


class MonitorSpec(BaseModel):
    """The risk monitor: every ``every_days`` it projects each arm's acquired cohort's loss
    ratio and logs an alert above ``guardrail_loss_ratio``; ``auto_pause`` then stops that
    arm's insurance offers. ``credibility_claims`` is the reported-claim count at which the
    cohort's own experience gets half the weight against the model (Bühlmann-style)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    every_days: int = Field(7, ge=1)
    guardrail_loss_ratio: float = Field(0.8, gt=0.0)
    auto_pause: bool = False
    credibility_claims: float = Field(10.0, gt=0.0)
    min_policies: int = Field(30, ge=1)


class RiskControlSpec(BaseModel):
    """How the insurer prices and watches risk. ``features`` come from its own rating factors
    (product is always included); ``platform_features`` are the partner's data, used only for
    consenting users and only once refits see platform policyholders. Underwriting compares
    predicted annual cost with the net premium: ``decline`` refuses above
    ``max_expected_loss_ratio``, ``load`` raises the premium to meet it."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    model: RiskModelSpec = FreqSevGLMSpec()
    features: list[Literal[BOOK_FEATURES]] = list(BOOK_FEATURES)  # type: ignore[valid-type]
    platform_features: list[Literal[PLATFORM_FEATURES]] = []  # type: ignore[valid-type]
    refit_every_days: int | None = Field(None, ge=7)
    underwriting: Literal["none", "decline", "load"] = "none"
    max_expected_loss_ratio: float = Field(1.0, gt=0.0)
    monitor: MonitorSpec = MonitorSpec()
