"""Parameters every strategy shares: its schedule and the names it refers to."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrategyParams(BaseModel):
    """Frozen, validated parameters of a strategy; subclasses add a ``kind`` and ``decide``.

    Days count from the start of the experiment (day 0 is the first day after warm-up).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_day: int = Field(0, ge=0, description="first experiment day the strategy acts")
    end_day: int | None = Field(None, ge=1, description="experiment day it stops (exclusive)")
    every_days: int = Field(7, ge=1, description="days between two decisions")

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.end_day is not None and self.end_day <= self.start_day:
            raise ValueError(f"end_day ({self.end_day}) must be after start_day ({self.start_day})")
        return self

    def references(self) -> list[tuple[str, str, str]]:
        """(field, namespace, name) for every product, channel or topic the strategy names.

        The scenario checks each name exists in its namespace ('products', 'channels', 'topics').
        """
        return []
