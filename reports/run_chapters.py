"""Chapters only a simulated run has: the model, per-arm metrics over time, the insurance
side and the joint value P·F."""

from __future__ import annotations

import pandas as pd

from xsim.analysis.claims import MIN_CLAIMS
from xsim.reports.decision import Risk
from xsim.reports.document import ReportDocument
from xsim.reports.figures_insurance import claims_plot, funnel_plot, pf_plot
from xsim.reports.figures_time import cumulative_plot, retention_plot
from xsim.reports.insurance import claims_table, funnel, insurance_risks
from xsim.reports.runfolder import RunRecord
from xsim.reports.tables import (
    REALISED_CLAIMS_HEADER,
    format_value,
    pct,
    realised_claims_notes,
    realised_claims_rows,
    sig,
    summary_rows,
)

HEADINGS = {"arms": "Arms over time", "insurance": "Insurance and joint value"}
_COMMON_STRATEGY_KEYS = {"start_day", "end_day", "every_days", "budget", "fixed_cost", "payer",
                         "segments", "require_consent", "exclude_insured", "kind"}  # fmt: skip


def model_paragraphs(record: RunRecord) -> list[str]:
    s = record.scenario
    population = s.get("population") or {}
    segments = ", ".join(population.get("segments") or {})
    products = (s.get("insurer") or {}).get("products") or {}
    experiment = s.get("experiment") or {}
    courses = ((s.get("platform") or {}).get("catalogue") or {}).get("n_courses", "?")
    lines = [
        f"Model: xsim {record.manifest.get('xsim_version', '?')} simulated "
        f"{population.get('n_users', len(record.users)):,} users (segments: {segments}) on a "
        f"course platform with {courses} courses, {experiment.get('warmup_days', 0)} warm-up "
        "days (pre-period covariates) and "
        f"{experiment.get('duration_days', '?')} experiment days; randomisation unit: "
        f"{experiment.get('unit', 'user')}. Behaviour is vectorised per day; claims arrive as a "
        "Poisson process in each policyholder's latent risk and are reported after a delay.",
        "Products: " + "; ".join(_product(name, p) for name, p in products.items()) + ".",
        "Arms: " + "; ".join(_arm(name, a) for name, a in (s.get("arms") or {}).items()) + ".",
    ]
    return lines


def _product(name: str, p: dict) -> str:
    return (
        f"{name} (premium {p.get('premium_per_year')}/year, claim frequency "
        f"{p.get('claim_frequency_per_year')}/year, mean severity "
        f"{(p.get('severity') or {}).get('mean')}, commission {p.get('commission')})"
    )


def _arm(name: str, arm: dict) -> str:
    strategy = arm.get("strategy") or {}
    params = ", ".join(
        f"{k} {v}" for k, v in strategy.items() if k not in _COMMON_STRATEGY_KEYS and v is not None
    )
    detail = f": {params}" if params else ""
    return f"{name} (weight {arm.get('weight', 1)}, {strategy.get('kind', '?')}{detail})"


def run_caveats(record: RunRecord) -> list[str]:
    users = record.users
    caveats = []
    if {"claims_ibnr_count", "claims_ibnr", "claims_incurred"} <= set(users.columns):
        count = int(users.claims_ibnr_count.sum())
        incurred = users.claims_incurred.sum()
        share = users.claims_ibnr.sum() / incurred if incurred > 0 else 0.0
        caveats.append(
            f"IBNR caveat: claims are reported and settled after a delay, so at the horizon "
            f"{count} claim(s) ({pct(share, False)} of the incurred amount) had occurred but were "
            "not yet reported. They are counted in claims incurred and the loss ratio from the "
            "simulation's knowledge; a real insurer would have to estimate them, and claims "
            "occurring after the horizon are not seen at all."
        )
    caveats.append(
        "Loss ratio = claims incurred / premium earned (pro rata over the experiment period). "
        "Money follows who pays: the platform earns course revenue and commission and pays its "
        "discounts and contacts; the insurer earns premium and pays claims, commission and its "
        "own costs."
    )
    truth = "ran" if record.truth else "did not run (off, or the population was too large)"
    caveats.append(
        f"Ground truth: twin worlds {truth}; they apply each arm to the whole population with "
        "common random numbers, so the gap between estimate and truth shows interference."
    )
    return caveats


