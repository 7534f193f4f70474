"""Small scenarios for the replication tests (sizes chosen so each replication takes ~0.1 s)."""

from __future__ import annotations

from typing import Any

from tests.sim.builders import build
from xsim.schema.scenario import Scenario

TWO_ARMS = {
    "control": {"weight": 1, "strategy": {"kind": "none"}},
    "offer": {
        "weight": 1,
        "strategy": {"kind": "insurance_offer_to_buyers", "product": "accident"},
    },
}


def tiny(**changes: Any) -> Scenario:
    """1,500 users x (7 + 14) days, two arms, truth off: for plumbing tests."""
    base = {
        "population.n_users": 1500,
        "experiment.warmup_days": 7,
        "experiment.duration_days": 14,
        "arms": TWO_ARMS,
    }
    return build(**{**base, **changes})


def aa(**changes: Any) -> Scenario:
    """An A/A test (both arms 'none') analysed on course metrics: 2,000 users x (7 + 28) days.
    The recommender is trained once (identical arms leave nothing for retraining to leak, and
    each retraining costs a fixed share of a small run)."""
    base = {
        "recommender": {"kind": "popularity", "retrain_every_days": 3650},
        "population.n_users": 2000,
        "experiment.warmup_days": 7,
        "experiment.duration_days": 28,
        "arms": {
            "control": {"weight": 1, "strategy": {"kind": "none"}},
            "copy": {"weight": 1, "strategy": {"kind": "none"}},
        },
        "analysis.metrics": ["course_conversion", "course_revenue"],
        "analysis.primary": "course_conversion",
        "analysis.guardrails": [],
    }
    return build(**{**base, **changes})


def no_interference(**changes: Any) -> Scenario:
    """Where the analytic power formula's assumptions hold: no friendships (no word of mouth),
    a recommender trained once before the experiment (no pooled leak), and a co-branded course
    pinned in the treated arm's slates that lifts course conversion well above ~3 %."""
    base = {
        "population.social.mean_degree": 0,
        "platform.word_of_mouth_visit_effect": 0.0,
        "recommender": {"kind": "popularity", "retrain_every_days": 3650},
        "experiment.warmup_days": 7,
        "experiment.duration_days": 14,
        "arms": {
            "control": {"weight": 1, "strategy": {"kind": "none"}},
            "cobrand": {
                "weight": 1,
                "strategy": {
                    "kind": "co_branded_course",
                    "product": "accident",
                    "price": 19.0,
                    "quality": 1.5,
                },
            },
        },
        "analysis.guardrails": [],
    }
    return build(**{**base, **changes})
