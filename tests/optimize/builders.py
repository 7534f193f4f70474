"""Small scenarios for the objective and the optimiser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.sim.builders import scenario_dict, with_changes
from xsim.schema.io import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
DISCOUNT_SCENARIO = ROOT / "scenarios" / "optimize_discount.yaml"
COURSE_VOUCHER_SCENARIO = ROOT / "scenarios" / "optimize_course_voucher.yaml"


def discount_scenario(**overrides: Any):
    """The one-parameter known-optimum scenario of scenarios/optimize_discount.yaml."""
    return load_scenario(DISCOUNT_SCENARIO, overrides)


def course_voucher_scenario(**overrides: Any):
    """The two-parameter known-optimum scenario of scenarios/optimize_course_voucher.yaml."""
    return load_scenario(COURSE_VOUCHER_SCENARIO, overrides)


def tiny_discount_dict(**changes: Any) -> dict[str, Any]:
    """A cheaper cut of the discount scenario for CLI and constraint tests (~0.1 s a run)."""
    data = yaml.safe_load(DISCOUNT_SCENARIO.read_text(encoding="utf-8"))
    data["population"]["n_users"] = 3000
    data["experiment"] = {"warmup_days": 2, "duration_days": 10}
    data["arms"]["offer"]["weight"] = 1  # a large control keeps its revenue per user, the scale
    # of F, away from 0 even in a short run
    return with_changes(data, changes)


def with_optimize(**optimize: Any):
    """The test scenario of tests/sim with an `optimize:` block (validated)."""
    data = scenario_dict()
    data["optimize"] = optimize
    return scenario_from_dict(data)
