"""Calibration by replication of each firm's value and the objective: on the default scenario
without word of mouth (small, so it runs in minutes), with a lecture series and a budgeted
targeted offer beside the default offer, the 95 % CIs of the insurer's value gain, the joint
surplus and M cover their twin-world truth at a rate inside the binomial 99.9 % band around
95 % (200 replications: 0.95 ± 3.29·sqrt(0.95·0.05/200), i.e. at least 0.899)."""

from pathlib import Path

import pytest
import yaml

import xsim
from xsim.pipeline.executors import LocalPoolExecutor
from xsim.studies.calibrate import ab_scenario
from xsim.studies.replicate import ReplicationPlan, run_replications

ROOT = Path(__file__).resolve().parents[2]
REPLICATIONS = 200
LOWEST = 0.95 - 3.29 * (0.95 * 0.05 / REPLICATIONS) ** 0.5


def _scenario():
    data = yaml.safe_load((ROOT / "scenarios" / "partnership.yaml").read_text(encoding="utf-8"))
    data["population"]["n_users"] = 1500
    data["population"]["social"] = {"mean_degree": 0, "homophily": 0.7}  # no word of mouth
    data["insurer"]["historical_book"] = {"n_policies": 5000, "years": 3}
    data["experiment"] = {"warmup_days": 14, "duration_days": 30}
    data["arms"] = {
        "control": {"weight": 1, "strategy": {"kind": "none"}},
        "offer": data["arms"]["offer"],
        "lectures": {"weight": 1, "strategy": {"kind": "lecture_series", "channel": "email",
                                               "product": "accident", "cost_per_lecture": 500.0,
                                               "every_days": 14}},
        "targeted": {"weight": 1, "strategy": {"kind": "targeted_offer", "product": "medical",
                                               "channel": "email", "budget": 30.0,
                                               "max_contacts_per_call": 400}},
    }  # fmt: skip
    data["analysis"] = {"metrics": ["platform_value", "insurer_value"], "covariates": {},
                        "primary": "insurer_value", "guardrails": []}  # fmt: skip
    return xsim.parse_scenario(yaml.safe_dump(data))


@pytest.mark.slow
def test_value_and_objective_intervals_cover_their_truth():
    plan = ReplicationPlan(ab_scenario(_scenario()), objective=True)
    summary = run_replications(plan, REPLICATIONS, LocalPoolExecutor(2)).summary_frame()
    checked = summary[summary.metric.isin(["insurer_value", "objective:joint_surplus",
                                           "objective:M"])]  # fmt: skip
    assert len(checked) == 9  # three arms x three quantities
    low = checked[checked.coverage < LOWEST]
    assert low.empty, low[["metric", "arm", "coverage", "bias", "sd_estimate", "mean_se"]]
