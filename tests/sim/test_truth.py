"""Twin-world ground truth: common random numbers make identical arms identical worlds."""

import json

import numpy as np

import xsim
from tests.sim.builders import build


def test_identical_arms_have_exactly_zero_true_effect():
    scenario = build(
        **{
            "arms": {
                "a": {"weight": 1, "strategy": {"kind": "none"}},
                "b": {"weight": 1, "strategy": {"kind": "none"}},
            },
            "analysis.guardrails": [],
            "analysis.truth": True,
        }
    )
    result = xsim.run(scenario)
    truth = result.effects.truth
    for metric, value in truth.means["a"].items():
        assert truth.means["b"][metric] == value or np.isnan(value), metric
    rows = result.effects.to_dicts()
    assert rows and all(r["true_diff"] == 0 for r in rows if r["true_diff"] is not None)


def test_truth_sits_beside_every_overall_estimate(tmp_path):
    result = xsim.run(build(**{"analysis.truth": True}))
    rows = [r for r in result.effects.to_dicts() if r["segment"] is None]
    policy = [r for r in rows if r["metric"] == "policy_conversion"]
    assert policy and all(r["true_diff"] > 0 for r in policy)  # offers sell policies
    assert all(r["true_diff"] is not None for r in rows)
    document = json.loads(result.effects.to_json())
    assert document["truth"]["control"] == "control"
    assert set(document["truth"]["effects"]) == {"offer", "bundle"}


def test_truth_is_skipped_above_the_size_limit():
    result = xsim.run(build(**{"analysis.truth_max_users": 100}))
    assert result.effects.truth is None
    assert any("No ground truth" in note for note in result.effects.notes)
