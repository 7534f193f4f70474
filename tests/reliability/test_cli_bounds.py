"""Every CLI number is bounded like the scenario's own fields, and work that would take hours
is refused without --yes: one line naming the option, exit 2, nothing run or written."""

import pytest
import yaml
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from xsim.commands.app import app
from xsim.pipeline.cost import LIMIT_USER_DAYS

runner = CliRunner()


@pytest.fixture(scope="module")
def three_arms(tmp_path_factory):
    path = tmp_path_factory.mktemp("bounds") / "three.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(**{"population.n_users": 200})), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    path = tmp_path_factory.mktemp("bounds") / "big.yaml"
    data = scenario_dict(**{"population.n_users": 1_000_000, "analysis.truth": False,
                            "experiment.duration_days": 365})  # fmt: skip
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("args", "expected"), [
    (["calibrate", "{s}", "--replications", "0"], "--replications"),
    (["power", "{s}", "--metric", "course_conversion", "--users", "1,2"],
     "--users: 1 leaves an arm with fewer than 2 users"),
    (["power", "{s}", "--metric", "course_conversion", "--days", "100000"],
     "--days: 100,000 is above the scenario's limit 3,650"),
    (["power", "{s}", "--metric", "course_conversion", "--users", "100000000000"],
     "--users: 100,000,000,000 is above the scenario's limit 50,000,000"),
    (["calibrate", "{s}", "--look-every-days", "1000000000"], "--look-every-days"),
    (["compare", "{s}", "--set", "seed=" + ",".join(map(str, range(40))),
      "--set", "population.n_users=" + ",".join(map(str, range(100, 130)))], "1,200 variants"),
])  # fmt: skip
def test_out_of_range_numbers_are_refused(three_arms, tmp_path, args, expected):
    argv = [a.format(s=three_arms) for a in args] + ["--out", str(tmp_path / "out")]
    if args[0] == "compare":
        argv = argv[:-2]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert expected in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_hours_of_work_need_yes(big, tmp_path):
    """1M users x (28 + 365) days x 60 replications is far past the limit: refused, naming
    --yes; the cost guard runs before any folder is made."""
    result = runner.invoke(app, ["run", big, "--replications", "60", "--out",
                                 str(tmp_path / "run"), "--no-pdf"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "simulated user-days" in result.output and "--yes" in result.output
    assert not (tmp_path / "run").exists()
    assert LIMIT_USER_DAYS < 1_000_000 * (28 + 365) * 61


def test_an_unreachable_scheduler_is_one_line(three_arms, tmp_path):
    args = ["run", three_arms, "--replications", "2", "--scheduler", "not a url",
            "--out", str(tmp_path / "r"), "--no-pdf", "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--scheduler: 'not a url' is not an address" in result.output
    assert not (tmp_path / "r").exists()
