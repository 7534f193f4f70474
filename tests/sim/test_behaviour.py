"""Mechanisms move outcomes the way the model says, on fixed seeds with stated tolerances.

Seeds are fixed, so each test is deterministic; the tolerances say how far the seed-fixed
result is from failing in units of its own sampling error, so a model change that weakens a
mechanism fails loudly instead of passing by luck.
"""

import numpy as np
import pandas as pd

import xsim
from tests.sim.builders import build
from xsim.core.rng import RandomStreams
from xsim.world.history import build_book
from xsim.world.population import build_catalogue


def _two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    return (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))


def _bundle_only(discount: float):
    return build(
        **{
            "population.n_users": 40000,
            "arms": {
                "control": {"weight": 1, "strategy": {"kind": "none"}},
                "bundle": {
                    "weight": 3,
                    "strategy": {
                        "kind": "bundle_discount",
                        "course_topic": "finance",
                        "product": "accident",
                        "discount": discount,
                    },
                },
            },
        }
    )


def test_deeper_bundle_discount_raises_take_up():
    """Take-up = policies per bundle quote. Tolerance: z > 3 (two-proportion test)."""
    rates = {}
    for discount in (0.0, 0.6):
        users = xsim.run(_bundle_only(discount)).users
        arm = users[users.arm == "bundle"]
        rates[discount] = (int(arm.policies.sum()), int(arm.quotes.sum()))
    (x_low, n_low), (x_high, n_high) = rates[0.0], rates[0.6]
    assert n_low > 200 and n_high > 200
    assert _two_proportion_z(x_high, n_high, x_low, n_low) > 3


def test_fatigue_lowers_open_rates():
    """Daily e-mails to the same buyers: with fatigue the open rate drops (z > 3)."""
    rates = {}
    for fatigue in (0.0, 1.0):
        scenario = build(
            **{
                "channels": {
                    "email": {
                        "open_rate": 0.3,
                        "fatigue_per_send": fatigue,
                        "cap_per_week": 7,
                        "opt_in": "email",
                    }
                },
                "arms.offer.strategy.every_days": 1,
                "arms.bundle.weight": 0.01,
            }
        )
        users = xsim.run(scenario).users
        offer = users[users.arm == "offer"]
        rates[fatigue] = (int(offer.opens.sum()), int(offer.contacts.sum()))
    (x0, n0), (x1, n1) = rates[0.0], rates[1.0]
    assert n0 > 1000
    assert _two_proportion_z(x0, n0, x1, n1) > 3


def test_historical_book_frequency_matches_scenario():
    """Total claim count is Poisson with mean Σ frequency × exposure × risk: within 4 sd."""
    scenario = build(**{"insurer.historical_book": {"n_policies": 50000, "years": 3}})
    streams = RandomStreams(scenario.seed)
    catalogue = build_catalogue(
        scenario.platform.catalogue, scenario.population.taste_dims, streams
    )
    book = build_book(scenario, catalogue, streams)
    frequency = scenario.insurer.products["accident"].claim_frequency_per_year
    expected = (frequency * book.exposure_years * book.true_risk).sum()
    assert abs(book.claim_count.sum() - expected) < 4 * np.sqrt(expected)
    # the latent risk multiplier has mean 1 (risk_level 1): its sample mean is within 4 se
    risk = book.true_risk
    assert abs(risk.mean() - 1) < 4 * risk.std() / np.sqrt(len(risk))
    # and the raw frequency per exposure year is the scenario's, within 10 % (Poisson + risk spread)
    observed = book.claim_count.sum() / book.exposure_years.sum()
    assert abs(observed / frequency - 1) < 0.10


def _risk_gap(need_risk: float) -> float:
    """Welch t of true risk: policy buyers minus non-buyers in the treated arms."""
    scenario = build(
        **{
            "population.n_users": 80000,
            "population.correlations": {"need_risk": need_risk, "finance_interest_risk": 0.0},
            "insurer.purchase_model": {"need": 3.0},
        }
    )
    users = xsim.run(scenario).users
    treated = users[users.arm != "control"]
    buyers = treated.true_risk[treated.policies > 0]
    others = treated.true_risk[treated.policies == 0]
    se = np.sqrt(buyers.var() / len(buyers) + others.var() / len(others))
    return (buyers.mean() - others.mean()) / se


def test_need_risk_correlation_makes_buyers_riskier():
    """With need↔risk 0.6 buyers are riskier (t > 3); with 0 they are not (|t| < 3)."""
    assert _risk_gap(0.6) > 3
    assert abs(_risk_gap(0.0)) < 3


def test_claims_reported_after_horizon_are_ibnr():
    scenario = build(
        **{
            "insurer.products.accident.claim_frequency_per_year": 10.0,
            "population.n_users": 8000,
            "insurer.products.accident.take_up_probability": 0.9,
            "insurer.products.accident.reporting_delay_days": {"median": 20, "sigma": 1.0},
            "channels": {"email": {"open_rate": 0.9, "click_rate": 0.9, "opt_in": "email"}},
        }
    )
    result = xsim.run(scenario)
    users = result.users
    table = pd.read_parquet(result.events_path)
    assert users.claims.sum() > 200
    assert users.claims_ibnr_count.sum() > 0
    # claims of the experiment period (the existing book also claims during the warm-up)
    post = table[(table.kind == "claim") & (table.day >= scenario.experiment.warmup_days)].ref
    reports = table[table.ref.isin(post)]
    assert (
        users.claims == users.claims_ibnr_count + _count(reports, "claim_reported", users)
    ).all()
    np.testing.assert_allclose(users.claims_incurred, users.claims_reported + users.claims_ibnr)
    reported = table[table.kind == "claim_reported"]
    assert reported.day.max() < scenario.horizon_days
    occurred = table[table.kind == "claim"]
    assert set(reported.ref) <= set(occurred.ref)  # every report refers to a real claim
    # claims near the horizon are the ones still unreported
    unreported = occurred[~occurred.ref.isin(reported.ref)]
    assert unreported.day.mean() > occurred.day.mean()


def _count(table: pd.DataFrame, kind: str, users: pd.DataFrame) -> np.ndarray:
    counts = table[table.kind == kind].groupby("user").size()
    return counts.reindex(users.user_id, fill_value=0).to_numpy()
