"""`xsim analyze` design options: direction, intended split, primary metric, yes/no outcomes,
monitoring, segments and arm-vs-arm comparisons; and their bad input as exit 2, one line per
problem naming the option, no traceback."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from xsim.commands.app import app

runner = CliRunner()


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    """A deliberate 90/10 split; the offer raises unsubscribes from 2 % to 3 % (+50 %)."""
    rng = np.random.default_rng(8)
    n = 40_000
    group = np.where(rng.random(n) < 0.9, "control", "offer")
    offer = group == "offer"
    frame = pd.DataFrame(
        {
            "group": group,
            "bought": np.where(rng.random(n) < np.where(offer, 0.12, 0.10), "Yes", "No"),
            "unsubscribed": (rng.random(n) < np.where(offer, 0.03, 0.02)).astype(int),
            "opened": np.where(rng.random(n) < 0.3, "true", "false"),
            "revenue": rng.gamma(2.0, 20.0, n),
            "day": rng.integers(1, 15, n),
            "city": rng.choice(["tier1", "tier2", "tier3"], n),
        }
    )
    path = tmp_path_factory.mktemp("pilot") / "pilot.csv"
    frame.to_csv(path, index=False)
    return path


def _run(path, *extra, metrics=("bought",)):
    args = ["analyze", str(path), "--arm", "group", "--control", "control"]
    for metric in metrics:
        args += ["--metric", metric]
    return runner.invoke(app, [*args, *extra])


def _json(path, tmp_path, *extra, **kwargs):
    """The --json document, parsed strictly: a NaN or Infinity token fails the test."""
    out = tmp_path / "out.json"
    result = _run(path, *extra, "--json", str(out), **kwargs)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(), parse_constant=_not_json)


def _not_json(token):
    raise AssertionError(f"{token} is not JSON")


def _guard(document):
    (row,) = [r for r in document["rows"] if r["role"] == "guardrail"]
    return row


def test_lower_is_better_turns_a_rise_in_unsubscribes_into_a_breach(pilot, tmp_path):
    naive = _guard(_json(pilot, tmp_path, "--guardrail", "unsubscribed:0.05"))
    assert naive["verdict"] == "holds"  # read as higher-is-better, a rise looks fine
    flagged = _json(pilot, tmp_path, "--guardrail", "unsubscribed:0.05",
                    "--lower-is-better", "unsubscribed")  # fmt: skip
    assert _guard(flagged)["verdict"] == "breached"
    assert flagged["settings"]["lower_is_better"] == ["unsubscribed"]
    inline = _guard(_json(pilot, tmp_path, "--guardrail", "unsubscribed:0.05:lower"))
    assert inline["verdict"] == "breached" and inline["noninferior"] is False


def test_weights_state_the_intended_split(pilot, tmp_path):
    assert "SAMPLE RATIO MISMATCH" in _run(pilot).output
    document = _json(pilot, tmp_path, "--weights", "control=9,offer=1")
    assert document["srm"]["mismatch"] is False
    assert document["srm"]["expected"]["offer"] == pytest.approx(0.1 * 40_000)
    repeated = _json(pilot, tmp_path, "--weights", "control=0.9", "--weights", "offer=0.1")
    assert repeated["srm"]["p_value"] == pytest.approx(document["srm"]["p_value"])


def test_yes_no_and_true_false_columns_are_proportions(pilot, tmp_path):
    document = _json(pilot, tmp_path, metrics=("bought", "opened"))
    kinds = {r["metric"]: r["kind"] for r in document["rows"]}
    assert kinds == {"bought": "proportion", "opened": "proportion"}
    bought = next(r for r in document["rows"] if r["metric"] == "bought")
    assert 0.09 < bought["mean_control"] < 0.11 and bought["verdict"] == "significant"


def test_primary_metric_is_a_family_of_its_own(pilot, tmp_path):
    document = _json(pilot, tmp_path, "--primary", "bought", metrics=("bought", "revenue"))
    assert document["settings"]["primary"] == "bought"
    bought = next(r for r in document["rows"] if r["metric"] == "bought")
    assert bought["p_adjusted"] == pytest.approx(bought["p_value"])  # one arm: nothing to adjust
    assert any("the primary metric bought is a family of its own" in n for n in document["notes"])


def test_sequential_monitoring_with_a_planned_size(pilot, tmp_path):
    extra = ("--sequential", "obf", "--planned-n", "40000", "--time", "day")
    result = _run(pilot, *extra)
    assert result.exit_code == 0, result.output
    assert "Monitoring bought / offer (obf, planned n = 40000, 14 looks)" in result.output
    document = _json(pilot, tmp_path, *extra)
    (monitored,) = document["monitoring"]
    assert monitored["looks"][-1]["info_fraction"] == 1.0
    msprt = _json(pilot, tmp_path, "--sequential", "msprt", "--time", "day")
    assert msprt["monitoring"][0]["group_sequential_stop_day"] is None


def test_segments_get_an_interaction_test(pilot, tmp_path):
    document = _json(pilot, tmp_path, "--segment", "city", metrics=("bought", "revenue"))
    assert {t["metric"] for t in document["interactions"]} == {"bought", "revenue"}
    assert all(t["df"] == 2 for t in document["interactions"])
    assert any(n.startswith("Treatment x segment interaction") for n in document["notes"])
    assert any("3 segments x 2 = 6 tests" in n for n in document["notes"])


def test_arm_vs_arm_comparison(tmp_path):
    rng = np.random.default_rng(9)
    n = 6000
    frame = pd.DataFrame({"group": rng.choice(["control", "a", "b"], n),
                          "bought": rng.binomial(1, 0.1, n)})  # fmt: skip
    path = tmp_path / "three.csv"
    frame.to_csv(path, index=False)
    document = _json(path, tmp_path, "--compare", "a:b")
    pairs = {(r["control"], r["arm"]) for r in document["rows"]}
    assert pairs == {("control", "a"), ("control", "b"), ("a", "b")}
    assert "3 comparisons = 3 tests" in document["notes"][1]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--lower-is-better", "nope"], ["--lower-is-better 'nope': not a metric or guardrail"]),
        (["--weights", "control=x"], ["--weights 'control=x': the weight must be a positive"]),
        (["--weights", "control=-1,offer=1"], ["--weights 'control=-1': the weight must be"]),
        (["--weights", "control=0,offer=0"],
         ["--weights 'control=0': the weight", "--weights 'offer=0': the weight"]),
        (["--weights", ","], ["--weights: the weights must sum to a positive number"]),
        (["--weights", "control=1"], ["--weights: no weight for arm 'offer'"]),
        (["--weights", "control"], ["--weights 'control': write ARM=WEIGHT"]),
        (["--primary", "revenue"], ["--primary 'revenue': not one of the metrics (bought)"]),
        (["--compare", "control:ghost"], ["--compare 'control:ghost': arm 'ghost' not in"]),
        (["--compare", "offer"], ["--compare 'offer': write REFERENCE_ARM:ARM"]),
        (["--sequential", "obf"], ["--planned-n: --sequential obf needs the planned total"]),
        (["--sequential", "bayes"], ["--sequential: unknown 'bayes'"]),
        (["--planned-n", "100"], ["--planned-n: only used with --sequential"]),
        (["--sequential", "pocock", "--planned-n", "0"], ["--planned-n: must be a positive"]),
        (["--guardrail", "unsubscribed:0.1:sideways"], ["--guardrail 'unsubscribed:0.1:sideways'"]),
        (["--sequential", "msprt", "--time", "week"], ["column 'week': not found"]),
    ],
)  # fmt: skip
def test_bad_design_options_exit_2_one_line_each(pilot, extra, expected):
    result = _run(pilot, *extra)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == len(expected), result.output
    for line, fragment in zip(errors, expected, strict=True):
        assert line.startswith(f"error: {fragment}"), line
