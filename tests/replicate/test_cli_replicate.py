"""`xsim run --replications`, `xsim calibrate` and `xsim power` from the command line."""

import json

import yaml
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from xsim.commands.app import app

runner = CliRunner()


def _scenario(tmp_path, **changes):
    base = {"population.n_users": 600, "experiment.warmup_days": 7,
            "experiment.duration_days": 14}  # fmt: skip
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(**{**base, **changes}), sort_keys=False))
    return path


def test_run_with_replications_writes_their_summary(tmp_path):
    out = tmp_path / "run"
    args = ["run", str(_scenario(tmp_path)), "--out", str(out), "--replications", "2",
            "--workers", "1", "-q", "--no-pdf"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    document = json.loads((out / "replications.json").read_text())
    assert document["settings"]["replications"] == 2
    assert (out / "replications.csv").is_file() and (out / "manifest.json").is_file()
    assert "2 replications" in result.output


def test_calibrate_writes_its_folder(tmp_path):
    out = tmp_path / "cal"
    args = ["calibrate", str(_scenario(tmp_path)), "--out", str(out), "--replications", "2",
            "--workers", "1", "-q", "--no-pdf"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"calibration.json", "aa_replications.csv", "ab_replications.csv"} <= names
    assert {"manifest.json", "users.parquet", "effects.json"} <= names  # a run folder
    assert "A/A false-positive rate" in result.output


def test_power_writes_curve_table_and_plot(tmp_path):
    out = tmp_path / "power"
    args = ["power", str(_scenario(tmp_path)), "--metric", "course_conversion", "--users",
            "300,600", "--days", "7,14", "--replications", "2", "--workers", "1", "--out",
            str(out), "-q", "--no-pdf"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    document = json.loads((out / "power.json").read_text())
    assert len(document["points"]) == 2 * 2 * 2  # users x days x treatment arms
    assert (out / "power.png").stat().st_size > 1000 and (out / "power.csv").is_file()


def test_bad_options_exit_2_without_a_folder(tmp_path):
    out = tmp_path / "power"
    base = ["power", str(_scenario(tmp_path)), "--out", str(out), "--workers", "1"]
    for extra in (["--metric", "course_conversion", "--users", "a,b"],
                  ["--metric", "no_such_metric"]):  # fmt: skip
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 2, result.output
        assert not out.exists()
    args = ["calibrate", str(_scenario(tmp_path)), "--aa-arm", "nope", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "--aa-arm" in result.output
    assert not out.exists()
