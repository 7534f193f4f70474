"""Chinese names render when a CJK font is installed; otherwise a visible note says why not."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

from tests.reports.conftest import page_texts, squeeze, write_scenario
from xsim import run as simulate
from xsim.estimators.effects import analyze
from xsim.pipeline.rundir import write_run
from xsim.reports import fonts
from xsim.reports.pdf import render_effects_report, render_run_report
from xsim.schema.io import load_scenario

NAME = "金融素养合作试点"


@pytest.fixture(scope="module")
def chinese_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("cjk")
    changes = {"name": NAME, "population.n_users": 1500, "analysis.truth": False,
               "experiment.duration_days": 20}  # fmt: skip
    result = simulate(load_scenario(write_scenario(base, **changes)))
    folder = base / "run"
    folder.mkdir()
    write_run(result, folder)
    return folder


def test_chinese_scenario_name_renders(chinese_run, tmp_path):
    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    pdf = render_run_report(chinese_run, tmp_path / "cjk.pdf")
    first = page_texts(pdf)[0]
    assert NAME in squeeze(first)
    assert "Font note" not in first
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        assert NAME in text


def test_without_a_cjk_font_the_report_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    data = pd.DataFrame({"arm": ["a", "b"] * 50, "y": [0, 1, 1, 0] * 25})
    result = analyze(data, arm="arm", control="a", metrics=["y"])
    pdf = render_effects_report(result, tmp_path / "fallback.pdf", title=NAME, source="x.csv")
    first = squeeze(page_texts(pdf)[0])
    assert "Fontnote:noCJKfontisinstalled" in first
    assert "?" * len(NAME) in first
