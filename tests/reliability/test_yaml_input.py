"""Scenario YAML that would silently change meaning or exhaust the machine is refused with one
line and exit 2: duplicate keys, files over 5 MB, deep nesting and alias bombs."""

from __future__ import annotations

import time

import pytest
import yaml
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from xsim.commands.app import app
from xsim.core.errors import InputError
from xsim.core.yamlio import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, load_yaml
from xsim.schema.io import parse_scenario

runner = CliRunner()


def _validate(tmp_path, text: str):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    result = runner.invoke(app, ["validate", str(path)])
    assert time.monotonic() - started < 10, "the refusal must be quick"
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def _scenario_text() -> str:
    return yaml.safe_dump(scenario_dict(**{"population.n_users": 500}), sort_keys=False)


def test_a_second_top_level_block_is_refused_naming_the_key_and_line(tmp_path):
    text = _scenario_text()
    text += "arms:\n  control:\n    weight: 1\n    strategy: {kind: none}\n"
    line = text.count("\n") - 3  # the second `arms:` line
    assert f"arms: duplicate key (line {line})" in _validate(tmp_path, text)


def test_a_duplicate_nested_key_is_refused_with_its_path():
    text = "a:\n  b:\n    - c: 1\n      d: 2\n      c: 3\n"
    with pytest.raises(InputError, match=r"a\.b\.0\.c: duplicate key \(line 5\)"):
        load_yaml(text)


def test_merge_keys_may_be_overridden_and_aliases_read_as_before():
    assert load_yaml("x: &x {a: 1, b: 2}\ny:\n  <<: *x\n  a: 5\n") == {
        "x": {"a": 1, "b": 2},
        "y": {"a": 5, "b": 2},
    }


def test_the_example_scenario_reads_as_with_safe_load():
    text = _scenario_text()
    assert load_yaml(text) == yaml.safe_load(text)
    parse_scenario(text)


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    text = _scenario_text() + "# " + "x" * MAX_BYTES + "\n"
    assert "larger than 5 MB" in _validate(tmp_path, text)


def test_nesting_deeper_than_the_limit_is_refused(tmp_path):
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert f"nested deeper than {MAX_DEPTH} levels" in _validate(tmp_path, f"a: {deep}\n")
    load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH)  # at the limit: fine
    assert f"deeper than {MAX_DEPTH}" in _validate(tmp_path, "[" * 5000 + "]" * 5000 + "\n")


def test_an_alias_bomb_is_refused_quickly(tmp_path):
    levels = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    for i in range(1, 9):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    assert f"more than {MAX_ALIASES} aliases" in _validate(tmp_path, "\n".join(levels) + "\n")


def test_many_plain_aliases_are_refused_and_a_few_are_fine():
    many = "x: &x 1\ny: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(InputError, match=f"more than {MAX_ALIASES} aliases"):
        load_yaml(many)
    assert load_yaml("x: &x 1\ny: [" + ", ".join(["*x"] * MAX_ALIASES) + "]\n")["y"][0] == 1


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(InputError, match="refers to a node that contains it"):
        load_yaml("a: &a [1, *a]\n")
