"""P, F and M of a run: exact on a hand-made table, honest CIs, truth beside them, the JSON."""

import json
import math

import numpy as np
import pandas as pd
import pytest

import xsim
from tests.sim.builders import build
from xsim.analysis.decision import decide
from xsim.analysis.objective import SCORES, evaluate_objective, nash_product, scores_from_means
from xsim.schema.objective import ObjectiveSpec

TWO_ARMS = {
    "control": {"weight": 1, "strategy": {"kind": "none"}},
    "offer": {"weight": 1, "strategy": {"kind": "insurance_offer_to_buyers",
                                        "product": "accident", "lookback_days": 30}},
}  # fmt: skip
SPEND = ("contact_cost_platform", "contact_cost_insurer", "discount_platform",
         "discount_insurer", "reward_platform", "reward_insurer", "fixed_cost_platform",
         "fixed_cost_insurer", "policies_partnership", "policies_organic")  # fmt: skip


def _users(arm, platform, insurer, premium=0.0, claims=0.0, churned=None):
    n = len(platform)
    zero = np.zeros(n)
    frame = {
        "arm": [arm] * n, "platform_value": platform, "insurer_value": insurer,
        "premium_earned": np.full(n, premium), "premium_written": np.full(n, premium),
        "claims_expected": np.full(n, claims), "unsubscribed": zero,
        "churned": zero if churned is None else churned,
    }  # fmt: skip
    return pd.DataFrame(frame | {column: zero for column in SPEND})


def _hand_made():
    users = pd.concat(
        [
            _users("control", [10.0, 20.0], [2.0, 4.0]),
            _users("offer", [16.0, 20.0], [5.0, 4.0], premium=10.0, claims=4.0),
        ]
    )
    return build(arms=TWO_ARMS), users


def test_scores_match_the_definitions_exactly():
    scenario, users = _hand_made()
    offer = evaluate_objective(scenario, users).arm("offer")
    # P = 18 / 15, F = 4.5 / 3; gains are per user, in money
    expected = {"P": 1.2, "F": 1.5, "M": 1.8, "nash": 0.2 * 0.5, "joint_surplus": 4.5,
                "platform_gain": 3.0, "insurer_gain": 1.5}  # fmt: skip
    assert {k: offer.scores[k].value for k in SCORES} == pytest.approx(expected)
    assert offer.value.value == offer.scores["M"].value
    control = evaluate_objective(scenario, users).arm("control")
    assert control.scores["M"].low == control.scores["M"].high == 1.0
    assert control.scores["joint_surplus"].value == 0.0


def test_decide_on_picks_the_reported_value():
    scenario, users = _hand_made()
    scenario = build(arms=TWO_ARMS, **{"objective.decide_on": "joint_surplus"})
    offer = evaluate_objective(scenario, users).arm("offer")
    assert offer.value == offer.scores["joint_surplus"]


def test_constraints_are_checked_and_reported():
    _, users = _hand_made()
    limits = {"max_loss_ratio": 0.3, "max_spend": 10.0, "max_unsubscribe_rate": 0.1}
    scenario = build(arms=TWO_ARMS, **{"objective.constraints": limits})
    offer = evaluate_objective(scenario, users).arm("offer")
    assert offer.constraints["loss_ratio"] == {"value": 0.4, "limit": 0.3, "ok": False}
    assert offer.constraints["spend"]["ok"] and not offer.feasible
    control = evaluate_objective(scenario, users).arm("control")
    assert math.isnan(control.constraints["loss_ratio"]["value"])  # nothing sold: passes
    assert control.feasible
    decision = decide(evaluate_objective(scenario, users), "M")
    assert decision.recommended is None
    assert decision.notes == ["offer: loss ratio 0.4 > 0.3"]


def test_nash_product_is_the_product_where_both_gain_and_negative_elsewhere():
    spec = ObjectiveSpec()
    assert nash_product(1.2, 1.1, spec) == pytest.approx(0.2 * 0.1)
    assert nash_product(1.3, 0.9, spec) < 0 and nash_product(0.9, 0.8, spec) < 0
    for f in (0.9, 1.1):  # continuous across the axis P = P0
        left, right = nash_product(1 - 1e-9, f, spec), nash_product(1 + 1e-9, f, spec)
        assert left == pytest.approx(right, abs=1e-6)


def test_a_non_positive_control_value_gives_undefined_ratios_and_a_note():
    scenario, users = _hand_made()
    users.loc[users.arm == "control", "insurer_value"] = -1.0
    result = evaluate_objective(scenario, users)
    assert math.isnan(result.arm("offer").scores["F"].value)
    assert not math.isnan(result.arm("offer").scores["joint_surplus"].value)
    assert any("insurer's value" in note for note in result.notes)


