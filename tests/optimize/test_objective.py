"""P, F and M of a run: exact on a hand-made table, honest CIs, the claims bases, the JSON."""

import json
import math

import numpy as np
import pandas as pd
import pytest

import xsim
from tests.sim.builders import build
from xsim.analysis.objective import (
    evaluate_objective,
    exposure_years,
    metric_frame,
    nash_product,
    scores_from_means,
)
from xsim.schema.objective import OBJECTIVE_METRICS, ObjectiveSpec

TWO_ARMS = {
    "control": {"weight": 1, "strategy": {"kind": "none"}},
    "offer": {"weight": 1, "strategy": {"kind": "insurance_offer_to_buyers",
                                        "product": "accident", "lookback_days": 30}},
}  # fmt: skip


def _users(arm, revenue, churned, margin, premium=0.0, claims=0.0):
    n = len(revenue)
    zero = np.zeros(n)
    frame = {
        "arm": [arm] * n, "platform_net_revenue": revenue, "course_revenue": revenue,
        "course_conversion": zero, "visits": zero, "churned": churned,
        "engagement_final": zero, "commission": zero, "insurer_margin": margin,
        "claims_incurred": np.full(n, claims), "premium_earned": np.full(n, premium),
        "premium_written": np.full(n, premium), "policy_conversion": zero,
        "unsubscribed": zero, "true_risk": np.ones(n),
    }  # fmt: skip
    for column in ("contact_cost_platform", "contact_cost_insurer", "discount_platform",
                   "discount_insurer", "reward_platform", "reward_insurer",
                   "fixed_cost_platform", "fixed_cost_insurer"):  # fmt: skip
        frame[column] = zero
    return pd.DataFrame(frame)


def _hand_made():
    users = pd.concat([_users("control", [10.0, 20.0], [0, 1], [0.0, 0.0]),
                       _users("offer", [16.0, 20.0], [0, 0], [3.0, 3.0], premium=10.0,
                              claims=4.0)])  # fmt: skip
    return build(arms=TWO_ARMS, **{"objective.claims_basis": "incurred"}), users


def test_scores_match_the_definitions_exactly():
    scenario, users = _hand_made()
    result = evaluate_objective(scenario, users)
    offer, control = result.arm("offer"), result.arm("control")
    # P = 0.7 * 18/15 + 0.3 * 1.0/0.5; F = 1 + (3 - 0) / 15 (control revenue is the scale)
    assert offer.scores["P"].value == pytest.approx(1.44)
    assert offer.scores["F"].value == pytest.approx(1.2)
    assert offer.scores["M"].value == pytest.approx(1.728)
    assert offer.scores["nash"].value == pytest.approx(0.44 * 0.2)
    assert offer.value.value == offer.scores["M"].value
    assert {k: e.value for k, e in control.scores.items()} == {"P": 1, "F": 1, "M": 1, "nash": 0}
    assert control.scores["M"].low == control.scores["M"].high == 1.0


def test_constraints_are_checked_and_reported():
    scenario, users = _hand_made()
    limits = {"max_loss_ratio": 0.3, "max_spend": 10.0, "max_unsubscribe_rate": 0.1}
    scenario = build(arms=TWO_ARMS, **{"objective.claims_basis": "incurred",
                                       "objective.constraints": limits})  # fmt: skip
    offer = evaluate_objective(scenario, users).arm("offer")
    assert offer.constraints["loss_ratio"] == {"value": 0.4, "limit": 0.3, "ok": False}
    assert offer.constraints["spend"]["ok"] and not offer.feasible
    control = evaluate_objective(scenario, users).arm("control")
    assert math.isnan(control.constraints["loss_ratio"]["value"])  # nothing sold: passes
    assert control.feasible


def test_nash_product_is_the_product_where_both_gain_and_negative_elsewhere():
    spec = ObjectiveSpec()
    assert nash_product(1.2, 1.1, spec) == pytest.approx(0.2 * 0.1)
    assert nash_product(1.3, 0.9, spec) < 0 and nash_product(0.9, 0.8, spec) < 0
    for f in (0.9, 1.1):  # continuous across the axis P = P0
        left, right = nash_product(1 - 1e-9, f, spec), nash_product(1 + 1e-9, f, spec)
        assert left == pytest.approx(right, abs=1e-6)


def test_a_non_positive_scale_gives_undefined_scores_and_a_note():
    changes = {"objective.claims_basis": "incurred",
               "objective.insurer": {"insurer_margin_per_user": {}}}  # fmt: skip
    scenario = build(arms=TWO_ARMS, **changes)
    _, users = _hand_made()
    result = evaluate_objective(scenario, users)
    assert math.isnan(result.arm("offer").scores["F"].value)
    assert any("scale" in note for note in result.notes)


def test_delta_method_se_agrees_with_a_bootstrap_over_users():
    rng = np.random.Generator(np.random.PCG64(5))
    n = 4000
    control = _users("control", rng.gamma(2, 5, n), rng.random(n) < 0.3, np.zeros(n))
    offer = _users("offer", rng.gamma(2, 5.5, n), rng.random(n) < 0.25, rng.normal(1, 4, n))
    scenario = build(arms=TWO_ARMS, **{"objective.claims_basis": "incurred"})
    users = pd.concat([control, offer])
    se = evaluate_objective(scenario, users).arm("offer").scores["M"].se
    spec = scenario.objective
    names = ["platform_net_revenue_per_user", "retention", "risk_adjusted_margin_per_user"]
    xs = [metric_frame(g, g.claims_incurred.to_numpy())[names].to_numpy() for g in (offer, control)]
    boot = []
    for _ in range(300):
        a, c = (x[rng.integers(0, len(x), len(x))].mean(axis=0) for x in xs)
        means = dict(zip(names, a, strict=True)), dict(zip(names, c, strict=True))
        boot.append(scores_from_means(spec, *means)[2])
    assert se == pytest.approx(np.std(boot), rel=0.15)


def test_every_named_metric_is_implemented():
    _, users = _hand_made()
    assert set(metric_frame(users, np.zeros(len(users))).columns) == set(OBJECTIVE_METRICS)


@pytest.fixture(scope="module")
def run_result():
    offer = {**TWO_ARMS["offer"]["strategy"], "channel": "email", "discount": 0.0}
    arms = {"control": TWO_ARMS["control"], "offer": {"weight": 1, "strategy": offer}}
    return xsim.run(build(arms=arms, **{"population.n_users": 3000}))


def test_exposure_matches_earned_premium(run_result):
    import pyarrow.parquet as pq

    events = pq.read_table(run_result.events_path)
    exposure = exposure_years(run_result.scenario, events, len(run_result.users))
    premium = exposure[0] * 120.0  # one product, no discount
    assert premium.sum() > 0
    assert np.allclose(premium, run_result.users.premium_earned, atol=1e-6)


def test_every_run_reports_the_objective(run_result, tmp_path):
    result = run_result.objective
    assert result.claims_basis == "expected" and result.control == "control"
    assert result.baseline["label"].startswith("rough baseline")
    document = json.loads(result.to_json())
    assert [a["arm"] for a in document["arms"]] == ["control", "offer"]
    offer = result.arm("offer")
    assert offer.scores["M"].low <= offer.scores["M"].value <= offer.scores["M"].high
    frame = result.to_frame()
    assert {"P", "F", "M", "M_low", "M_high", "feasible"} <= set(frame.columns)
