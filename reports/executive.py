"""The executive summary in plain sentences: what to do, how sure we are, what could go wrong.

Every number is formatted by `xsim.reports.tables.sig` from the same rows as effects.csv, so a
test can recompute the text from the CSV.
"""

from __future__ import annotations

import math

from xsim.analysis.claims import NOT_ESTIMABLE
from xsim.analysis.decision import Decision as RunDecision
from xsim.analysis.objective import ObjectiveResult
from xsim.reports.decision import ArmVerdict, Decision, Risk, rank_risks
from xsim.reports.tables import DASH, pct, sig

CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no"}


def _run_decision_sentences(run_decision: RunDecision | None) -> list[str]:
    if run_decision is None:
        return []
    sentences = [f"Decision (on the {run_decision.score_label}): {run_decision.statement}"]
    sentences += [f"Fails a constraint: {note}." for note in run_decision.notes]
    return sentences


def headline(decision: Decision, secondary: bool = False) -> str:
    if secondary:
        best = decision.recommended or "no arm"
        return (
            f"On the primary metric {decision.primary} alone (significant after correction, "
            f"guardrails holding), the best arm is {best}; the decision above weighs both firms."
        )
    if decision.recommended is None:
        return (
            f"Recommendation: keep {decision.control}; no arm is recommended. No treatment arm "
            f"improves {decision.primary} significantly after correction while holding its "
            "guardrails."
        )
    return (
        f"Recommendation: roll out {decision.recommended}. It has the best significant effect "
        f"on the primary metric {decision.primary} among the arms whose guardrails hold."
    )


def primary_sentence(decision: Decision, settings: dict) -> str:
    alpha = settings.get("alpha", 0.05)
    correction = CORRECTION_NAMES.get(settings.get("correction", "holm"), "the")
    kind = "CUPED-adjusted" if decision.adjusted else "unadjusted"
    n_tests = len(settings.get("metrics") or []) * len(settings.get("treatments") or [])
    family = f" over {n_tests} tests" if n_tests else ""
    return (
        f"Primary metric: {decision.primary} ({kind} estimates; {correction} correction"
        f"{family}, alpha = {alpha:g}; intervals are {1 - alpha:.0%} CIs)."
    )


def arm_sentence(verdict: ArmVerdict, control: str) -> str:
    row = verdict.row
    if row is None:
        return f"{verdict.arm}: no estimate for the primary metric."
    lift = f", relative lift {pct(row['rel_lift'])}" if row["rel_lift"] is not None else ""
    state = {True: "significant", False: "not significant", None: "undetermined"}
    verdict_text = row.get("verdict") or state[row["significant"]]
    text = (
        f"{verdict.arm} vs {control}: {row['metric']} {sig(row['mean_treatment'])} vs "
        f"{sig(row['mean_control'])}; difference {sig(row['diff'], True)} (CI "
        f"{sig(row['diff_ci_low'])} to {sig(row['diff_ci_high'])}){lift}; adjusted p = "
        f"{sig(row['p_adjusted'])}, {verdict_text} after correction"
    )
    if row.get("status") == NOT_ESTIMABLE:
        text += f" ({NOT_ESTIMABLE}: too few claims)"
    if row.get("prob_beat_control") is not None:
        text += f"; chance to beat control {pct(row['prob_beat_control'], False)}"
    text += "."
    if not verdict.qualifies:
        text += f" Not recommended: it {verdict.why_not()}."
    return text


_GUARDRAIL_WORDS = {
    "holds": "holds",
    "breached": "is breached",
    "inconclusive": "is inconclusive",
    "insufficient data": "cannot be judged (insufficient data)",
}


def guardrail_sentence(decision: Decision) -> str:
    parts = []
    for v in decision.verdicts:
        for g in v.guardrails:
            state = _GUARDRAIL_WORDS.get(g.get("verdict"), "is undetermined")
            parts.append(
                f"{g['metric']} {state} for {v.arm} (difference "
                f"{sig(g['diff'], True)}, CI {sig(g['diff_ci_low'])} to "
                f"{sig(g['diff_ci_high'])}, margin {sig(g['ni_margin'])})"
            )
    if not parts:
        return "Guardrails: none were set."
    return "Guardrails: " + "; ".join(parts) + "."


def srm_sentence(srm: dict | None) -> str | None:
    if not srm:
        return None
    if srm.get("mismatch"):
        return f"Randomisation check: sample ratio MISMATCH (p = {sig(srm.get('p_value'))})."
    return f"Randomisation check: no sample ratio mismatch (p = {sig(srm.get('p_value'))})."


