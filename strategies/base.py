"""Parameters every strategy shares: schedule, budget, eligibility, who pays."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from xsim.core.offer_effects import FixedCost
from xsim.core.protocols import WorldView

_NAMESPACES = {"product": "products", "channel": "channels", "course_topic": "topics"}


class StrategyParams(BaseModel):
    """Frozen, validated parameters of a strategy; subclasses add a ``kind`` and ``decide``.

    Days count from the start of the experiment (day 0 is the first day after warm-up). The
    engine enforces ``budget`` (contacts, course discounts, rewards and fixed costs; premium
    discounts are lower premium, not spend), channel opt-ins, consent and weekly caps whatever a
    strategy returns; `eligible` applies the eligibility fields for the strategy's own targeting.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    start_day: int = Field(0, ge=0, description="first experiment day the strategy acts")
    end_day: int | None = Field(None, ge=1, description="experiment day it stops (exclusive)")
    every_days: int = Field(7, ge=1, description="days between two decisions")
    budget: float | None = Field(None, gt=0.0, description="total spend allowed (None: no cap)")
    fixed_cost: float = Field(0.0, ge=0.0, description="one-off partnership cost at the start")
    payer: Literal["insurer", "platform"] = Field("insurer", description="who pays the costs")
    segments: list[str] | None = Field(None, description="only these segments (None: all)")
    require_consent: bool = Field(False, description="only users consenting to data sharing")
    exclude_insured: bool = Field(True, description="skip users who hold the product")

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.end_day is not None and self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day ({self.start_day})")
        return self

    def references(self) -> list[tuple[str, str, str]]:
        """(field, namespace, name) for every product, channel, topic or segment named.

        Fields are recognised by name (``product``, ``channel``, ``course_topic``,
        ``segments``); the scenario checks each name exists in its namespace.
        """
        refs = [
            (field, space, getattr(self, field))
            for field, space in _NAMESPACES.items()
            if getattr(self, field, None) is not None
        ]
        return refs + [("segments", "segments", s) for s in self.segments or []]

    def partner_course(self) -> tuple[str, float, float] | None:
        """(topic, price, quality) of a co-branded course this strategy brings, else None."""
        return None

    def eligible(self, view: WorldView, users: np.ndarray, product: int | None = None):
        """Mask over ``users``: active, in the chosen segments, consenting if required, and not
        holding ``product`` if ``exclude_insured``."""
        mask = view.active[users].copy()
        if self.segments is not None:
            codes = [view.segments.index(s) for s in self.segments]
            mask &= np.isin(view.segment[users], codes)
        if self.require_consent:
            mask &= view.consent_data_sharing[users]
        if product is not None and self.exclude_insured:
            mask &= ~view.holds_product[product, users]
        return mask

    def costs_due(self, view: WorldView, per_call: float = 0.0) -> tuple[FixedCost, ...]:
        """The fixed cost of this call: the one-off ``fixed_cost`` at the first call, plus
        ``per_call`` (what every call costs, e.g. holding a lecture); none when it is zero."""
        first_call = view.experiment_day == self.start_day
        amount = (self.fixed_cost if first_call else 0.0) + per_call
        return (FixedCost(amount),) if amount > 0 else ()
