"""The PDF of a run: numbers equal effects.csv, every section has its heading, pages are drawn."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import yaml

from tests.reports.conftest import (
    colour_share,
    ink_share,
    outline_titles,
    page_texts,
    render_pages,
    squeeze,
)
from xsim.reports.pdf import render_run_report
from xsim.reports.tables import COLUMNS, pct, sig

CORE_HEADINGS = (
    "Executive summary",
    "What could go wrong",
    "Methods and assumptions",
    "Results by metric",
    "Arms over time",
    "Insurance and joint value",
    "Appendix",
)


def _effects(run) -> pd.DataFrame:
    frame = pd.read_csv(run / "effects.csv")
    return frame.astype(object).where(frame.notna(), None)


def _summary_text(pdf) -> str:
    text = "\n".join(page_texts(pdf))
    start = text.index("Executive summary")
    return text[start : text.index("What could go wrong", start)]


def _primary(run) -> str:
    scenario = yaml.safe_load((run / "scenario.yaml").read_text(encoding="utf-8"))
    return scenario["analysis"]["primary"]


def _expected_recommendation(effects: pd.DataFrame, primary: str) -> str | None:
    """Recomputed from effects.csv alone: significant, positive, every guardrail holds."""
    overall = effects[effects["segment"].isna()]
    rows = overall[(overall.metric == primary) & (overall.role == "primary")]
    rows = rows[rows.cuped == rows.cuped.any()]
    guards = overall[overall.role == "guardrail"]
    best, gain = None, 0.0
    for _, row in rows.iterrows():
        holds = all(g is True for g in guards[guards.arm == row.arm].noninferior)
        if row.significant is True and row["diff"] > gain and holds:
            best, gain = row.arm, row["diff"]
    return best


def test_run_writes_a_small_report(small_run):
    pdf = small_run / "report.pdf"
    assert pdf.is_file()
    assert pdf.stat().st_size < 5_000_000
    assert [p.name for p in small_run.parent.iterdir() if p.name.startswith(".")] == []


def test_executive_summary_numbers_equal_effects_csv(small_run):
    effects = _effects(small_run)
    primary = _primary(small_run)
    text = squeeze(_summary_text(small_run / "report.pdf"))
    overall = effects[effects.segment.isna()]
    rows = overall[(overall.metric == primary) & (overall.role == "primary")]
    rows = rows[rows.cuped == rows.cuped.any()]
    assert len(rows) == 2  # both treatment arms
    for _, row in rows.iterrows():
        sentence = (
            f"{row.arm}vs{row.control}:{primary}{sig(row.mean_treatment)}vs{sig(row.mean_control)};"
            f"difference{sig(row['diff'], True)}(CI{sig(row.diff_ci_low)}to"
            f"{sig(row.diff_ci_high)})"
        )
        assert sentence in text
        assert f"adjustedp={sig(row.p_adjusted)}" in text
        if row.prob_beat_control is not None:
            assert f"chancetobeatcontrol{pct(row.prob_beat_control, False)}" in text
    # the run's decision (on M) comes first; the primary metric's reading follows as evidence
    assert text.startswith("ExecutivesummaryDecision(onthejointvalueM=P·F):")
    recommended = _expected_recommendation(effects, primary) or "noarm"
    assert f"Ontheprimarymetric{primary}alone" in text
    assert f"thebestarmis{recommended};" in text
    assert "Biggestrisk:" in text


def test_pdf_tables_use_the_console_formatting(small_cli_run):
    """Console and PDF format every row with the same formatter, so their cells agree."""
    run, console = small_cli_run
    text = squeeze("\n".join(page_texts(run / "report.pdf")))
    console = squeeze(console)
    rows = json.loads((run / "effects.json").read_text())["rows"]
    for row in rows:
        if row["segment"] is None:
            for column in ("diff [CI]", "lift [CI]", "p adj"):
                cell = squeeze(COLUMNS[column](row))
                assert cell in text, (column, cell)
                assert cell in console, (column, cell)


def test_every_section_has_its_heading(small_run):
    pdf = small_run / "report.pdf"
    titles = outline_titles(pdf)
    text = "\n".join(page_texts(pdf))
    for heading in CORE_HEADINGS:
        assert any(t.endswith(heading) for t in titles), heading
        assert heading in text
    for metric in set(_effects(small_run).metric):
        assert any(t.startswith(metric) for t in titles), metric
    assert "Normalised scenario (scenario.yaml)" in titles


def test_optional_result_files_get_their_sections(small_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(small_run, run)
    curve = [{"n_per_arm": n, "power": min(1.0, n / 4000)} for n in (500, 1000, 2000, 4000)]
    power = {"alpha": 0.05, "target_power": 0.8, "curve": curve}
    # M is read as scored, never recomputed: bundle's M is 17.0, not its P x F = 18.0
    objective = json.loads((run / "objective.json").read_text(encoding="utf-8"))
    bundle = next(a for a in objective["arms"] if a["arm"] == "bundle")
    for name, value in (("P", 9.0), ("F", 2.0), ("M", 17.0)):
        bundle["scores"][name] = {"value": value, "se": None, "low": None, "high": None}
    (run / "power.json").write_text(json.dumps(power))
    (run / "objective.json").write_text(json.dumps(objective))
    (run / "calibration.json").write_text(json.dumps({"aa_false_positive_rate": 0.049}))
    pdf = render_run_report(run, tmp_path / "with-extras.pdf")
    titles = outline_titles(pdf)
    for heading in ("Power and sample size", "Joint value M(S) = P(S)·F(S)",
                    "Calibration of the statistics"):  # fmt: skip
        assert any(t.endswith(heading) for t in titles), heading
    text = squeeze("\n".join(page_texts(pdf)))
    assert "aa_false_positive_rate0.049" in text
    assert "asscoredinobjective.json" in text  # the P-vs-F caption names its source
    assert "bundle17" in text and "bundle18" not in text  # M as scored, not P x F
    assert "Optimisation" not in titles  # no optimization.json, no section


def test_pages_are_drawn_and_figures_present(small_run, pdftoppm, tmp_path):
    pages = render_pages(pdftoppm, small_run / "report.pdf", tmp_path / "png")
    assert len(pages) >= 8
    for number, page in enumerate(pages, 1):
        assert ink_share(page) > 0.005, f"page {number} is blank"
    with_figures = [n for n, page in enumerate(pages, 1) if colour_share(page) > 0.0005]
    assert len(with_figures) >= 4, with_figures  # forest, time course, funnel, claims, P vs F


def test_a_folder_with_only_the_required_files_renders(small_run, tmp_path):
    run = tmp_path / "minimal"
    run.mkdir()
    for name in ("manifest.json", "scenario.yaml", "users.parquet", "effects.json"):
        shutil.copy(small_run / name, run / name)
    text = squeeze("\n".join(page_texts(render_run_report(run, tmp_path / "minimal.pdf"))))
    assert "Notshown:cumulativemetricsneeddaily.parquet;retentionneedsevents.parquet" in text
    assert "Recommendation:" in text
