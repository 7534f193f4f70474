"""The returned optimum never breaks a constraint, whatever the method."""

import math

import pytest
import yaml
from typer.testing import CliRunner

from tests.optimize.builders import tiny_discount_dict
from xsim.commands.app import app
from xsim.schema.io import scenario_from_dict
from xsim.schema.objective import METHODS
from xsim.studies.evaluate import Evaluator
from xsim.studies.optimize import optimize

MAX_LOSS_RATIO = 0.5  # binds: the unconstrained optimum discount sells at a higher loss ratio


@pytest.fixture(scope="module")
def constrained():
    data = tiny_discount_dict(**{
        "objective.constraints": {"max_loss_ratio": MAX_LOSS_RATIO},
        "optimize.params": {"discount": {"low": 0.0, "high": 0.6, "step": 0.1}},
        "optimize.final_replications": 2,
    })  # fmt: skip
    scenario = scenario_from_dict(data)
    with Evaluator(scenario) as evaluator:
        yield scenario, evaluator


@pytest.mark.parametrize("method", METHODS)
def test_returned_optimum_meets_every_constraint(constrained, method):
    scenario, evaluator = constrained
    result = optimize(scenario, evaluator, method=method, budget_evals=6, replications_per_eval=1)
    assert result.best is not None
    for c in result.best.constraints.values():  # on fresh replications
        assert c["value"] <= c["limit"] or math.isnan(c["value"])
    chosen = next(c for c in result.history if c.values == result.best.values)
    assert chosen.feasible  # and on the search replications
    assert chosen.constraints["loss_ratio"]["value"] <= MAX_LOSS_RATIO
    for rejected in result.rejected:
        assert not rejected.feasible


def test_no_feasible_candidate_returns_no_optimum_and_exits_1(tmp_path):
    data = tiny_discount_dict(**{
        "objective.constraints": {"max_loss_ratio": 0.05},
        "optimize.params": {"discount": {"low": 0.0, "high": 0.6, "step": 0.2}},
        "optimize.final_replications": 2,
    })  # fmt: skip
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "o"
    args = ["optimize", str(path), "--method", "grid", "--budget", "4", "--replications", "1",
            "--out", str(out), "-q"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "no candidate met every constraint" in result.output
    assert (out / "optimization.json").is_file()  # the search is still on record
