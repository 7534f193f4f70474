"""Each strategy's scenario moves its intended metric the intended way against `none`.

Design: twin worlds of the strategy's own scenario file — the same users with the same random
numbers, once with every user under the strategy and once under `none` — compared user by user.
Tolerance: the paired z statistic mean(d) / (sd(d) / sqrt(n)) must exceed 3 in the intended
direction, so a seed-fixed result that only drifts by chance (|z| < 3, two-sided 0.3 %) fails.
"""

from pathlib import Path

import numpy as np
import pytest

from xsim.analysis.truth import twin_world_users
from xsim.core.rng import RandomStreams
from xsim.pipeline.runner import prepare_world
from xsim.schema.io import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "strategies"

# kind -> [(outcome column, +1 if the strategy should raise it, -1 if lower it)]
MECHANISMS = {
    "insurance_offer_to_buyers": [("policy_conversion", +1)],
    "bundle_discount": [("policy_conversion", +1), ("course_conversion", +1)],
    "co_branded_course": [("policy_conversion", +1), ("awareness_final", +1)],
    "lecture_series": [("awareness_final", +1), ("policy_conversion", +1)],
    "in_app_insurance_slot": [("policy_conversion", +1), ("awareness_final", +1)],
    "social_referral": [("shares", +1), ("visits", +1)],
    "claims_service_content": [("trust_final", +1), ("lapses", -1)],
    "targeted_offer": [("policy_conversion", +1)],
}


def paired_z(treated: np.ndarray, control: np.ndarray) -> float:
    diff = treated.astype(float) - control.astype(float)
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    return float(diff.mean() / se) if se > 0 else float(np.sign(diff.mean()) * np.inf)


@pytest.fixture(scope="module", params=sorted(MECHANISMS))
def twins(request):
    scenario = load_scenario(SCENARIOS / f"{request.param}.yaml")
    inputs, _ = prepare_world(scenario, RandomStreams(scenario.seed))
    treated_arm = next(i for i, a in enumerate(scenario.arms.values()) if a.strategy.kind != "none")
    control_arm = list(scenario.arms).index(scenario.control_arm)
    return (
        request.param,
        twin_world_users(inputs, treated_arm),
        twin_world_users(inputs, control_arm),
    )


def test_strategy_moves_its_metric(twins):
    kind, treated, control = twins
    for column, direction in MECHANISMS[kind]:
        z = paired_z(treated[column].to_numpy(), control[column].to_numpy())
        assert direction * z > 3, f"{kind}: {column} paired z = {z:.2f}"


def test_every_strategy_kind_has_a_scenario_and_a_mechanism():
    from xsim.strategies import STRATEGY_KINDS

    kinds = set(STRATEGY_KINDS) - {"none"}
    assert kinds == set(MECHANISMS)
    assert kinds == {p.stem for p in SCENARIOS.glob("*.yaml")}
