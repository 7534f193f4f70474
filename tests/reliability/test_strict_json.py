"""Every JSON file xsim writes is strict JSON: a NaN or infinite value is written as null, never
as the invalid tokens NaN / Infinity that other readers refuse."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from xsim.commands.app import app
from xsim.core.jsonio import dumps, finite

runner = CliRunner()


def _refuse(token: str):
    raise AssertionError(f"invalid JSON token {token}")


def strict_load(text: str):
    return json.loads(text, parse_constant=_refuse)


def test_dumps_writes_null_for_every_non_finite_number():
    value = {
        "a": math.nan,
        "b": [1.5, math.inf, (-math.inf, np.float64("nan"))],
        "c": np.array([1.0, np.nan, np.inf]),
        "d": {np.int64(3): np.float32(0.5), "e": np.bool_(True), "f": np.int64(7)},
    }
    assert strict_load(dumps(value)) == {
        "a": None,
        "b": [1.5, None, [None, None]],
        "c": [1.0, None, None],
        "d": {"3": 0.5, "e": True, "f": 7},
    }
    assert dumps({"x": object()}, default=lambda o: math.nan) == '{"x": null}'


def test_finite_numbers_are_written_as_before():
    value = {"x": [0.1, 2, 1e-300, 12345.678, None, "s", True], "y": np.float64(0.1)}
    assert dumps(value, indent=2) == json.dumps({**value, "y": 0.1}, indent=2)
    assert finite((1, 2)) == [1, 2]


def _scenario(tmp_path):
    data = scenario_dict(
        **{
            "population.n_users": 600,
            "experiment.warmup_days": 7,
            "experiment.duration_days": 14,
            "analysis.truth": True,
        }  # fmt: skip
    )
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _assert_strict_folder(folder):
    files = sorted(folder.glob("*.json"))
    assert files
    for path in files:
        strict_load(path.read_text(encoding="utf-8"))
    return {p.name for p in files}


@pytest.mark.parametrize("replications", [None, "2"])
def test_every_json_file_of_a_run_folder_is_strict(tmp_path, replications):
    """A control arm sells no policy, so its loss ratio and several risk figures are NaN."""
    out = tmp_path / "run"
    args = ["run", str(_scenario(tmp_path)), "--out", str(out), "-q", "--no-pdf"]
    if replications:
        args += ["--replications", replications, "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    names = _assert_strict_folder(out)
    assert {"effects.json", "truth.json", "risk.json", "manifest.json"} <= names
    assert replications is None or "replications.json" in names
    assert "null" in (out / "risk.json").read_text(encoding="utf-8")
