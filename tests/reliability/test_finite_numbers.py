"""NaN and infinities are not numbers a scenario may hold: every float field refuses them, with
the field named, instead of turning into NaN columns or Infinity in the run folder's JSON."""

from __future__ import annotations

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

import xsim.estimators
import xsim.schema.io
import xsim.strategies
from tests.sim.builders import scenario_dict
from xsim.commands.app import app

runner = CliRunner()

FIELDS = {
    "population.segments.parents.insurance_need": "population.segments.parents.insurance_need",
    "population.segments.young.topic_affinity": "population.segments.young.topic_affinity.finance",
    "channels.email.cost_per_send": "channels.email.cost_per_send",
    "insurer.products.accident.severity.mean": "insurer.products.accident.severity.mean",
    "arms.bundle.strategy.discount": "arms.bundle.strategy.discount",
    "recommender": "recommender.weights.social",
}


def _value(dotted: str, number: float):
    if dotted.endswith("topic_affinity"):
        return {"finance": number}
    if dotted == "recommender":
        return {"kind": "svd", "weights": {"social": number}}
    return number


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("dotted", list(FIELDS))
def test_nan_and_infinities_are_refused_naming_the_field(dotted, number, tmp_path):
    path = tmp_path / "s.yaml"
    data = scenario_dict(**{"population.n_users": 500, dotted: _value(dotted, number)})
    path.write_text(yaml.safe_dump(data), encoding="utf-8")  # written as .nan / .inf / -.inf
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert f"{FIELDS[dotted]}: " in errors[0] and "finite number" in errors[0], errors[0]


def _models(base: type) -> list[type]:
    found, stack = [], [base]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("xsim."):
                found.append(sub)
    return found


def test_every_model_of_xsim_refuses_nan_and_infinities():
    assert xsim.schema.io and xsim.strategies and xsim.estimators  # every model is defined
    models = _models(BaseModel)
    assert len(models) > 30
    for model in models:
        assert model.model_config.get("allow_inf_nan") is False, model
    from xsim.estimators.effects import metrics

    specs = [c for c in vars(metrics).values() if hasattr(c, "__pydantic_config__")]
    assert specs
    for spec in specs:
        assert spec.__pydantic_config__.get("allow_inf_nan") is False, spec