def test_delta_method_se_agrees_with_a_bootstrap_over_users():
    rng = np.random.Generator(np.random.PCG64(5))
    n = 4000
    control = _users("control", rng.gamma(2, 5, n), rng.normal(3, 4, n))
    offer = _users("offer", rng.gamma(2, 5.5, n), rng.normal(3.5, 4, n))
    scenario = build(arms=TWO_ARMS)
    se = evaluate_objective(scenario, pd.concat([control, offer])).arm("offer").scores["M"].se
    xs = [g[["platform_value", "insurer_value"]].to_numpy() for g in (offer, control)]
    boot = []
    for _ in range(300):
        a, c = (x[rng.integers(0, len(x), len(x))].mean(axis=0) for x in xs)
        boot.append(scores_from_means(scenario.objective, a, c)[2])
    assert se == pytest.approx(np.std(boot), rel=0.15)  # 300 draws: SD known to about 5 %


@pytest.fixture(scope="module")
def run_result():
    offer = {**TWO_ARMS["offer"]["strategy"], "channel": "email", "discount": 0.0}
    arms = {"control": TWO_ARMS["control"], "offer": {"weight": 1, "strategy": offer}}
    # a profitable product, so the insurer's control value is positive and F is defined
    changes = {"population.n_users": 3000, "analysis.truth": True,
               "insurer.products.accident.claim_frequency_per_year": 0.02}  # fmt: skip
    return xsim.run(build(arms=arms, **changes))


def test_every_run_reports_the_objective_with_its_truth(run_result):
    result = run_result.objective
    assert result.claims_basis == "model" and result.control == "control"
    assert result.valuation == {"years": 1.0, "discount_rate": 0.05}
    document = json.loads(result.to_json())
    assert [a["arm"] for a in document["arms"]] == ["control", "offer"]
    offer = result.arm("offer")
    assert offer.scores["M"].low <= offer.scores["M"].value <= offer.scores["M"].high
    assert set(offer.truth) == set(SCORES)  # twin worlds give every score's truth
    frame = result.to_frame()
    assert {"P", "F", "M", "M_low", "M_high", "M_true", "feasible"} <= set(frame.columns)


def test_the_decision_is_the_objectives(run_result):
    decision = run_result.decision
    offer = run_result.objective.arm("offer")
    assert decision.decide_on == "M"
    verdict = decision.arms[0]
    assert (verdict.value, verdict.low, verdict.high) == (
        offer.scores["M"].value,
        offer.scores["M"].low,
        offer.scores["M"].high,
    )
    assert (decision.recommended == "offer") == (offer.feasible and offer.scores["M"].low > 1)


def test_decide_on_names_a_score_and_the_decision_knows_each():
    from xsim.analysis.decision import BASELINES, LABELS
    from xsim.analysis.objective import SCORE_BASELINES
    from xsim.core.errors import InputError
    from xsim.schema.objective import DECISION_SCORES

    assert set(DECISION_SCORES) == set(SCORES) == set(BASELINES) == set(LABELS)
    assert BASELINES is SCORE_BASELINES
    with pytest.raises(InputError, match="objective.decide_on: unknown score or metric 'nope'"):
        build(**{"objective.decide_on": "nope"})


def test_a_decision_on_a_metric_follows_its_effect_row(run_result):
    """decide_on a metric: the verdict is the metric's raw overall difference from control,
    with its CI and twin-world truth; the statement names the metric."""
    rows = run_result.effects.to_dicts()
    decision = decide(run_result.objective, "policy_conversion", rows)
    row = next(r for r in rows if r["metric"] == "policy_conversion" and r["arm"] == "offer"
               and r["segment"] is None and not r["cuped"])  # fmt: skip
    verdict = decision.arms[0]
    assert (verdict.value, verdict.low, verdict.high, verdict.truth) == (
        row["diff"],
        row["diff_ci_low"],
        row["diff_ci_high"],
        row["true_diff"],
    )
    assert "difference in policy_conversion per user" in decision.statement
    assert (decision.recommended == "offer") == (row["diff_ci_low"] > 0)


def test_an_undecided_run_says_the_smallest_change_it_could_detect():
    """Offer below control on M: the statement gives (z_0.975 + z_0.8)·SE of the decision score,
    the change this pilot would detect with 80 % power."""
    from statistics import NormalDist

    scenario, users = _hand_made()
    users.loc[users.arm == "offer", ["platform_value", "insurer_value"]] = [[9.0, 3.0], [11.0, 3.5]]
    objective = evaluate_objective(scenario, users)
    decision = decide(objective, "M")
    m = objective.arm("offer").scores["M"]
    assert decision.recommended is None and m.value < 1
    mde = (NormalDist().inv_cdf(0.975) + NormalDist().inv_cdf(0.8)) * m.se
    assert f"smaller than ±{mde:,.4g} cannot be told from none (80% power)" in decision.statement
