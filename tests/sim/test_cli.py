"""The command line: help everywhere, exit codes, one line per problem, nothing half-written."""

import json

import pytest
import typer
import yaml
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from xsim.commands.app import app

runner = CliRunner()


def _write(tmp_path, data, name="s.yaml"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def _small(**changes):
    base = {"population.n_users": 500, "experiment.duration_days": 10, "analysis.truth": True}
    return scenario_dict(**{**base, **changes})


def _command_paths(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _command_paths(command, (*prefix, name))


def test_every_command_has_help():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    paths = list(_command_paths(typer.main.get_command(app)))
    names = {" ".join(p) for p in paths}
    assert {"run", "validate", "schema", "init", "analyze", "list strategies"} <= names
    for path in paths:
        sub = runner.invoke(app, [*path, "--help"])
        assert sub.exit_code == 0, path
        assert "Usage" in sub.output


def test_list_strategies_names_every_kind():
    from xsim.strategies import STRATEGY_KINDS

    result = runner.invoke(app, ["list", "strategies"])
    assert result.exit_code == 0
    for kind in STRATEGY_KINDS:
        assert kind in result.output


def test_run_writes_a_complete_run_folder(tmp_path):
    out = tmp_path / "runs" / "first"
    result = runner.invoke(app, ["run", str(_write(tmp_path, _small())), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    expected = {"manifest.json", "scenario.yaml", "events.parquet", "users.parquet",
                "daily.parquet", "book.parquet", "summary.csv", "effects.csv", "effects.json",
                "truth.json"}  # fmt: skip
    assert expected <= {p.name for p in out.iterdir()}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["n_users"] == 500
    assert "course_conversion" in result.output
    assert [p.name for p in out.parent.iterdir()] == ["first"]  # no temporary sibling left


def test_run_refuses_existing_out_folder(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    result = runner.invoke(app, ["run", str(_write(tmp_path, _small())), "--out", str(out)])
    assert result.exit_code == 2
    assert "--out" in result.output
    assert (out / "keep.txt").read_text() == "precious"


def test_init_writes_a_valid_example(tmp_path):
    path = tmp_path / "example.yaml"
    assert runner.invoke(app, ["init", str(path)]).exit_code == 0
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["init", str(path)]).exit_code == 2  # no silent overwrite


def test_schema_is_json_schema():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert "population" in schema["properties"]


BAD_INPUTS = {
    "invalid yaml": ("name: [unclosed\nseed: 1\n", ["invalid YAML", "line"]),
    "unknown key": (_small(colour="blue"), ["colour: unknown field"]),
    "wrong type": (_small(**{"population.n_users": "many"}), ["population.n_users"]),
    "negative users": (
        _small(**{"population.n_users": -5}),
        ["population.n_users", "greater than 0"],
    ),
    "weight not positive": (_small(**{"arms.offer.weight": 0}), ["arms.offer.weight"]),
    "unknown strategy kind": (
        _small(**{"arms.offer.strategy": {"kind": "teleport"}}),
        ["arms.offer.strategy.kind", "teleport"],
    ),
    "unknown product": (
        _small(**{"arms.offer.strategy.product": "life"}),
        ["arms.offer.strategy.product", "unknown product 'life'"],
    ),
    "unknown channel": (
        _small(**{"arms.offer.strategy.channel": "fax"}),
        ["arms.offer.strategy.channel", "unknown channel 'fax'"],
    ),
    "empty file": ("   \n", ["empty"]),
    "duration 0": (_small(**{"experiment.duration_days": 0}), ["experiment.duration_days"]),
    "probability above 1": (
        _small(**{"population.segments.young.email_opt_in": 1.5}),
        ["population.segments.young.email_opt_in", "less than or equal to 1"],
    ),
    "catalogue empty": (
        _small(**{"platform.catalogue.n_courses": 0}),
        ["platform.catalogue.n_courses"],
    ),
    "no topics": (_small(**{"platform.catalogue.topics": []}), ["platform.catalogue.topics"]),
    "end before start": (
        _small(**{"arms.offer.strategy.start_day": 5, "arms.offer.strategy.end_day": 3}),
        ["arms.offer.strategy", "end_day"],
    ),
    "budget not positive": (
        _small(**{"arms.offer.strategy.budget": 0}),
        ["arms.offer.strategy.budget", "greater than 0"],
    ),
    "unknown strategy parameter": (
        _small(**{"arms.offer.strategy.colour": "red"}),
        ["arms.offer.strategy.colour: unknown field"],
    ),
    "unknown risk model kind": (
        _small(**{"insurer.risk": {"model": {"kind": "crystal_ball"}}}),
        ["insurer.risk.model.kind", "crystal_ball"],
    ),
    "unknown risk feature": (
        _small(**{"insurer.risk": {"features": ["shoe_size"]}}),
        ["insurer.risk.features.0"],
    ),
    "recommender rank too large": (
        _small(**{"recommender": {"kind": "svd", "rank": 60}}),
        ["recommender.rank", "must be < number of courses (60)"],
    ),
    "negative recommender weight": (
        _small(**{"recommender": {"kind": "svd", "weights": {"social": -1}}}),
        ["recommender.weights.social"],
    ),
    "unknown recommender kind": (
        _small(**{"recommender": {"kind": "oracle"}}),
        ["recommender.kind", "oracle"],
    ),
    "top level list": ("- a\n- b\n", ["top level must be a mapping"]),
    "missing strategy kind": (
        _small(**{"arms.offer.strategy": {"product": "accident"}}),
        ["arms.offer.strategy.kind", "missing"],
    ),  # fmt: skip
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_named_field(case, tmp_path):
    content, expected = BAD_INPUTS[case]
    path = _write(tmp_path, content)
    out = tmp_path / "runs" / "x"
    for command in (["validate", str(path)], ["run", str(path), "--out", str(out)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (case, result.output)
        assert "Traceback" not in result.output
        lines = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert lines, result.output
        for fragment in expected:
            assert fragment in result.output, (case, fragment, result.output)
    assert not (tmp_path / "runs").exists()  # nothing written, not even a temporary folder


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_several_problems_are_reported_one_per_line(tmp_path):
    data = _small(**{"population.n_users": -1, "experiment.duration_days": 0, "extra": 1})
    result = runner.invoke(app, ["validate", str(_write(tmp_path, data))])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 3


def test_scenario_too_large_for_memory_is_refused_with_the_estimate(tmp_path):
    path = _write(tmp_path, _small(**{"population.n_users": 50_000_000}))
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "runs" / "x")])
    assert result.exit_code == 2
    assert "population.n_users" in result.output and "GiB" in result.output
    assert not (tmp_path / "runs").exists()
