"""The insurer's historical book at t=0: policies with 2–3 years of claims.

Book holders are drawn from the same segment model as platform users but without selection on
need (they came through the insurer's own channels), so the book shows the population's average
risk and the platform's acquired cohort can be compared against it. This is the training data
for risk models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsim.core.rng import RandomStreams
from xsim.core.units import DAYS_PER_YEAR
from xsim.schema.scenario import Scenario
from xsim.world.population import CourseCatalogue, draw_traits

_OBSERVABLE = ("segment", "age_years", "income_per_month", "city_tier")


def build_book(
    scenario: Scenario, catalogue: CourseCatalogue, streams: RandomStreams
) -> pd.DataFrame:
    """One row per historical policy: rating factors, exposure, claim count and amount.

    ``true_risk`` is the simulation's latent risk multiplier (never available to a real insurer;
    kept for checking risk models against the truth).
    """
    book = scenario.insurer.historical_book
    n = book.n_policies
    rng = streams.generator("history")
    traits = draw_traits(scenario, catalogue, rng, n)
    products = list(scenario.insurer.products.values())
    product = rng.integers(0, len(products), n)
    exposure_years = rng.uniform(0.0, book.years, n)
    exposure_years = np.maximum(exposure_years, 1 / DAYS_PER_YEAR)
    frequency = np.array([p.claim_frequency_per_year for p in products])[product]
    claim_count = rng.poisson(frequency * traits["latent_risk"] * exposure_years)
    shape = np.array([1 / p.severity.cv**2 for p in products])[product]
    scale = np.array([p.severity.mean for p in products])[product] / shape
    # a sum of k Gamma(shape, scale) claims is Gamma(k * shape, scale)
    has_claims = claim_count > 0
    claim_amount = np.zeros(n)
    claim_amount[has_claims] = rng.gamma(
        claim_count[has_claims] * shape[has_claims], scale[has_claims]
    )
    frame = {name: traits[name] for name in _OBSERVABLE}
    frame["segment"] = np.asarray(list(scenario.population.segments))[traits["segment"]]
    return pd.DataFrame(
        {
            "policy_id": np.arange(n),
            "product": np.asarray(list(scenario.insurer.products))[product],
            **frame,
            "exposure_years": exposure_years,
            "claim_count": claim_count,
            "claim_amount": claim_amount,
            "true_risk": traits["latent_risk"],
        }
    )
