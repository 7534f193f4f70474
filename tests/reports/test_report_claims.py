"""Realised claims in the console and the PDF, and 'not yet estimable' in the effect tables.

The small run (3,000 users, a rare accident product) has far fewer than 30 claims per arm, so
its claims metric ``insurer_margin`` must never be called significant.
"""

from __future__ import annotations

import json

import pandas as pd

from tests.reports.conftest import page_texts, squeeze
from xsim.analysis.claims import NOT_ESTIMABLE
from xsim.reports.tables import effect_cells, realised_claims_rows


def test_console_and_pdf_show_the_realised_claims_table(small_cli_run):
    run, console = small_cli_run
    records = json.loads((run / "risk.json").read_text(encoding="utf-8"))["realised_claims"]
    assert [r["arm"] for r in records] == ["control", "offer", "bundle"]
    pdf = squeeze("\n".join(page_texts(run / "report.pdf")))
    console = squeeze(console)
    assert "Realisedclaimsperarm" in console and "Realisedclaims:" in pdf
    for row in realised_claims_rows(records):
        for cell in row:
            assert squeeze(cell) in console, cell
            assert squeeze(cell) in pdf, cell


def test_thin_claims_metrics_are_not_yet_estimable_everywhere(small_cli_run):
    run, console = small_cli_run
    effects = pd.read_csv(run / "effects.csv")
    claims_rows = effects[effects.metric == "insurer_margin"]
    assert len(claims_rows) and (claims_rows.status == NOT_ESTIMABLE).all()
    row = claims_rows.iloc[0].to_dict()
    assert effect_cells(row, ("verdict",)) == [NOT_ESTIMABLE]
    assert not claims_rows.significant.astype(bool).any()
    assert (effects[effects.metric == "course_revenue"].status == "estimated").all()
    notes = json.loads((run / "effects.json").read_text(encoding="utf-8"))["notes"]
    assert any("claims metrics (insurer_margin) are not yet estimable" in n for n in notes)
    pdf = squeeze("\n".join(page_texts(run / "report.pdf")))
    assert squeeze(NOT_ESTIMABLE) in pdf and squeeze(NOT_ESTIMABLE) in squeeze(console)
