"""Architecture rules: one source of randomness, a handful of processes (the import layers are in
test_layers.py)."""

import ast
from pathlib import Path

import simpy

import xsim
from tests.sim.builders import build

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _package_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def test_randomness_only_through_rng_module():
    for path in _package_files("sim", "strategies", "estimators", "reports"):
        if path.name == "rng.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        assert "default_rng" not in text, path
        assert "random" not in _imports(path), path
        assert "np.random.seed" not in text and "RandomState(" not in text, path


def test_engine_runs_a_handful_of_processes(monkeypatch):
    """A run starts a few SimPy processes (daily, campaigns, retraining, insurer cycle), never
    one per user."""
    started = []
    original = simpy.Environment.process

    def counting(self, generator):
        started.append(generator.__name__)
        return original(self, generator)

    monkeypatch.setattr(simpy.Environment, "process", counting)
    scenario = build(**{"population.n_users": 3000})
    xsim.run(scenario)
    assert sorted(started) == sorted(
        ["_daily", "_campaign", "_campaign", "_retraining", "_insurer_cycle", "_risk_monitor"]
    )


def test_effects_import_does_not_load_the_engine():
    """`xsim analyze` works on plain DataFrames: importing the effects engine must not import
    the simulator (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys, xsim.estimators.effects; "
        "print(sorted(m for m in sys.modules if m.startswith(('xsim.world', 'xsim.pipeline'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_modules_and_functions_stay_small():
    """Small modules with one idea each: no module over 400 lines, no function over 60."""
    too_long = []
    for path in _package_files("sim", "strategies", "estimators", "reports"):
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > 400:
            too_long.append(f"{path.relative_to(ROOT)}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    too_long.append(f"{path.relative_to(ROOT)}: {node.name}() {length} lines")
    assert not too_long, "\n".join(too_long)
