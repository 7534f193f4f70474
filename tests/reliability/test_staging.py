"""The stale-temporary sweep removes only staging folders it made: marker present, this host,
process gone. Anything that merely has a temporary-looking name survives a new run."""

import json
import socket
import subprocess
from pathlib import Path

import yaml
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from xsim.commands.app import app
from xsim.pipeline.rundir import STAGING_MARKER, staging


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _staged(parent: Path, final: str, pid: int, host: str) -> Path:
    folder = parent / f".{final}.tmp-{pid}-0123abcd"
    folder.mkdir()
    marker = {"host": host, "pid": pid, "final": final}
    (folder / STAGING_MARKER).write_text(json.dumps(marker))
    (folder / "events.parquet").write_bytes(b"half a run")
    return folder


def test_sweep_removes_only_dead_staging_folders_of_this_host(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    thesis = runs / ".thesis.tmp-999999"  # a user's folder: no marker
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("precious")
    finished = runs / ".q.tmp-20261203-135459"  # a finished run of a scenario named '.q.tmp'
    finished.mkdir()
    (finished / "manifest.json").write_text("{}")
    dead = _dead_pid()
    stale = _staged(runs, "killed", dead, socket.gethostname())
    elsewhere = _staged(runs, "remote", dead, "another-host")  # its pid means nothing here
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(scenario_dict(**{"population.n_users": 300})))
    args = ["run", str(scenario), "--out", str(runs / "next"), "-q", "--no-pdf"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (thesis / "chapter1.tex").read_text() == "precious"
    assert (finished / "manifest.json").is_file()
    assert not stale.exists()
    assert (elsewhere / "events.parquet").is_file()
    assert not (runs / "next" / STAGING_MARKER).exists()  # the finished run holds no marker


def test_staging_folder_is_named_after_its_run_and_marked_first(tmp_path):
    final = tmp_path / "run"
    with staging(final) as folder:
        assert folder.name.startswith(".run.tmp-")
        marker = json.loads((folder / STAGING_MARKER).read_text())
        assert marker["final"] == "run" and marker["host"] == socket.gethostname()
        assert folder.name.startswith(f".run.tmp-{marker['pid']}-")
    assert final.is_dir() and list(final.iterdir()) == []
