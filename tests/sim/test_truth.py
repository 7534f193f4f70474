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


def _overall(result) -> list[dict]:
    return [r for r in result.effects.to_dicts() if r["segment"] is None and r["diff"] is not None]


def test_without_interaction_every_miss_is_sampling():
    """No friendships, no word of mouth, a recommender trained once: each member behaves in
    the experiment exactly as in its own twin world, so the interference part is zero (to
    rounding: differences of means of the same numbers) and the whole gap is sampling."""
    from tests.replicate.scenarios import no_interference

    result = xsim.run(no_interference(**{"analysis.truth": True}))
    rows = _overall(result)
    assert rows
    for r in rows:
        scale = max(abs(r["diff"]), abs(r["true_diff"]), 1.0)
        assert abs(r["interference"]) <= 1e-9 * scale, r["metric"]
        gap = r["diff"] - r["true_diff"]
        assert abs(r["interference"] + r["sampling"] - gap) <= 1e-9 * scale, r["metric"]


def test_word_of_mouth_shows_as_interference():
    """With friendships and word of mouth across arms, members' outcomes depend on who else is
    treated: the experiment differs from the members' own twins on visits."""
    scenario = build(**{"analysis.truth": True, "population.social.mean_degree": 8,
                        "platform.word_of_mouth_visit_effect": 0.5})  # fmt: skip
    rows = _overall(xsim.run(scenario))
    assert any(abs(r["interference"]) > 1e-6 for r in rows)
    for r in rows:  # the split always adds up to the gap
        gap = r["diff"] - r["true_diff"]
        assert abs(r["interference"] + r["sampling"] - gap) <= 1e-9 * max(abs(gap), 1.0)
