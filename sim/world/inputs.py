"""What every world of a run starts from (the experiment's world and its twin worlds alike):
inputs of the engine and of the analysis, never results of a simulation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xsim.core.rng import RandomStreams
from xsim.schema.scenario import Scenario
from xsim.world.population import CourseCatalogue, Population


@dataclass(frozen=True)
class WorldInputs:
    """What every world of a run shares: the scenario, the people, the courses, the seed tree
    and the insurer's expected claim cost per product and user (from its risk model)."""

    scenario: Scenario
    population: Population
    catalogue: CourseCatalogue
    streams: RandomStreams
    expected_claim_cost: np.ndarray
    initial_holders: list[np.ndarray]  # per product: users insured at t=0
    book: pd.DataFrame  # the insurer's historical book, for refits
    risk_model: object  # the risk model fitted on the book at t=0
