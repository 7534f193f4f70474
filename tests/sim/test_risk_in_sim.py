"""The insurer's risk control inside the simulation: recovery, selection, monitor, partner data.

Tolerances are stated per test; all data are seed-fixed, so each test is deterministic.
"""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import xsim
from tests.sim.builders import build
from xsim.core.eventlog import EventLog
from xsim.core.rng import RandomStreams
from xsim.estimators.risk import FreqSevGLMSpec, partner_data_value
from xsim.pipeline.runner import prepare_world
from xsim.world.engine import Engine
from xsim.world.history import build_book
from xsim.world.population import build_catalogue
from xsim.world.risk import platform_policy_table

FAST_CLAIMS = {
    "premium_per_year": 600,
    "claim_frequency_per_year": 2.0,
    "severity": {"mean": 500, "cv": 0.3},
    "take_up_probability": 0.5,
    "reporting_delay_days": {"median": 3, "sigma": 0.5},
}
GOOD_EMAIL = {"email": {"open_rate": 0.6, "click_rate": 0.5, "opt_in": "email", "cap_per_week": 3}}


@pytest.mark.slow
def test_frequency_coefficients_cover_the_truth_at_the_nominal_rate():
    """150 independent books; each 95 % Wald interval of the Poisson part must cover the true
    coefficient in a share inside the exact binomial 99.9 % band around 0.95 (n = 150)."""
    scenario = build(
        **{
            "population.segments.young.risk_level": 0.7,
            "population.segments.parents.risk_level": 1.4,
            "insurer.historical_book": {"n_policies": 8000, "years": 3},
            "insurer.products.accident.claim_frequency_per_year": 0.1,
        }
    )
    truth = {
        "Intercept": np.log(0.1 * 1.4),  # reference segment is 'parents' (first in sort order)
        "segment[T.young]": np.log(0.7 / 1.4),
        "age_years": 0.0,
        "city_tier": 0.0,
        "income_per_month": 0.0,
    }
    covered = {term: 0 for term in truth}
    n_books = 150
    root = RandomStreams(scenario.seed)
    for i in range(n_books):
        streams = root.replication(i)
        catalogue = build_catalogue(scenario.platform.catalogue, 8, streams)
        book = build_book(scenario, catalogue, streams)
        features = ["segment", "age_years", "city_tier", "income_per_month"]
        table = FreqSevGLMSpec().fit(book, features=features).coefficients().loc["frequency"]
        for term, value in truth.items():
            covered[term] += table.ci_low[term] <= value <= table.ci_high[term]
    low, high = stats.binom.ppf([0.0005, 0.9995], n_books, 0.95) / n_books
    for term, hits in covered.items():
        assert low <= hits / n_books <= high, (term, hits / n_books, (low, high))


def _selection_run(need_risk: float):
    scenario = build(
        **{
            "population.n_users": 50000,
            "population.correlations": {"need_risk": need_risk, "finance_interest_risk": 0.0},
            "insurer.purchase_model": {"need": 3.0},
            "insurer.products.accident": FAST_CLAIMS,
            "channels": GOOD_EMAIL,
            "experiment.duration_days": 120,
        }
    )
    cohort = xsim.run(scenario).risk["cohorts"][1]
    assert cohort["arm"] == "offer" and cohort["reported_claims"] > 300
    # cost A/E with Gamma severities (cv 0.3): sd ≈ sqrt((1 + cv²) / claims)
    se = np.sqrt((1 + 0.3**2) / cohort["reported_claims"])
    return cohort["actual_to_expected_raw"], se


@pytest.mark.slow
def test_adverse_selection_shows_as_cohort_actual_to_expected_above_the_book():
    """The model is fitted on the book (in-sample A/E = 1). With need↔risk 0.8 the offer
    cohort's A/E exceeds 1 by more than 3 se; with no correlation it stays within 3 se of 1."""
    ae, se = _selection_run(0.8)
    assert ae > 1 + 3 * se
    ae, se = _selection_run(0.0)
    assert abs(ae - 1) < 3 * se