def truth_sentence(decision: Decision) -> str | None:
    parts = []
    for v in decision.verdicts:
        if v.row is not None and v.row.get("true_diff") is not None:
            inside = {True: "inside", False: "OUTSIDE", None: DASH}[v.row.get("ci_covers_truth")]
            parts.append(f"{v.arm} {sig(v.row['true_diff'], True)} ({inside} the CI)")
    if not parts:
        return None
    return (
        f"Simulated truth (twin worlds): the true effect on {decision.primary} is "
        + "; ".join(parts)
        + "."
    )


def joint_value_sentence(points, source: str) -> str:
    """M = P·F per arm from a frame with column M as scored (index: arms)."""
    values = points["M"].dropna()
    if values.empty:
        return ""
    listed = ", ".join(f"{arm} {sig(m)}" for arm, m in values.items())
    return f"Joint value M(S) = P(S)·F(S) ({source}): {listed}; highest for {values.idxmax()}."


def sales_sentence(arm: str, sales: dict[str, float]) -> str | None:
    """Where an arm's policies come from: partnership sales per user and the share of them
    that displaced an organic sale (cannibalisation), with its CI and twin-world truth."""
    if not sales or not sales.get("partnership_per_user"):
        return None
    low, high = sales["displaced_low"], sales["displaced_high"]
    truth, true_share = sales["displaced_true"], sales["cannibalised_share_true"]
    true_part = "" if math.isnan(truth) else f"; true {sig(truth)}"
    if not math.isnan(true_share):
        true_part += f", {pct(true_share, False)} of its partnership sales"
    if low <= 0 <= high:
        share_part = "not distinguishable from none"
    elif sales["cannibalised_share"] >= 0:
        share_part = (
            f"{pct(sales['cannibalised_share'], False)} of its partnership sales would have "
            "been organic"
        )
    else:
        share_part = "a halo: organic sales rose beside the partnership's"
    return (
        f"Sales of {arm}: {sig(sales['partnership_per_user'])} partnership policies per user; "
        f"organic sales displaced {sig(sales['displaced_per_user'])} per user "
        f"[{sig(low)}, {sig(high)}]{true_part} ({share_part})."
    )


def fixed_cost_sentence(objective: ObjectiveResult) -> str | None:
    """One-off costs per arm at roll-out (in total and per user), when any arm has them."""
    parts = [
        f"{a.arm} {sig(q['fixed_cost_at_rollout'])} ({sig(q['fixed_cost_per_user'])} per user)"
        for a in objective.arms
        if (q := a.quantities).get("fixed_cost_at_rollout")
    ]
    return "Fixed costs at roll-out to every user: " + "; ".join(parts) + "." if parts else None


def objective_sales_sentences(objective: ObjectiveResult | None) -> list[str]:
    """`sales_sentence` for every arm, then the roll-out fixed costs (none without a result)."""
    if objective is None:
        return []
    sentences = [*(sales_sentence(a.arm, a.sales) for a in objective.arms),
                 fixed_cost_sentence(objective)]  # fmt: skip
    return [s for s in sentences if s]


def joint_value_risk(points, recommended: str | None, control: str) -> list[Risk]:
    """A risk when the recommended arm's M = P·F falls below control's (point estimates)."""
    values = points["M"].dropna()
    if recommended not in values or control not in values:
        return []
    if values[recommended] >= values[control]:
        return []
    text = (
        f"{recommended} lowers the joint value M(S) = P(S)·F(S) ({sig(values[recommended])} vs "
        f"{sig(values[control])} for {control}, point estimates): the gain on the primary "
        "metric does not pay off for both partners together."
    )
    return [Risk(text, 2, recommended)]


def summary_paragraphs(
    decision: Decision,
    settings: dict,
    srm: dict | None,
    extra_risks: list[Risk],
    extra_sentences: list[str] = (),
    run_decision: RunDecision | None = None,
) -> tuple[list[str], list[Risk]]:
    """The summary's sentences and every risk, most serious first (the first is quoted). A run's
    own decision (decision.json, on the scenario's objective) comes first when given; the
    primary-metric reading then follows as evidence, not as a second recommendation."""
    risks = rank_risks([*decision.risks, *extra_risks], decision.recommended)
    sentences = [
        *_run_decision_sentences(run_decision),
        headline(decision, secondary=run_decision is not None),
        primary_sentence(decision, settings),
        *(arm_sentence(v, decision.control) for v in decision.verdicts),
        guardrail_sentence(decision),
        srm_sentence(srm),
        truth_sentence(decision),
        *extra_sentences,
        f"Biggest risk: {risks[0].text}" if risks else "Biggest risk: none found in the results.",
    ]
    return [s for s in sentences if s], risks
