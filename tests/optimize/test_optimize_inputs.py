"""Bad optimisation settings fail before anything runs, one line per problem naming it."""

import pytest
import yaml
from typer.testing import CliRunner

from tests.optimize.builders import tiny_discount_dict, with_optimize
from tests.sim.builders import scenario_dict
from xsim.commands.app import app
from xsim.core.errors import InputError
from xsim.schema.objective import METHODS
from xsim.studies.evaluate import SearchSpace
from xsim.studies.optimize import resolve_settings
from xsim.studies.optimizers import METHOD_FUNCTIONS

runner = CliRunner()


def _problems(**optimize) -> list[str]:
    with pytest.raises(InputError) as info:
        with_optimize(**optimize)
    return info.value.problems


def test_a_non_numeric_field_is_named():
    problems = _problems(params={"arms.offer.strategy.colour": [0, 1]})
    assert problems == [
        "optimize.params.arms.offer.strategy.colour: not a numeric field of strategy "
        "'insurance_offer_to_buyers'"
    ]
    problems = _problems(params={"arms.offer.strategy.product": [0, 1]})
    assert "optimize.params.arms.offer.strategy.product: not a numeric" in problems[0]


def test_literal_and_bool_fields_are_not_tunable():
    # bundle_discount fixes every_days to 1; require_consent is a switch
    for field in ("every_days", "require_consent"):
        problems = _problems(params={f"arms.bundle.strategy.{field}": [0, 1]})
        assert problems[0].startswith(f"optimize.params.arms.bundle.strategy.{field}: not a")


def test_empty_and_out_of_bounds_ranges_are_named():
    problems = _problems(params={"arms.offer.strategy.discount": [0.5, 0.5]})
    assert problems == ["optimize.params.arms.offer.strategy.discount: empty range [0.5, 0.5] "
                        "(low must be below high)"]  # fmt: skip
    problems = _problems(params={"arms.offer.strategy.discount": [0.1, 0.95]})
    assert problems[0].startswith("optimize.params.arms.offer.strategy.discount: 0.95 is not")


def test_unknown_method_arm_and_control_are_named():
    problems = _problems(params={"arms.offer.strategy.discount": [0, 0.5]}, method="annealing")
    assert problems[0].startswith("optimize.method: unknown method 'annealing'")
    problems = _problems(params={"arms.nope.strategy.discount": [0, 0.5]})
    assert problems == ["optimize.params.arms.nope.strategy.discount: no arm named 'nope'"]
    problems = _problems(params={"arms.control.strategy.start_day": [0, 5]})
    assert any("control arm" in p for p in problems)


def test_methods_have_one_name_each():
    assert tuple(METHOD_FUNCTIONS) == METHODS
    known = ", ".join(METHODS)
    for name in ("nm", "de", "Nelder-Mead"):  # no aliases or other spellings
        problems = _problems(params={"arms.offer.strategy.discount": [0, 0.5]}, method=name)
        assert problems == [f"optimize.method: unknown method {name!r} (known: {known})"]


def test_bare_names_need_one_arm_and_params_must_share_it():
    problems = _problems(params={"discount": [0, 0.5]})  # offer and bundle both have it
    assert problems[0].startswith("optimize.params.discount: a bare field name needs")
    space = SearchSpace.from_scenario(with_optimize(params={"discount": [0, 0.5]}, arm="bundle"))
    assert (space.arm, space.fields) == ("bundle", ("discount",))
    problems = _problems(
        params={"arms.offer.strategy.discount": [0, 0.5], "arms.bundle.strategy.discount": [0, 1]}
    )
    assert any("must tune one arm" in p for p in problems)


def test_integer_fields_move_in_whole_steps():
    s = with_optimize(params={"arms.offer.strategy.lookback_days": [3, 60]})
    space = SearchSpace.from_scenario(s)
    assert space.to_values(space.to_unit({"lookback_days": 10}) + 0.004) == {"lookback_days": 10}
    assert isinstance(space.to_values(space.start_unit)["lookback_days"], int)


def test_overrides_are_validated_like_the_file():
    s = with_optimize(params={"arms.offer.strategy.discount": [0, 0.5]})
    with pytest.raises(InputError) as info:
        resolve_settings(s, method="simplex", budget_evals=0)
    text = "\n".join(info.value.problems)
    assert "optimize.budget_evals" in text


def test_cli_exits_2_naming_the_parameter(tmp_path):
    data = tiny_discount_dict(**{"optimize.params": {"arms.offer.strategy.colour": [0, 1]}})
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(app, ["optimize", str(path), "-q", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "optimize.params.arms.offer.strategy.colour: not a numeric field" in result.output
    assert not (tmp_path / "o").exists()


def test_cli_exits_2_on_unknown_method_and_missing_block(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(tiny_discount_dict()), encoding="utf-8")
    result = runner.invoke(app, ["optimize", str(path), "-q", "--method", "annealing"])
    assert result.exit_code == 2 and "optimize.method: unknown method 'annealing'" in result.output
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(scenario_dict()), encoding="utf-8")
    result = runner.invoke(app, ["optimize", str(plain), "-q"])
    assert result.exit_code == 2 and "optimize:" in result.output
