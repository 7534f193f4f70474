"""Every file an option writes is checked first: an existing target that is not a regular file
(FIFO, device, folder), an input of the command, or another option's target is refused with
exit 2, one line naming the path, and nothing changes."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from xsim.commands.app import app

runner = CliRunner()
XSIM = [sys.executable, "-c", "from xsim.commands.app import main; main()"]


@pytest.fixture()
def data(tmp_path) -> Path:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"group": rng.choice(["control", "offer"], 400),
                          "bought": rng.random(400) < 0.2})  # fmt: skip
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    return path


def _analyze(data: Path, *extra: str) -> list[str]:
    return ["analyze", str(data), "--arm", "group", "--control", "control", "--metric", "bought",
            *extra]  # fmt: skip


def _refused(result, path) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(path) in lines[0], result.output
    assert "Traceback" not in result.output


def test_a_fifo_target_is_refused_without_blocking(data, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = [*XSIM, *_analyze(data, "--csv", str(fifo))]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)  # no reader: it
    assert done.returncode == 2, done.stderr  # would hang if the FIFO were opened for writing
    assert str(fifo) in done.stderr and "Traceback" not in done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize("option", ["--csv", "--json", "--pdf"])
def test_a_device_node_is_refused(data, option):
    _refused(runner.invoke(app, _analyze(data, option, "/dev/null")), "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_folder_is_refused_and_left_alone(data, tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "keep.txt").write_text("precious")
    _refused(runner.invoke(app, _analyze(data, "--pdf", str(folder))), folder)
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("option", ["--csv", "--json", "--pdf"])
def test_the_input_data_is_never_an_output(data, option):
    before = data.read_bytes()
    _refused(runner.invoke(app, _analyze(data, option, str(data))), data)
    assert data.read_bytes() == before


def test_two_options_writing_one_file_are_refused_before_either_writes(data, tmp_path):
    out = tmp_path / "out.txt"
    result = runner.invoke(app, _analyze(data, "--json", str(out), "--csv", str(out)))
    _refused(result, out)
    assert not out.exists()


def test_report_refuses_a_run_file_or_a_fifo_as_its_pdf(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "users.parquet").write_bytes(b"table")
    _refused(runner.invoke(app, ["report", str(run), "--out", str(run / "users.parquet")]),
             run / "users.parquet")  # fmt: skip
    assert (run / "users.parquet").read_bytes() == b"table"
    os.mkfifo(run / "report.pdf")  # the default target
    _refused(runner.invoke(app, ["report", str(run)]), run / "report.pdf")


def test_schema_and_init_refuse_targets_that_are_not_files(tmp_path):
    _refused(runner.invoke(app, ["schema", "--out", "/dev/null"]), "/dev/null")
    folder = tmp_path / "scenario.yaml"
    folder.mkdir()
    _refused(runner.invoke(app, ["init", str(folder), "--force"]), folder)
    assert folder.is_dir()
    shutil.rmtree(folder)
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0  # a new file is fine
