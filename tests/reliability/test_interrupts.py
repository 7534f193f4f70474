"""Interrupted runs: SIGINT and SIGTERM clean up; SIGKILL never leaves a complete-looking run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.sim.builders import scenario_dict

XSIM = [sys.executable, "-c", "from xsim.commands.app import main; main()"]


def _slow_scenario(tmp_path: Path) -> Path:
    """Big enough to still be simulating a few seconds after start."""
    data = scenario_dict(**{"population.n_users": 150_000, "experiment.duration_days": 200})
    path = tmp_path / "slow.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _start(tmp_path: Path, out: Path) -> subprocess.Popen:
    args = [*XSIM, "run", str(_slow_scenario(tmp_path)), "--out", str(out), "--no-pdf", "-q"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.parent.glob(f".{out.name}.tmp-*")):  # wait until it is writing
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(1.0)
    return process


def _complete_runs(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if (p / "manifest.json").exists()]


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_exits_with_its_code_and_cleans_up(tmp_path, signum, code):
    runs = tmp_path / "runs"
    runs.mkdir()
    process = _start(tmp_path, runs / "interrupted")
    process.send_signal(signum)
    process.communicate(timeout=60)
    assert process.returncode == code
    assert list(runs.iterdir()) == []  # no run folder, no temporary folder


def test_sigkill_leaves_earlier_runs_intact_and_nothing_complete_looking(tmp_path):
    runs = tmp_path / "runs"
    earlier = runs / "earlier"
    small = tmp_path / "small.yaml"
    small.write_text(yaml.safe_dump(scenario_dict(**{"population.n_users": 300})))
    done = subprocess.run([*XSIM, "run", str(small), "--out", str(earlier), "--no-pdf", "-q"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    before = {p.name: p.read_bytes() for p in earlier.iterdir()}
    process = _start(tmp_path, runs / "killed")
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    assert _complete_runs(runs) == [earlier]
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before
    leftovers = [p for p in runs.iterdir() if p != earlier]
    assert all(p.name.startswith(".") and not (p / "manifest.json").exists() for p in leftovers)
    # the next run tidies up after the killed one
    again = subprocess.run([*XSIM, "run", str(small), "--out", str(runs / "next"), "--no-pdf",
                            "-q"], capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in runs.iterdir()) == ["earlier", "next"]
