"""Assemble the PDF: `render_run_report` from a run folder, `render_effects_report` for real
data analysed with `xsim analyze`.

Both follow one outline: title page, executive summary, what could go wrong, methods and
assumptions, results by metric (forest plot and per-metric tables), then what only a run has
(arms over time, insurance and P·F, optional result sections) and an appendix.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from xsim import __version__
from xsim.reports import chapters, run_chapters
from xsim.reports.decision import decide
from xsim.reports.document import ReportDocument
from xsim.reports.executive import (
    joint_value_risk,
    joint_value_sentence,
    objective_sales_sentences,
)
from xsim.reports.figures_insurance import pf_points
from xsim.reports.fonts import FontSet, font_set
from xsim.reports.runfolder import EffectsView, RunRecord, load_run
from xsim.reports.sections import render_optional
from xsim.reports.style import figure_style

REPORT_FILE = "report.pdf"


def render_run_report(run_dir: str | Path, out: str | Path | None = None, *,
                      run_label: str | None = None) -> Path:  # fmt: skip
    """Render the report of a saved run folder (default ``RUN_DIR/report.pdf``).

    ``run_label`` names the folder on the title page (`xsim run` renders inside a staging
    folder that is renamed afterwards)."""
    record = load_run(run_dir)
    out = Path(out) if out is not None else record.folder / REPORT_FILE
    fonts = font_set(record.name, json.dumps(record.scenario, ensure_ascii=False, default=str))
    doc = ReportDocument(f"xsim report — {record.name}", fonts)
    with figure_style(_cjk_family(fonts)):
        _run_report(doc, record, run_label or str(record.folder))
    return _write(doc, out)


def render_effects_report(result, out: str | Path, title: str, source: str) -> Path:
    """Render the report of an `EffectsResult` (``xsim analyze ... --pdf out.pdf``)."""
    effects = EffectsView.from_result(result)
    names = " ".join(f"{r['metric']} {r['arm']} {r['segment'] or ''}" for r in effects.rows)
    fonts = font_set(title, source, names)
    doc = ReportDocument(f"xsim analysis — {title}", fonts)
    with figure_style(_cjk_family(fonts)):
        _effects_report(doc, effects, title, source)
    return _write(doc, Path(out))


def _run_report(doc: ReportDocument, record: RunRecord, label: str) -> None:
    effects = record.effects
    chapters.title_page(doc, record.name, "Partnership experiment report (simulated run)",
                        _run_fields(record, label))  # fmt: skip
    decision = decide(effects.rows, record.primary, record.control, effects.srm, record.arms)
    claims, insurance_risks = run_chapters.insurance_numbers(record)
    points = pf_points(record)
    joint = [joint_value_sentence(*points)] if points is not None else []
    joint += objective_sales_sentences(record.objective)
    if points is not None and record.decision is None:  # else the decision is on M
        insurance_risks += joint_value_risk(points[0], decision.recommended, record.control)
    risks = chapters.executive_summary(doc, decision, effects, insurance_risks, joint,
                                       record.decision)  # fmt: skip
    chapters.risks_section(doc, risks)
    chapters.methods(doc, effects, run_chapters.model_paragraphs(record),
                     run_chapters.run_caveats(record))  # fmt: skip
    chapters.effects_section(doc, effects, record.arms)
    chapters.segments_section(doc, effects)
    run_chapters.arms_section(doc, record)
    run_chapters.insurance_section(doc, record, claims, points)
    render_optional(doc, record.extras)
    scenario_text = (record.folder / "scenario.yaml").read_text(encoding="utf-8")
    manifest = chapters.as_json(record.manifest)
    chapters.appendix(
        doc,
        [("Normalised scenario (scenario.yaml)", scenario_text),
         ("Manifest (manifest.json)", manifest)],
    )  # fmt: skip


def _effects_report(doc: ReportDocument, effects: EffectsView, title: str, source: str) -> None:
    settings = effects.settings
    arms = [settings.get("control", "control"), *(settings.get("treatments") or [])]
    fields = [("Data", source), ("Units", f"{settings.get('n_units', '?'):,}"),
              ("Arm column", str(settings.get("arm"))), ("Arms", ", ".join(map(str, arms))),
              ("Date", _now()), ("xsim version", __version__)]  # fmt: skip
    chapters.title_page(doc, title, "A/B test analysis (real data)", fields)
    metrics = settings.get("metrics") or []
    primary = str(metrics[0]) if metrics else ""
    decision = decide(effects.rows, primary, str(arms[0]), effects.srm, arms)
    risks = chapters.executive_summary(doc, decision, effects, [])
    chapters.risks_section(doc, risks)
    model = [f"Data: {source}, one row per randomisation unit; the first metric ({primary}) is "
             "the primary metric."]  # fmt: skip
    chapters.methods(doc, effects, model, [])
    chapters.effects_section(doc, effects, [str(a) for a in arms])
    chapters.segments_section(doc, effects)
    chapters.appendix(doc, [("Analysis settings", chapters.as_json(settings)),
                            ("Sample-ratio check", chapters.as_json(effects.srm))])  # fmt: skip


def _run_fields(record: RunRecord, label: str) -> list[tuple[str, str]]:
    m = record.manifest
    arms = ", ".join(record.arms)
    return [
        ("Scenario", record.name),
        ("Date of run", _date(m.get("created_at"))),
        ("Seed", str(m.get("seed", record.scenario.get("seed", "?")))),
        ("xsim version", str(m.get("xsim_version", "?"))),
        ("Users", f"{len(record.users):,}"),
        ("Horizon", f"{record.warmup_days:g} warm-up + "
                    f"{record.horizon_days - record.warmup_days:g} experiment days"),
        ("Arms", f"{arms} (control: {record.control})"),
        ("Primary metric", record.primary),
        ("Scenario SHA-256", str(m.get("scenario_sha256", "?"))[:16]),
        ("Run folder", label),
    ]  # fmt: skip


def _date(stamp: str | None) -> str:
    if not stamp:
        return "?"
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M %Z").strip()
    except ValueError:
        return stamp


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cjk_family(fonts: FontSet) -> str | None:
    return fonts.cjk.family if fonts.cjk is not None else None


def _write(doc: ReportDocument, out: Path) -> Path:
    """Write next to ``out`` and rename, so a reader never sees half a PDF."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        doc.output(str(temp))
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return out
