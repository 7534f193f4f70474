"""`none`: the control arm. No offers, no price changes."""

from __future__ import annotations

from typing import Literal

import numpy as np

from xsim.core.protocols import Offers, WorldView
from xsim.strategies.base import StrategyParams


class NoneStrategy(StrategyParams):
    """Business as usual: the platform runs, the partner does nothing."""

    kind: Literal["none"] = "none"

    def decide(self, view: WorldView, rng: np.random.Generator) -> Offers:
        return Offers()
