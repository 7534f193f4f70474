"""The layer rule of DESIGN.md §2: data flows one way, and imports follow it.

Each module belongs to one layer (by its package); a layer may import only the layers listed
for it. The rule is checked on the real import graph (every ``import``, at module level or
inside a function) and, to show the check can fail, on graphs with one forbidden import added.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Folder of the repository -> dotted package it installs as.
PACKAGES = {"sim": "xsim", "strategies": "xsim.strategies", "estimators": "xsim.estimators",
            "reports": "xsim.reports"}  # fmt: skip

# layer -> the layers it may import (itself always allowed). Read bottom-up.
ALLOWED = {
    "core": set(),
    "plugins": {"core"},
    "schema": {"core", "plugins"},
    "world": {"core", "plugins", "schema"},
    "analysis": {"core", "plugins", "schema", "world"},
    "pipeline": {"core", "plugins", "schema", "world", "analysis"},
    "studies": {"core", "plugins", "schema", "world", "analysis", "pipeline"},
    # reports read results (analysis records, the run result), never the engine
    "reports": {"core", "plugins", "schema", "analysis", "pipeline"},
    "commands": {"core", "plugins", "schema", "world", "analysis", "pipeline", "studies",
                 "reports"},
}  # fmt: skip

LAYER_OF_PREFIX = {
    "xsim.core": "core",
    "xsim.strategies": "plugins",
    "xsim.estimators": "plugins",
    "xsim.schema": "schema",
    "xsim.data": "schema",
    "xsim.world": "world",
    "xsim.analysis": "analysis",
    "xsim.pipeline": "pipeline",
    "xsim.studies": "studies",
    "xsim.reports": "reports",
    "xsim.commands": "commands",
}


def layer_of(module: str) -> str:
    """The layer of a dotted module name. The root package ``xsim`` (version and lazy entry
    points, nothing imported at load time) counts as core."""
    if module == "xsim":
        return "core"
    for prefix, layer in LAYER_OF_PREFIX.items():
        if module == prefix or module.startswith(prefix + "."):
            return layer
    raise KeyError(f"{module} belongs to no layer: add its package to LAYER_OF_PREFIX")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = [PACKAGES[rel.parts[0]], *rel.parts[1:]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def xsim_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {n for n in names if n == "xsim" or n.startswith("xsim.")}


def import_graph() -> dict[str, set[str]]:
    return {
        module_name(path): xsim_imports(path)
        for folder in PACKAGES
        for path in sorted((ROOT / folder).rglob("*.py"))
    }


def violations(graph: dict[str, set[str]]) -> list[str]:
    """One line per forbidden import: 'importer (layer) imports imported (layer)'."""
    found = []
    for importer, imported in sorted(graph.items()):
        own = layer_of(importer)
        for name in sorted(imported):
            other = layer_of(name)
            if other != own and other not in ALLOWED[own]:
                found.append(f"{importer} ({own}) imports {name} ({other})")
    return found


def test_every_module_has_a_layer():
    for module in import_graph():
        layer_of(module)


def test_imports_follow_the_layers():
    found = violations(import_graph())
    assert not found, "forbidden imports:\n" + "\n".join(found)


def test_effects_work_on_plain_dataframes():
    """The A/B engine analyses any DataFrame: it needs nothing of xsim beyond core errors."""
    for module, imported in import_graph().items():
        if module.startswith("xsim.estimators.effects"):
            own = ("xsim.core", "xsim.estimators.effects")
            bad = {n for n in imported if not n.startswith(own)}
            assert not bad, f"{module} imports {bad}"


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("xsim.core.rng", "xsim.schema.scenario"),  # the kernel imports nothing of xsim
        ("xsim.strategies.none", "xsim.world.engine"),  # plug-ins never see the engine
        ("xsim.estimators.effects.summary", "xsim.analysis.metrics"),
        ("xsim.world.engine", "xsim.analysis.metrics"),  # the world never reads its analysis
        ("xsim.reports.pdf", "xsim.world.engine"),  # reports read results, not the engine
        ("xsim.analysis.objective", "xsim.studies.optimize"),
        ("xsim.studies.compare", "xsim.commands.app"),
    ],
)
def test_a_forbidden_import_is_named(importer, imported):
    graph = import_graph()
    graph.setdefault(importer, set()).add(imported)
    found = violations(graph)
    named = [line for line in found if line.startswith(f"{importer} (")]
    assert any(f"imports {imported} (" in line for line in named), found


# The analysis reads a world through its event log only (DESIGN §2): these modules must not
# reach the engine, not even through another module or a package's __init__.
READ_THE_LOG_ONLY = ("xsim.analysis.metrics", "xsim.analysis.risk_report")


def reachable(graph: dict[str, set[str]], module: str) -> set[str]:
    """Every xsim module that importing ``module`` loads: its imports, theirs, and the
    packages (``__init__``) on the way to each."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for prefix in (".".join(parts[:i]) for i in range(1, len(parts) + 1)):
            if prefix not in seen:
                seen.add(prefix)
                todo.extend(graph.get(prefix, ()))
    return seen - {module}


@pytest.mark.parametrize("module", READ_THE_LOG_ONLY)
def test_metrics_and_risk_report_do_not_import_the_engine(module):
    assert "xsim.world.engine" not in reachable(import_graph(), module)


def test_reaching_the_engine_through_another_module_is_caught():
    graph = import_graph()
    graph["xsim.world.population"] = graph["xsim.world.population"] | {"xsim.world.engine"}
    assert "xsim.world.engine" in reachable(graph, "xsim.analysis.metrics")


def test_importing_metrics_and_risk_report_loads_no_engine():
    """The same, as Python sees it: a fresh interpreter that imports both."""
    import subprocess
    import sys

    code = f"import sys, {', '.join(READ_THE_LOG_ONLY)}; print('xsim.world.engine' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
