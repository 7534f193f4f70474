"""Resume: a multi-replication run interrupted part-way, then resumed, writes the same bytes as
an uninterrupted run; checkpoints never look like a run and vanish once the run is complete."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.replicate.scenarios import tiny
from xsim.commands.app import app
from xsim.pipeline.checkpoint import Checkpoint, partial_folder
from xsim.pipeline.executors import SerialExecutor
from xsim.schema.io import scenario_to_yaml
from xsim.studies.replicate import ReplicationPlan, run_replications

XSIM = [sys.executable, "-c", "from xsim.commands.app import main; main()"]
REPLICATIONS = 12
COMPARED = ("effects.csv", "replications.csv", "replications.json", "summary.csv", "truth.json")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("resume") / "tiny.yaml"
    path.write_text(scenario_to_yaml(tiny(**{"analysis.truth": True})))
    return path


def _xsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*XSIM, *args], capture_output=True, text=True, timeout=600)


def _run_args(scenario: Path, out: Path) -> list[str]:
    return ["run", str(scenario), "--out", str(out), "--replications", str(REPLICATIONS),
            "--workers", "1", "--no-pdf", "-q"]  # fmt: skip


def _interrupt_after_some_replications(scenario: Path, out: Path) -> subprocess.Popen:
    process = subprocess.Popen([*XSIM, *_run_args(scenario, out)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 300
    while len(list(partial_folder(out).glob("rep-*.json"))) < 3:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    return process


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path, scenario_file):
    whole = tmp_path / "whole"
    done = _xsim(*_run_args(scenario_file, whole))
    assert done.returncode == 0, done.stderr
    assert not partial_folder(whole).exists()  # checkpoints go once the run is complete

    resumed = tmp_path / "resumed"
    process = _interrupt_after_some_replications(scenario_file, resumed)
    assert process.returncode == 130
    kept = sorted(partial_folder(resumed).glob("rep-*.json"))
    assert 3 <= len(kept) < REPLICATIONS
    assert not resumed.exists() and not (partial_folder(resumed) / "manifest.json").exists()

    again = _xsim("run", "--resume", str(resumed), "--workers", "2", "--no-pdf", "-q")
    assert again.returncode == 0, again.stderr
    for name in COMPARED:
        assert (resumed / name).read_bytes() == (whole / name).read_bytes(), name
    assert not partial_folder(resumed).exists()


def test_library_resume_reruns_only_what_is_missing(tmp_path):
    plan = ReplicationPlan(tiny())
    whole = run_replications(plan, 4)
    checkpoint = Checkpoint(tmp_path / "run").start(plan.scenario, {"replications": 4,
                                                                    "raw_ids": False})  # fmt: skip
    for record in whole.records[1:3]:
        checkpoint.save(record)
    ran = []

    class Recording(SerialExecutor):
        def map(self, fn, shared, tasks, progress=None, on_result=None):
            ran.extend(tasks)
            return super().map(fn, shared, tasks, progress, on_result)

    resumed = run_replications(plan, 4, Recording(), checkpoint=checkpoint)
    assert ran == [0, 3]
    assert resumed.records == whole.records
    assert sorted(checkpoint.records()) == [0, 1, 2, 3]


def test_resume_refuses_what_it_cannot_continue(tmp_path, scenario_file):
    runner = CliRunner()
    missing = runner.invoke(app, ["run", "--resume", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "no interrupted run" in missing.output
    mixed = runner.invoke(app, ["run", str(scenario_file), "--resume", str(tmp_path / "x")])
    assert mixed.exit_code == 2 and "SCENARIO" in mixed.output
    neither = runner.invoke(app, ["run"])
    assert neither.exit_code == 2 and "SCENARIO" in neither.output


def test_a_waiting_checkpoint_is_not_overwritten(tmp_path, scenario_file):
    out = tmp_path / "run"
    Checkpoint(out).start(tiny(), {"replications": 3, "raw_ids": False})
    result = CliRunner().invoke(app, _run_args(scenario_file, out))
    assert result.exit_code == 2 and "--resume" in result.output
    assert partial_folder(out).exists() and not out.exists()


def test_an_edited_checkpoint_scenario_is_refused(tmp_path):
    out = tmp_path / "run"
    checkpoint = Checkpoint(out).start(tiny(), {"replications": 3, "raw_ids": False})
    text = (checkpoint.folder / "scenario.yaml").read_text()
    data = yaml.safe_load(text)
    data["seed"] = data["seed"] + 1
    (checkpoint.folder / "scenario.yaml").write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", "--resume", str(out)])
    assert result.exit_code == 2 and "changed" in result.output


def test_resume_honours_no_pdf(tmp_path, scenario_file, monkeypatch):
    """The options of the interrupted run, --no-pdf included, hold for the resumed one."""
    import xsim.commands.app

    out = tmp_path / "run"
    write_run = xsim.commands.app.write_run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # after the replications: all of them are checkpointed

    monkeypatch.setattr(xsim.commands.app, "write_run", interrupted)
    args = ["run", str(scenario_file), "--out", str(out), "--replications", "2", "--workers",
            "1", "--no-pdf", "-q"]  # fmt: skip
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 130 and not out.exists()
    stored = json.loads((partial_folder(out) / "resume.json").read_text())
    assert stored["no_pdf"] is True and stored["raw_ids"] is False
    _assert_no_user_data(partial_folder(out))
    monkeypatch.setattr(xsim.commands.app, "write_run", write_run)
    again = CliRunner().invoke(app, ["run", "--resume", str(out), "-q"])
    assert again.exit_code == 0, again.output
    assert (out / "manifest.json").is_file() and not (out / "report.pdf").exists()


def _assert_no_user_data(folder: Path) -> None:
    """What an interrupted run leaves to resume from holds no per-user rows or ids."""
    names = sorted(p.name for p in folder.iterdir())
    assert names[-2:] == ["resume.json", "scenario.yaml"]
    assert names[:-2] and all(n.startswith("rep-") and n.endswith(".json") for n in names[:-2])
    for name in names[:-2]:
        keys = _keys(json.loads((folder / name).read_text()))
        assert not [k for k in keys if "user" in k], name


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()
