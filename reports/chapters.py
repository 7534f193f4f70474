"""The chapters every report shares (simulated run or real data): title page, executive
summary, risks, methods, per-metric results, appendix."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from xsim import __version__
from xsim.reports.decision import Decision, Risk
from xsim.reports.document import SMALL_PT, ReportDocument
from xsim.reports.executive import summary_paragraphs
from xsim.reports.figures_effects import forest_plot
from xsim.reports.runfolder import EffectsView
from xsim.reports.tables import (
    LEFT_ALIGNED,
    SEGMENT_COLUMNS,
    effect_cells,
    effect_columns,
    metric_table,
    metrics_in_order,
    overall_rows,
)

TESTS = {
    "welch_t": "means: Welch's t test (Welch-Satterthwaite degrees of freedom)",
    "z_unpooled": "proportions: z test with the unpooled variance for both CI and p-value",
    "z_pooled": "proportions: z test with the pooled rate (CI unpooled)",
    "delta_z": "ratios: delta-method z test (users, not visits, are the units)",
    "ols_hc1": "CUPED/ANCOVA rows: OLS on pre-period covariates with HC1 robust SEs",
}
CORRECTIONS = {
    "holm": "Holm (family-wise error rate)",
    "bh": "Benjamini-Hochberg (false discovery rate)",
    "none": "none",
}
HEADINGS = {
    "summary": "Executive summary",
    "risks": "What could go wrong",
    "methods": "Methods and assumptions",
    "effects": "Results by metric",
    "segments": "Results by segment",
    "appendix": "Appendix",
}


def title_page(doc: ReportDocument, title: str, subtitle: str,
               fields: list[tuple[str, str]]) -> None:  # fmt: skip
    doc.add_page()
    doc.set_y(60)
    doc.set_font("body", "B", 24)
    doc.multi_cell(0, 11, doc.fontset.clean(title), new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.paragraph(subtitle, 12)
    doc.ln(8)
    doc.table_of(None, fields, left={""}, size=9)
    if doc.fontset.note:
        doc.note(doc.fontset.note)
    doc.set_y(-40)
    rendered = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc.paragraph(f"Rendered by xsim {__version__} on {rendered}.", SMALL_PT)


def executive_summary(doc: ReportDocument, decision: Decision, effects: EffectsView,
                      extra_risks: list[Risk], extra: list[str] = (),
                      run_decision: dict | None = None) -> list[Risk]:  # fmt: skip
    """The summary page; returns every risk, most serious first."""
    doc.add_page()
    doc.heading(HEADINGS["summary"])
    sentences, risks = summary_paragraphs(
        decision, effects.settings, effects.srm, extra_risks, extra, run_decision
    )
    doc.paragraph(sentences[0], 11, "B")
    for sentence in sentences[1:]:
        doc.paragraph(sentence)
    return risks


def risks_section(doc: ReportDocument, risks: list[Risk]) -> None:
    doc.heading(HEADINGS["risks"])
    if not risks:
        doc.paragraph("Nothing in the results stands out; the caveats in the methods apply.")
        return
    doc.paragraph(
        "Ranked by how much they could change the decision: risks that invalidate the test "
        "first, then harm to a partner, then weak evidence; risks of arms not recommended last."
    )
    doc.bullets([r.text for r in risks])


def methods(doc: ReportDocument, effects: EffectsView, model: list[str],
            caveats: list[str]) -> None:  # fmt: skip
    doc.heading(HEADINGS["methods"])
    for line in model:
        doc.paragraph(line)
    settings = effects.settings
    tests = sorted({r["test"] for r in effects.rows if r["test"]})
    doc.paragraph(
        f"Tests (alpha = {settings.get('alpha', 0.05):g}, two-sided): "
        + "; ".join(TESTS.get(t, t) for t in tests)
        + ". Relative lifts use Fieller's interval (log-delta when unbounded)."
    )
    family = len(settings.get("metrics") or []) * len(settings.get("treatments") or [])
    doc.paragraph(
        f"Multiple testing: {CORRECTIONS.get(settings.get('correction'), 'holm')} over the "
        f"family of every metric x treatment arm ({family} tests per table; raw, CUPED and "
        "each segment's table are separate families). CIs are per comparison (unadjusted). "
        "Guardrails are non-inferiority tests outside the family."
    )
    for caveat in caveats:
        doc.paragraph(caveat)
    doc.heading("Numbered notes of the analysis", level=2)
    doc.bullets([f"[{i}] {note}" for i, note in enumerate(effects.notes, 1)], SMALL_PT + 0.5)


def effects_section(doc: ReportDocument, effects: EffectsView, arms: list[str]) -> None:
    doc.heading(HEADINGS["effects"], new_page=True)
    rows = effects.to_dicts()
    chart = forest_plot(rows, arms)
    if chart is not None:
        doc.figure(*chart)
    level = 1 - effects.settings.get("alpha", 0.05)
    doc.paragraph(
        f"Tables per metric: each treatment arm vs control; raw rows, CUPED-adjusted rows "
        f"where covariates were given, guardrail rows. diff [CI] is the absolute difference "
        f"with its {level:.0%} CI, lift [CI] the relative lift (Fieller), p adj the p-value "
        "adjusted over the family, P(beat) the Bayesian chance to beat control and true diff "
        "the simulated true effect (when known)."
    )
    for metric in metrics_in_order(overall_rows(rows)):
        columns, cells = metric_table(rows, metric)
        guard = any(r["role"] == "guardrail" for r in rows if r["metric"] == metric)
        doc.heading(f"{metric}{' (guardrail)' if guard else ''}", level=2)
        doc.table_of(columns, cells, caption=f"{metric}: each arm vs control.",
                     left=LEFT_ALIGNED)  # fmt: skip


def segments_section(doc: ReportDocument, effects: EffectsView) -> None:
    rows = [r for r in effects.to_dicts() if r["segment"] is not None]
    if not rows:
        return
    doc.heading(HEADINGS["segments"])
    columns = effect_columns(rows, SEGMENT_COLUMNS)
    cells = [effect_cells(r, columns) for r in rows]
    doc.table_of(columns, cells, caption="Each segment's own table (its own family).",
                 left=LEFT_ALIGNED)  # fmt: skip


def appendix(doc: ReportDocument, blocks: list[tuple[str, str]]) -> None:
    """Listings, two columns each (a normalised scenario runs to hundreds of short lines)."""
    doc.heading(HEADINGS["appendix"], new_page=True)
    for title, text in blocks:
        doc.heading(title, level=2)
        doc.code(text, columns=2)


def as_json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
