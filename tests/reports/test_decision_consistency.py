"""The default scenario's decision says the same thing in decision.json, objective.json, the
console and the PDF's first pages (a smaller population, same scenario otherwise)."""

import json
import re
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from xsim.commands.app import app

ROOT = Path(__file__).resolve().parents[2]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("default")
    data = yaml.safe_load((ROOT / "scenarios" / "partnership.yaml").read_text(encoding="utf-8"))
    data["population"]["n_users"] = 20_000
    scenario = folder / "partnership.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = folder / "run"
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out), "--quiet"],
                                env={"COLUMNS": "80"})  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


def test_decision_is_the_same_everywhere(default_run):
    out, console = default_run
    decision = json.loads((out / "decision.json").read_text(encoding="utf-8"))
    objective = json.loads((out / "objective.json").read_text(encoding="utf-8"))
    assert decision["decide_on"] == objective["decide_on"] == "M"
    scored = {a["arm"]: a["scores"]["M"] for a in objective["arms"]}
    for verdict in decision["arms"]:
        assert verdict["value"] == scored[verdict["arm"]]["value"]
        assert verdict["low"] == scored[verdict["arm"]]["low"]
        clears = scored[verdict["arm"]]["low"] > 1
        assert verdict["clears_control"] == clears
    winners = [v["arm"] for v in decision["arms"] if v["clears_control"] and v["feasible"]]
    assert (decision["recommended"] is None) == (not winners)
    statement = _squeeze(decision["statement"])
    assert statement in _squeeze(console)
    pages = PdfReader(out / "report.pdf").pages
    first = _squeeze(" ".join(page.extract_text() for page in pages[:3]))
    assert statement in first
