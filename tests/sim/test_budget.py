"""Budgets are hard limits for every kind of spend, at the arm's share of a roll-out budget; a
fixed cost is booked at the arm's share, so estimate and twin-world truth cost the same per
user."""

import numpy as np
import pyarrow.parquet as pq
import pytest

import xsim
from tests.sim.builders import build

SPENDS = ("contact", "discount", "reward", "fixed_cost")


def _arm_spend(result, arm: str) -> dict[str, np.ndarray]:
    events = pq.read_table(result.events_path).to_pandas()
    code = list(result.scenario.arms).index(arm)
    mine = events[(events.arm == code) & events.kind.isin(SPENDS)]
    return {kind: mine.amount[mine.kind == kind].to_numpy() for kind in SPENDS}


@pytest.mark.parametrize(
    "strategy",
    [
        {"kind": "bundle_discount", "course_topic": "finance", "product": "accident",
         "course_discount": 0.5, "budget": 300.0},
        {"kind": "social_referral", "product": "accident", "reward_per_share": 5.0,
         "budget": 200.0},
        {"kind": "insurance_offer_to_buyers", "product": "accident", "channel": "email",
         "lookback_days": 30, "budget": 20.0},
    ],
    ids=lambda s: s["kind"],
)  # fmt: skip
def test_no_budget_is_exceeded_by_more_than_its_smallest_spend(strategy):
    scenario = build(**{
        "population.n_users": 3000,
        "arms": {"control": {"weight": 1, "strategy": {"kind": "none"}},
                 "treated": {"weight": 3, "strategy": strategy}},
    })  # fmt: skip
    result = xsim.run(scenario)
    spend = _arm_spend(result, "treated")
    total = sum(v.sum() for v in spend.values())
    share = (result.users.arm == "treated").mean()
    limit = strategy["budget"] * share
    smallest = min((v.min() for v in spend.values() if len(v)), default=0.0)
    assert total > 0.5 * limit  # the budget binds, so the test has something to check
    assert total <= limit + smallest


def test_a_fixed_cost_is_booked_at_the_arms_share():
    strategy = {"kind": "lecture_series", "channel": "email", "cost_per_lecture": 1000.0,
                "every_days": 30}  # fmt: skip
    scenario = build(**{
        "population.n_users": 2000,
        "arms": {"control": {"weight": 3, "strategy": {"kind": "none"}},
                 "lectures": {"weight": 1, "strategy": strategy}},
    })  # fmt: skip
    result = xsim.run(scenario)
    share = (result.users.arm == "lectures").mean()
    fixed = _arm_spend(result, "lectures")["fixed_cost"]
    assert len(fixed) >= 1
    assert fixed == pytest.approx(np.full(len(fixed), 1000.0 * share))
