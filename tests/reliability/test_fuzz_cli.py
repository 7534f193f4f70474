"""Fuzzed command lines, run folders and checkpoints: every case ends in success, a clean input
error (exit 2) or a clean environment error (exit 1), each under a time limit; never a
traceback, never a hang. Seeded (Hypothesis' database off), so every run draws the same cases.

Counted with the scenario and data-file fuzz of test_fuzz.py in docs/reliability.md."""

import json
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import xsim
from tests.sim.builders import scenario_dict
from xsim.commands.app import app
from xsim.core.errors import InputError
from xsim.pipeline.checkpoint import Checkpoint, partial_folder
from xsim.pipeline.rundir import write_run
from xsim.reports.runfolder import load_run
from xsim.schema.io import scenario_from_dict

pytestmark = pytest.mark.slow
runner = CliRunner()
CASE_SECONDS = 60  # a hang is any case past this (the slowest valid case takes ~2 s)


def fuzz(examples: int) -> settings:
    return settings(deadline=None, suppress_health_check=list(HealthCheck), database=None,
                    max_examples=examples)  # fmt: skip


@contextmanager
def time_limit(seconds: int):
    def hang(signum, frame):
        raise TimeoutError(f"hang: no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _tiny() -> dict:
    return scenario_dict(**{"population.n_users": 40, "experiment.warmup_days": 1,
                            "experiment.duration_days": 2, "analysis.truth": False})  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A tiny scenario file, a data file, and a finished run folder to tamper with."""
    root = tmp_path_factory.mktemp("fuzz-cli")
    scenario = root / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(_tiny()), encoding="utf-8")
    data = root / "pilot.csv"
    data.write_text("arm,y,z\n" + "".join(f"{'ab'[i % 2]},{i % 3},{i}\n" for i in range(40)))
    run = root / "run"
    run.mkdir()
    write_run(xsim.run(scenario_from_dict(_tiny())), run, command=["xsim"])
    return {"root": root, "scenario": str(scenario), "data": str(data), "run": run}


NUMBERS = st.sampled_from(["-1", "0", "1", "2", "3.5", "1e9", "nan", "", "x", "99999999999"])
PATHS = st.sampled_from(
    [
        "{scenario}",
        "{data}",
        "{run}",
        "/dev/full",
        "/dev/null",
        "{root}",
        "{root}/missing/x",
        "{root}/new",
        "",
        "{scenario}/below",
    ]
)
COMMANDS = {
    "validate": (["{scenario}"], {}),
    "schema": ([], {"--out": PATHS}),
    "init": (["{root}/init.yaml"], {"--force": None}),
    "report": (["{run}"], {"--out": PATHS}),
    "analyze": (["{data}"], {"--arm": st.sampled_from(["arm", "y", "nope", ""]),
                             "--control": st.sampled_from(["a", "b", "zz"]),
                             "--metric": st.sampled_from(["y", "z", "y/z", "y:proportion", "q"]),
                             "--alpha": NUMBERS, "--covariate": st.sampled_from(["z", "arm"]),
                             "--json": PATHS, "--csv": PATHS, "--pdf": PATHS}),
    "run": (["{scenario}"], {"--out": PATHS, "--seed": NUMBERS, "--replications": NUMBERS,
                             "--workers": NUMBERS, "--scheduler": st.sampled_from(["x", "h:1"]),
                             "--resume": PATHS, "--no-pdf": None, "-q": None}),
    "calibrate": (["{scenario}"], {"--replications": NUMBERS, "--look-every-days": NUMBERS,
                                   "--aa-arm": st.sampled_from(["offer", "nope"]),
                                   "--out": PATHS, "--no-pdf": None, "-q": None}),
    "power": (["{scenario}"], {"--metric": st.sampled_from(["course_conversion", "zz", "a/b"]),
                               "--users": st.sampled_from(["100", "1,2", "0", "x", "1e11"]),
                               "--days": NUMBERS, "--replications": NUMBERS,
                               "--target": NUMBERS, "--out": PATHS, "--no-pdf": None}),
    "compare": (["{scenario}"], {"--set": st.sampled_from(["seed=1,2", "nope=1", "seed",
                                                           "population.n_users=-5"]),
                                 "--replications": NUMBERS, "--workers": NUMBERS,
                                 "--out": PATHS}),
    "optimize": (["{scenario}"], {"--budget": NUMBERS, "--replications": NUMBERS,
                                  "--method": st.sampled_from(["spsa", "grid", "nope"]),
                                  "--out": PATHS}),
    "list": (["strategies"], {}),
}  # fmt: skip


@st.composite
def command_lines(draw):
    name = draw(st.sampled_from(sorted(COMMANDS)))
    positional, options = COMMANDS[name]
    argv = [name, *positional[: draw(st.integers(0, len(positional)))]]
    for option in draw(st.lists(st.sampled_from(sorted(options) or [""]), max_size=4)):
        if option:
            value = options[option]
            argv += [option] if value is None else [option, draw(value)]
    return argv


def _fill(argv: list[str], world: dict, case: Path) -> list[str]:
    places = {k: str(v) for k, v in world.items()} | {"root": str(case)}
    return [a.format(**places) for a in argv]


def _assert_clean(result) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    if result.exit_code == 2:  # a rejection names what it rejects (our line or Click's), or
        # a command group called without its command shows its help
        assert "error" in result.output.lower() or "Usage:" in result.output, result.output


@seed(20261203)
@fuzz(250)
@given(command_lines())
def test_fuzzed_command_lines_end_cleanly(world, argv):
    case = world["root"] / f"case-{abs(hash(tuple(argv))) % 10**9}"
    case.mkdir(exist_ok=True)
    with time_limit(CASE_SECONDS):
        result = runner.invoke(app, _fill(argv, world, case))
    _assert_clean(result)
    shutil.rmtree(case, ignore_errors=True)


TAMPER = st.sampled_from(
    ["delete", "empty", "junk", "truncate", "json-drop", "json-type", "yaml-bomb", "yaml-dup"]
)
RUN_FILES = st.sampled_from(
    [
        "manifest.json",
        "scenario.yaml",
        "users.parquet",
        "effects.json",
        "objective.json",
        "decision.json",
        "risk.json",
        "summary.csv",
        "daily.parquet",
        "truth.json",
    ]
)
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def _tamper(path: Path, how: str, rng_byte: int) -> None:
    if how == "delete":
        path.unlink(missing_ok=True)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "junk":
        path.write_bytes(bytes([rng_byte, 0, 255, 10]) * 64)
    elif how == "truncate" and path.exists():
        path.write_bytes(path.read_bytes()[: max(1, len(path.read_bytes()) // 3)])
    elif how.startswith("json") and path.suffix == ".json" and path.exists():
        try:  # an earlier change may have broken it already
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return
        if isinstance(data, dict) and data:
            key = sorted(data)[rng_byte % len(data)]
            if how == "json-drop":
                data.pop(key)
            else:
                data[key] = ["not", {"what": "it was"}]
        path.write_text(json.dumps(data), encoding="utf-8")
    elif how == "yaml-bomb":
        path.write_text(BOMB, encoding="utf-8")
    elif how == "yaml-dup" and path.exists():
        path.write_bytes(path.read_bytes() + b"\nname: again\n")


@seed(20261204)
@fuzz(200)
@given(st.lists(st.tuples(RUN_FILES, TAMPER, st.integers(0, 255)), min_size=1, max_size=3))
def test_tampered_run_folders_load_or_name_the_file(world, changes):
    """`load_run` (what `xsim report` reads) on a run folder with 1–3 files tampered with."""
    folder = world["root"] / "tampered"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(world["run"], folder)
    for name, how, byte in changes:
        _tamper(folder / name, how, byte)
    with time_limit(CASE_SECONDS):
        try:
            load_run(folder)
        except InputError as exc:
            assert exc.problems and all(p for p in exc.problems)


@seed(20261205)
@fuzz(25)
@given(RUN_FILES, TAMPER, st.integers(0, 255))
def test_xsim_report_on_tampered_folders_ends_cleanly(world, name, how, byte):
    folder = world["root"] / "tampered-report"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(world["run"], folder)
    _tamper(folder / name, how, byte)
    with time_limit(CASE_SECONDS):
        result = runner.invoke(app, ["report", str(folder), "--out", str(folder / "r.pdf")])
    _assert_clean(result)


CHECKPOINT_FILES = st.sampled_from(
    ["resume.json", "scenario.yaml", "rep-000000.json", "rep-000001.json"]
)


@seed(20261206)
@fuzz(150)
@given(st.lists(st.tuples(CHECKPOINT_FILES, TAMPER, st.integers(0, 255)), min_size=1, max_size=2))
def test_tampered_checkpoints_resume_or_name_the_file(world, changes):
    final = world["root"] / "interrupted"
    shutil.rmtree(partial_folder(final), ignore_errors=True)
    checkpoint = Checkpoint(final).start(scenario_from_dict(_tiny()),
                                         {"replications": 3, "raw_ids": False})  # fmt: skip
    for index in (0, 1):
        checkpoint.save({"replication": index, "rows": [], "srm_p_value": None, "looks": None})
    for name, how, byte in changes:
        _tamper(partial_folder(final) / name, how, byte)
    with time_limit(CASE_SECONDS):
        try:
            opened, _, _ = Checkpoint.open(final)
            opened.records()
        except InputError as exc:
            assert exc.problems and all(p for p in exc.problems)
