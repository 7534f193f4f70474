"""`xsim analyze` on data files: results, JSON output, and bad input as exit 2."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from xsim.commands.app import app

runner = CliRunner()


@pytest.fixture()
def pilot(tmp_path):
    rng = np.random.default_rng(3)
    n = 3000
    frame = pd.DataFrame(
        {
            "group": rng.choice(["control", "offer"], n),
            "bought": rng.random(n) < 0.1,
            "revenue": rng.gamma(2.0, 20.0, n),
            "revenue_pre": rng.gamma(2.0, 20.0, n),
            "city": rng.choice(["tier1", "tier2"], n),
        }
    )
    path = tmp_path / "pilot.csv.gz"
    frame.to_csv(path, index=False)
    return path


def _analyze(path, *extra):
    args = ["analyze", str(path), "--arm", "group", "--control", "control"]
    return runner.invoke(app, [*args, "--metric", "bought", "--metric", "revenue", *extra])


def test_analyze_prints_table_and_writes_json(pilot, tmp_path):
    out = tmp_path / "effects.json"
    result = _analyze(pilot, "--covariate", "revenue_pre", "--segment", "city", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "revenue" in result.output and "SRM check" in result.output
    document = json.loads(out.read_text())
    assert {row["segment"] for row in document["rows"]} == {None, "tier1", "tier2"}


def test_analyze_reads_parquet(pilot, tmp_path):
    path = tmp_path / "pilot.parquet"
    pd.read_csv(pilot).to_parquet(path)
    assert _analyze(path).exit_code == 0


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--metric", "nope"], "nope"),
        (["--alpha", "0.7"], "--alpha"),
        (["--correction", "bonferroni"], "--correction"),
        (["--guardrail", "revenue"], "--guardrail"),
    ],
)
def test_analyze_bad_arguments_exit_2(pilot, extra, fragment):
    result = _analyze(pilot, *extra)
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output


def test_analyze_unknown_control_and_missing_file(pilot, tmp_path):
    args = ["analyze", str(pilot), "--arm", "group", "--control", "nobody", "--metric", "bought"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "nobody" in result.output
    missing = runner.invoke(app, ["analyze", str(tmp_path / "x.csv"), "--arm", "a",
                                  "--control", "c", "--metric", "m"])  # fmt: skip
    assert missing.exit_code == 2


def test_analyze_states_the_kind_each_metric_was_read_as(pilot, tmp_path):
    out = tmp_path / "effects.json"
    extra = ["--metric", "revenue/revenue_pre", "--guardrail", "bought:mean:0.5"]
    result = _analyze(pilot, *extra, "--json", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert {(row["metric"], row["kind"], row["role"]) for row in document["rows"]} == {
        ("bought", "proportion", "primary"),  # guessed: a boolean column
        ("revenue", "mean", "primary"),
        ("revenue/revenue_pre", "ratio", "primary"),
        ("bought", "mean", "guardrail"),  # the kind given wins
    }
    kinds = "Metric kinds: bought proportion, revenue mean, revenue/revenue_pre ratio, bought mean"
    assert any(note.startswith(kinds) for note in document["notes"])


def test_analyze_reports_every_bad_metric_spec_at_once(pilot):
    result = _analyze(pilot, "--metric", "revenue:median", "--guardrail", "bought:total:0.1")
    assert result.exit_code == 2, result.output
    assert "metric 'revenue:median': unknown kind 'median'" in result.output
    assert "metric 'bought:total': unknown kind 'total'" in result.output
