"""Recommenders retrained inside the simulation: quality against true tastes, and leakage."""

import numpy as np
import pytest

import xsim
from tests.sim.builders import build
from xsim.schema.io import load_scenario


@pytest.mark.slow
def test_svd_beats_popularity_on_true_utility_ndcg():
    """scenarios/recommender.yaml: mean NDCG@10 over the weekly retrainings, scored against
    the simulated users' true utilities; the issue asks for at least +20 % relative."""
    ndcg = {}
    for kind in ("popularity", "svd"):
        overrides = {"analysis": {"truth": False}}
        if kind == "popularity":
            overrides["recommender"] = {"kind": "popularity"}
        result = xsim.run(load_scenario("scenarios/recommender.yaml", overrides))
        assert len(result.recommender) >= 10
        ndcg[kind] = np.mean([r["ndcg_at_10"] for r in result.recommender])
    assert ndcg["svd"] >= 1.2 * ndcg["popularity"], ndcg


def _control_purchases(pooling: str, bundle_active: bool) -> np.ndarray:
    strategy = (
        {
            "kind": "bundle_discount",
            "course_topic": "finance",
            "product": "accident",
            "course_discount": 0.6,
        }  # fmt: skip
        if bundle_active
        else {"kind": "none"}
    )
    scenario = build(
        **{
            # no word of mouth: the recommender is the only link between arms
            "population.social.mean_degree": 0,
            "recommender": {"kind": "popularity", "pooling": pooling, "retrain_every_days": 3},
            "arms": {
                "control": {"weight": 1, "strategy": {"kind": "none"}},
                "bundle": {"weight": 1, "strategy": strategy},
            },
        }
    )
    users = xsim.run(scenario).users
    return users.loc[users.arm == "control", "course_revenue"].to_numpy()


def test_pooled_retraining_leaks_treatment_into_control_slates():
    """Same seed, same people: switching the treatment arm's strategy on changes what control
    users buy when the recommender is pooled, and changes nothing when it is per arm."""
    pooled = _control_purchases("pooled", True), _control_purchases("pooled", False)
    per_arm = _control_purchases("per_arm", True), _control_purchases("per_arm", False)
    assert not np.array_equal(*pooled)
    assert np.array_equal(*per_arm)
