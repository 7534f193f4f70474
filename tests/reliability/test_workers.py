"""Replication workers end with the run however it ends (SIGKILL included); Ctrl-C is handled
from the first moment of start-up, and a second Ctrl-C leaves at once with 130."""

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.replicate.scenarios import tiny
from xsim.schema.io import scenario_to_yaml

ROOT = Path(__file__).resolve().parents[2]
XSIM = [sys.executable, "-c", "from xsim.commands.entry import main; main()"]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("workers") / "tiny.yaml"
    path.write_text(scenario_to_yaml(tiny()))
    return path


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc (children of each thread, recursively)."""
    found, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:  # the task ended meanwhile
                continue
            found += children
            todo += children
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's bookkeeping is left


Started = tuple[subprocess.Popen, list[int]]


def _start_replications(scenario: Path, out: Path, command: tuple[str, ...] = ()) -> Started:
    """A run (or ``command``) whose work is under way in two worker processes, and its
    processes."""
    args = [*XSIM, "run", str(scenario), "--out", str(out), "--replications", "200",
            "--workers", "2", "--no-pdf", "-q"]  # fmt: skip
    args = [*XSIM, *command, "--out", str(out)] if command else args
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # resource tracker, fork server and two workers
    while len(children := _descendants(process.pid)) < 4:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return process, children


def _ended_within(children: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := [c for c in children if _alive(c)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:  # do not leave them to the rest of the test session
        os.kill(pid, signal.SIGKILL)
    return left


def test_sigkill_of_a_replication_run_leaves_no_worker(scenario, tmp_path):
    process, children = _start_replications(scenario, tmp_path / "run")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert _ended_within(children, 5.0) == []


def test_sigkill_of_a_compare_sweep_leaves_no_worker(scenario, tmp_path):
    """`xsim compare` (and `xsim optimize`, through the same pool) on two workers."""
    sweep = ("compare", str(scenario), "--set", "seed=" + ",".join(map(str, range(60))),
             "--replications", "4", "--workers", "2", "-q")  # fmt: skip
    process, children = _start_replications(scenario, tmp_path / "sweep", sweep)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert _ended_within(children, 5.0) == []


def test_a_second_ctrl_c_exits_at_once_with_130(scenario, tmp_path):
    process, children = _start_replications(scenario, tmp_path / "run")
    process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    clock = time.monotonic()
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        _ended_within(children, 5.0)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert time.monotonic() - clock < 30  # interpreter teardown on a busy machine, no waiting
    assert _ended_within(children, 5.0) == []


def test_ctrl_c_during_start_up_exits_130_without_traceback(scenario, tmp_path):
    out = tmp_path / "run"
    args = [*XSIM, "run", str(scenario), "--out", str(out), "-q"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + 60
    while "numpy" not in maps.read_text():  # the heavy imports have begun
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    assert not out.exists()


def test_the_console_script_installs_its_handlers_before_heavy_imports():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["xsim"] == "xsim.commands.entry:main"
    code = "import sys, xsim.commands.entry; print(sorted({'numpy', 'pandas'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
