"""`xsim optimize` and `xsim compare` end to end on tiny scenarios."""

import json

import pandas as pd
import yaml
from typer.testing import CliRunner

from tests.optimize.builders import tiny_discount_dict
from xsim.commands.app import app

runner = CliRunner()


def _write(tmp_path, data, name):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_optimize_writes_result_json_and_convergence_plot(tmp_path):
    data = tiny_discount_dict(**{"optimize.params": {"discount": {"low": 0, "high": 0.6,
                                                                  "step": 0.05}}})  # fmt: skip
    path = _write(tmp_path, data, "opt.yaml")
    out = tmp_path / "opt"
    args = ["optimize", str(path), "--method", "grid", "--budget", "6", "--replications", "1",
            "--final-replications", "2", "--out", str(out), "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {"optimization.json", "convergence.png", "scenario.yaml", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }
    document = json.loads((out / "optimization.json").read_text())
    assert document["method"] == "grid" and len(document["evaluations"]) <= 6
    best = document["best"]
    assert set(best["params"]) == {"arms.offer.strategy.discount"}
    assert best["M"]["low"] <= best["M"]["mean"] <= best["M"]["high"]
    assert best["replications"] == [1, 2]  # fresh: the search used replication 0 only
    assert document["pareto_front"] and document["summary_lines"]
    assert "Best S: discount" in result.output and "rough baseline" in result.output.lower()


def test_compare_two_scenarios_prints_and_writes_p_f_m_with_cis(tmp_path):
    a = _write(tmp_path, tiny_discount_dict(), "low.yaml")
    b = _write(tmp_path, tiny_discount_dict(**{"arms.offer.strategy.discount": 0.4}), "high.yaml")
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", str(a), str(b), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    for text in ("low", "high", "P [CI]", "F [CI]", "M [CI]", "rough baseline"):
        assert text in result.output
    table = pd.read_csv(out / "compare.csv")
    offers = table[table.arm == "offer"]
    assert list(offers.variant) == ["low", "high"]
    for name in ("P", "F", "M"):
        assert (offers[f"{name}_low"] <= offers[name]).all()
        assert (offers[name] <= offers[f"{name}_high"]).all()
    assert json.loads((out / "compare.json").read_text())["rows"]
    assert (out / "compare.png").stat().st_size > 0


def test_compare_sweeps_a_parameter_with_replications(tmp_path):
    path = _write(tmp_path, tiny_discount_dict(), "s.yaml")
    out = tmp_path / "sweep"
    args = ["compare", str(path), "--set", "arms.offer.strategy.discount=0.1,0.5",
            "--replications", "2", "--out", str(out), "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "compare.csv")
    offers = table[table.arm == "offer"]
    assert sorted(offers["set:arms.offer.strategy.discount"]) == [0.1, 0.5]
    assert (offers.replications == 2).all()


def test_compare_rejects_bad_sets_and_names_the_field(tmp_path):
    path = _write(tmp_path, tiny_discount_dict(), "s.yaml")
    result = runner.invoke(app, ["compare", str(path), "--set", "nonsense"])
    assert result.exit_code == 2 and "--set 'nonsense'" in result.output
    result = runner.invoke(app, ["compare", str(path), "--set", "arms.offer.strategy.discount=2"])
    assert result.exit_code == 2 and "arms.offer.strategy.discount" in result.output