def test_monitor_alerts_and_pauses_an_arm():
    scenario = build(
        **{
            "population.n_users": 20000,
            "insurer.products.accident": FAST_CLAIMS,
            "channels": GOOD_EMAIL,
            "insurer.risk.monitor": {
                "guardrail_loss_ratio": 0.5,
                "auto_pause": True,
                "min_policies": 20,
            },  # fmt: skip
        }
    )
    result = xsim.run(scenario)
    events = pd.read_parquet(result.events_path)
    events["kind"] = events.kind.astype(str)
    offer = list(scenario.arms).index("offer")
    pauses = events[(events.kind == "pause") & (events.arm == offer)]
    assert len(pauses) == 1
    assert (events.kind == "risk_alert").any()
    later = events[
        (events.kind == "policy")
        & (events.arm == offer)
        & (events.day > pauses.day.iloc[0])
        & (events.channel >= 0)  # the pause stops partnership offers, not organic sales
    ]
    assert later.empty  # no insurance sold by a paused arm
    assert result.risk["alerts"] and all(a["alert"] for a in result.risk["alerts"])


@pytest.mark.parametrize("mode", ["decline", "load"])
def test_underwriting_keeps_expected_loss_ratio_within_the_limit(mode):
    limit = 0.9
    scenario = build(
        **{
            "population.n_users": 8000,
            "insurer.products.accident": {**FAST_CLAIMS, "premium_per_year": 1150},
            "channels": GOOD_EMAIL,
            "insurer.risk": {"underwriting": mode, "max_expected_loss_ratio": limit},
        }
    )
    inputs, _ = prepare_world(scenario, RandomStreams(scenario.seed))
    result = xsim.run(scenario)
    events = pd.read_parquet(result.events_path)
    policies = events[(events.kind.astype(str) == "policy") & (events.channel >= 0)]  # underwritten
    predicted = inputs.expected_claim_cost[0, policies.user.to_numpy()]
    assert len(policies) > 50
    assert (predicted / policies.amount.to_numpy() <= limit + 1e-6).all()
    if mode == "decline":
        assert (events.kind.astype(str) == "declined").any()


def test_refits_with_partner_data_run():
    scenario = build(
        **{
            "insurer.products.accident": FAST_CLAIMS,
            "channels": GOOD_EMAIL,
            "insurer.risk": {"refit_every_days": 14, "platform_features": ["literacy_purchases"]},
        }
    )
    assert "cohorts" in xsim.run(scenario).risk


@pytest.mark.slow
def test_consented_platform_features_improve_held_out_deviance():
    """Finance learners are safer (finance_interest↔risk −0.7); literacy purchases reveal it.
    Fit on half of a year of platform policyholders, judge on the other half."""
    scenario = build(
        **{
            "population.n_users": 40000,
            "population.correlations": {"need_risk": 0.0, "finance_interest_risk": -0.7},
            "population.latent_risk_sigma": 0.8,
            "population.segments.young.data_sharing_consent": 0.7,
            "population.segments.parents.data_sharing_consent": 0.7,
            "insurer.products.accident": {
                **FAST_CLAIMS,
                "claim_frequency_per_year": 0.5,
                "initial_holders_share": 0.5,
                "lapse_probability_per_month": 0.0,
            },  # fmt: skip
            "experiment": {"warmup_days": 60, "duration_days": 305},
            "arms": {"control": {"weight": 1, "strategy": {"kind": "none"}}},
        }
    )
    inputs, _ = prepare_world(scenario, RandomStreams(scenario.seed))
    with tempfile.TemporaryDirectory() as folder:
        log = EventLog(Path(folder) / "events.parquet")
        engine = Engine(inputs, np.zeros(inputs.population.n_users, np.int16), log)
        engine.run()
        log.close()
    s = engine.state
    platform = {"literacy_purchases": s.literacy_purchases, "course_purchases": s.course_purchases,
                "engagement": s.engagement}  # fmt: skip
    table = platform_policy_table(
        scenario,
        inputs.population,
        engine.insurer.policies.table(),
        platform,
        scenario.horizon_days,
    )
    train, test = table[table.index % 2 == 0], table[table.index % 2 == 1]
    value = partner_data_value(
        FreqSevGLMSpec(), train, test,
        features=["segment", "age_years", "city_tier", "income_per_month"],
        platform_features=list(platform), consent="consent_data_sharing",
    )  # fmt: skip
    assert value.loc["difference", "poisson_deviance"] < 0
    assert value.loc["difference", "gini_frequency"] > 0
