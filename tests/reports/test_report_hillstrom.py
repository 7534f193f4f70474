"""The analysis report of a real experiment (Hillstrom e-mail test), via `xsim analyze --pdf`."""

from __future__ import annotations

import json

from tests.reports.conftest import ink_share, page_texts, render_pages, run_cli, squeeze
from xsim.reports.tables import sig


def test_hillstrom_analysis_report(shared_data, tmp_path, pdftoppm):
    data = shared_data / "hillstrom" / "hillstrom.csv.gz"
    pdf, results = tmp_path / "hillstrom.pdf", tmp_path / "hillstrom.json"
    result = run_cli(
        "analyze", data, "--arm", "segment", "--control", "No E-Mail",
        "--metric", "visit", "--metric", "conversion", "--metric", "spend",
        "--covariate", "history", "--covariate", "recency", "--json", results, "--pdf", pdf,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    texts = page_texts(pdf)
    text = squeeze("\n".join(texts))
    assert "A/Banalysisofhillstrom.csv.gz" in squeeze(texts[0])
    rows = json.loads(results.read_text())["rows"]
    visit = [r for r in rows if r["metric"] == "visit" and r["cuped"]]  # covariates: CUPED rows
    for row in visit:
        assert f"difference{sig(row['diff'], True)}(CI{sig(row['diff_ci_low'])}to" in text
    assert "Recommendation:rolloutMensE-Mail." in text  # visit +7.7 pts beats Womens' +4.5
    for heading in ("Executivesummary", "Methodsandassumptions", "Resultsbymetric", "Appendix"):
        assert heading in text
    pages = render_pages(pdftoppm, pdf, tmp_path / "png")
    assert all(ink_share(page) > 0.005 for page in pages)
