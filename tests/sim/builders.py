"""Small scenarios for fast tests: a dict to tweak, then `build`."""

from __future__ import annotations

import copy
from typing import Any

from xsim.schema.io import scenario_from_dict
from xsim.schema.scenario import Scenario

BASE: dict[str, Any] = {
    "name": "test scenario",
    "seed": 7,
    "population": {
        "n_users": 4000,
        "segments": {
            "young": {"weight": 0.6, "visit_probability_per_day": 0.12, "email_opt_in": 0.9},
            "parents": {"weight": 0.4, "insurance_need": 0.5, "email_opt_in": 0.9},
        },
        "social": {"mean_degree": 6, "homophily": 0.6},
    },
    "platform": {
        "catalogue": {"n_courses": 60, "topics": ["finance", "career", "health"]},
        "no_purchase_utility": 6.0,  # a busier shop than the default: more events per test
    },
    "insurer": {
        "products": {
            "accident": {
                "premium_per_year": 120,
                "claim_frequency_per_year": 0.05,
                "severity": {"mean": 3000, "cv": 1.5},
            }
        },
        "historical_book": {"n_policies": 5000, "years": 3},
    },
    "experiment": {"warmup_days": 14, "duration_days": 45},
    "analysis": {"truth": False},  # twin worlds triple run time; tests that need them opt in
    "arms": {
        "control": {"weight": 1, "strategy": {"kind": "none"}},
        "offer": {
            "weight": 1,
            "strategy": {
                "kind": "insurance_offer_to_buyers",
                "product": "accident",
                "lookback_days": 30,
            },
        },
        "bundle": {
            "weight": 1,
            "strategy": {
                "kind": "bundle_discount",
                "course_topic": "finance",
                "product": "accident",
            },
        },
    },
}


def scenario_dict(**changes: Any) -> dict[str, Any]:
    """A deep copy of `BASE` with dotted-path changes, e.g. ``**{"population.n_users": 10}``."""
    return with_changes(BASE, changes)


def with_changes(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with each dotted path set (missing maps are created)."""
    data = copy.deepcopy(data)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return data


def build(**changes: Any) -> Scenario:
    return scenario_from_dict(scenario_dict(**changes))
