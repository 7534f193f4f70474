"""File-system faults end in one line naming the path and exit 1 (environment) or 2 (a bad
argument), never a traceback, and leave nothing half-written. ``--debug`` shows the traceback.

A full disk and a read-only file system are simulated by making the writer raise the errno
the kernel would (ENOSPC, EROFS): tmpfs mounts need privileges a test machine may not have,
and as root a read-only mode bit would not stop the write anyway."""

import errno
import os
import pathlib

import pytest
import yaml
from typer.testing import CliRunner

import xsim.commands.common
import xsim.pipeline.rundir
from tests.sim.builders import scenario_dict
from xsim.commands.app import app

runner = CliRunner()


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    data = scenario_dict(**{"population.n_users": 60, "experiment.warmup_days": 1,
                            "experiment.duration_days": 3})  # fmt: skip
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _run(*args):
    return runner.invoke(app, ["run", *map(str, args), "--no-pdf", "-q"])


def _only(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _fail_writes(monkeypatch, error: int):
    def full(*args, **kwargs):
        raise OSError(error, os.strerror(error), str(args[1] if len(args) > 1 else "file"))

    monkeypatch.setattr(xsim.pipeline.rundir, "write_csv", full, raising=False)
    monkeypatch.setattr("xsim.commands.app.write_run", full)


def test_a_full_disk_exits_1_naming_the_file_and_leaves_nothing(tmp_path, scenario_file,
                                                                 monkeypatch):  # fmt: skip
    _fail_writes(monkeypatch, errno.ENOSPC)
    out = tmp_path / "runs" / "full"
    result = _run(scenario_file, "--out", out)
    assert result.exit_code == 1, result.output
    assert "no space left on the device" in result.output
    assert "Traceback" not in result.output
    assert _only(out.parent) == []  # no run folder, no staging folder


def test_a_read_only_target_exits_1_before_simulating(tmp_path, scenario_file, monkeypatch):
    original = pathlib.Path.mkdir
    ran = []

    def read_only(self, *args, **kwargs):
        if "ro" in self.parts:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", read_only)
    monkeypatch.setattr("xsim.commands.app.run_scenario", lambda *a, **k: ran.append(1))
    result = _run(scenario_file, "--out", tmp_path / "ro" / "run")
    assert result.exit_code == 1, result.output
    assert "read-only file system" in result.output and "ro" in result.output
    assert ran == []  # refused before any simulation


def test_a_dangling_symlink_out_is_refused_before_simulating(tmp_path, scenario_file):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    result = _run(scenario_file, "--out", link)
    assert result.exit_code == 2, result.output
    assert "is a symbolic link" in result.output
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()


def test_an_out_below_a_file_is_refused(tmp_path, scenario_file):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    result = _run(scenario_file, "--out", blocker / "run")
    assert result.exit_code == 2, result.output
    assert "which is a file, not a folder" in result.output
    assert blocker.read_text() == "keep me"


def test_analyze_json_into_a_missing_folder_names_it(tmp_path):
    data = tmp_path / "pilot.csv"
    data.write_text("arm,y\ncontrol,1\ncontrol,0\na,1\na,1\n")
    target = tmp_path / "missing" / "out.json"
    result = runner.invoke(app, ["analyze", str(data), "--arm", "arm", "--control", "control",
                                 "--metric", "y", "--json", str(target)])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "no such file or folder" in result.output and "missing" in result.output


def test_debug_shows_the_traceback(tmp_path, scenario_file, monkeypatch):
    _fail_writes(monkeypatch, errno.ENOSPC)
    monkeypatch.setitem(xsim.commands.common.DEBUG, "on", False)  # restored after the test
    result = runner.invoke(app, ["--debug", "run", str(scenario_file), "--out",
                                 str(tmp_path / "run"), "--no-pdf", "-q"])  # fmt: skip
    assert isinstance(result.exception, OSError) and result.exception.errno == errno.ENOSPC


def test_an_unexpected_error_is_one_line_and_exit_1(tmp_path, scenario_file, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("xsim.commands.app.run_scenario", broken)
    result = _run(scenario_file, "--out", tmp_path / "run")
    assert result.exit_code == 1
    assert "internal error (ZeroDivisionError: division by zero)" in result.output
    assert "--debug" in result.output and "Traceback" not in result.output
