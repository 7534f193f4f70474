"""Run folders and PDF helpers shared by the report tests (small scenarios, built once)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from xsim.commands.app import app

runner = CliRunner()
SMALL = {"population.n_users": 3000, "analysis.truth": True}


def write_scenario(folder: Path, **changes) -> Path:
    path = folder / "scenario.yaml"
    data = scenario_dict(**{**SMALL, **changes})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="session")
def small_cli_run(tmp_path_factory) -> tuple[Path, str]:
    """A 3,000-user run with ground truth, written by `xsim run` (report.pdf included), and
    what the command printed."""
    base = tmp_path_factory.mktemp("small")
    out = base / "run"
    result = run_cli("run", write_scenario(base), "--out", out, "-q")
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="session")
def small_run(small_cli_run) -> Path:
    return small_cli_run[0]


def page_texts(pdf: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def squeeze(text: str) -> str:
    """Text without whitespace (and the NULs pypdf leaves in CID fonts): line breaks and
    justified spacing no longer matter when comparing."""
    return "".join(c for c in text if not c.isspace() and c != "\x00")


def outline_titles(pdf: Path) -> list[str]:
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(PdfReader(pdf).outline)
    return titles


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    return path


def render_pages(pdftoppm: str, pdf: Path, folder: Path, dpi: int = 40) -> list[np.ndarray]:
    """Every page as an RGB array, rendered by poppler."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(folder / "page")], check=True)
    return [np.asarray(Image.open(p).convert("RGB")) for p in sorted(folder.glob("page*.png"))]


def ink_share(page: np.ndarray) -> float:
    """Share of pixels that are not (near) white."""
    return float((page.min(axis=2) < 235).mean())


def colour_share(page: np.ndarray) -> float:
    """Share of clearly coloured pixels: figures use colour, text is black or grey."""
    spread = page.max(axis=2).astype(int) - page.min(axis=2).astype(int)
    return float((spread > 60).mean())