def arms_section(doc: ReportDocument, record: RunRecord) -> None:
    doc.heading(HEADINGS["arms"], new_page=True)
    if record.summary is not None:
        header, rows = summary_rows(record.summary)
        caption = "Per-arm key metrics over the experiment period (the console shows the same)."
        doc.table_of(header, rows, caption=caption, left={"metric"})
    missing = []
    for chart, needs in ((cumulative_plot(record), "cumulative metrics need daily.parquet"),
                         (retention_plot(record), "retention needs events.parquet")):  # fmt: skip
        if chart is not None:
            doc.figure(*chart)
        else:
            missing.append(needs)
    if missing:
        doc.paragraph(f"Not shown: {'; '.join(missing)} in the run folder.", style="I")


def insurance_numbers(record: RunRecord) -> tuple[pd.DataFrame, list[Risk]]:
    """Claims by arm and the insurance risks they show."""
    table = claims_table(record)
    return table, insurance_risks(table)


def insurance_section(doc: ReportDocument, record: RunRecord, table: pd.DataFrame,
                      points: tuple[pd.DataFrame, str] | None) -> None:  # fmt: skip
    """Funnel, claims by arm (``table`` from `insurance_numbers`) and P vs F (``points``
    from `pf_points`)."""
    doc.heading(HEADINGS["insurance"], new_page=True)
    doc.figure(*funnel_plot(funnel(record)))
    header = ["arm", "policies", "claims", "loss ratio [CI]", "A/E [CI]", "IBNR claims",
              "IBNR share", "risk of insured"]  # fmt: skip
    rows = [
        [str(arm), f"{int(r.policies):,}", f"{int(r.claims):,}",
         _ci(r.loss_ratio, r.lr_low, r.lr_high, r.claims),
         _ci(r.actual_expected, r.ae_low, r.ae_high, r.claims), f"{int(r.ibnr_count):,}",
         pct(r.ibnr_share, False), sig(r.risk_index)]
        for arm, r in table.iterrows()
    ]  # fmt: skip
    caption = (
        "Claims by arm. A/E = actual / expected claims (expected from the historical book). "
        "Risk of insured = mean latent risk of the users each arm insured over its average "
        "user (above 1: adverse selection; known only in simulation)."
    )
    doc.table_of(header, rows, caption=caption, left={"arm"})
    realised_claims_table(doc, record)
    chart = claims_plot(table)
    if chart is not None:
        doc.figure(*chart)
    if points is not None:
        doc.figure(*pf_plot(*points))
        m_rows = [[str(a), format_value("", r.P), format_value("", r.F), sig(r.M, digits=4)]
                  for a, r in points[0].iterrows()]  # fmt: skip
        doc.table_of(["arm", "P(S)", "F(S)", "M(S) = P·F"], m_rows, caption="Joint value.")


def realised_claims_table(doc: ReportDocument, record: RunRecord) -> None:
    """risk.json's realised claims per arm (the console shows the same), when the run has it."""
    records = (record.extras.get("risk") or {}).get("realised_claims")
    if not records:
        return
    caption = (
        "Realised claims: occurring in the experiment and reported by the horizon, with exact "
        "Poisson (count) and compound-Poisson (amount) intervals; the chain-ladder ultimate "
        "projects each arm's own reporting triangle (IBNR and Mack's standard error in "
        "brackets), beside the simulation's true incurred (IBNR in brackets). Under "
        f"{MIN_CLAIMS} claims an arm's claims metrics are not yet estimable."
    )
    caption = " ".join([caption, *(f"{note}." for note in realised_claims_notes(records))])
    doc.table_of(list(REALISED_CLAIMS_HEADER), realised_claims_rows(records), caption=caption,
                 left={"arm"})  # fmt: skip


def _ci(value, low, high, claims) -> str:
    if value != value:  # NaN: no premium or no expected claims
        return "–"
    if claims == 0:
        return f"{sig(value)} (no claims yet)"
    return f"{sig(value)} [{sig(low)}, {sig(high)}]"
