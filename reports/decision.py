"""What to do and how sure we are: the recommended arm and the statistical risks, from rows.

The recommended arm is the treatment arm with the best effect on the primary metric among those
that are significant after the multiple-testing correction, move the metric the right way and
hold every guardrail. When none qualifies the recommendation is to keep control.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xsim.reports.tables import lower_is_better, overall_rows, pct, sig


@dataclass
class ArmVerdict:
    arm: str
    row: dict | None  # the primary-metric row the decision used
    guardrails: list[dict] = field(default_factory=list)

    @property
    def lower_is_better(self) -> bool:
        return self.row is not None and lower_is_better(self.row)

    @property
    def gain(self) -> float | None:
        """The effect oriented so that positive is good."""
        if self.row is None or self.row["diff"] is None:
            return None
        return -self.row["diff"] if self.lower_is_better else self.row["diff"]

    @property
    def improves(self) -> bool:
        return bool(self.row and self.row["significant"] and (self.gain or 0) > 0)

    @property
    def guardrails_hold(self) -> bool:
        return all(g["noninferior"] is True for g in self.guardrails)

    @property
    def qualifies(self) -> bool:
        return self.improves and self.guardrails_hold

    def why_not(self) -> str:
        if self.row is None:
            return "has no estimate for the primary metric"
        if self.row.get("verdict") == "insufficient data":
            return "has too little data for a valid test of the primary metric"
        if not self.row["significant"]:
            return "is not significant after correction"
        if not self.improves:
            return "moves the primary metric the wrong way"
        failed = [g["metric"] for g in self.guardrails if g["noninferior"] is not True]
        return f"fails the guardrail(s) {', '.join(failed)}"


@dataclass(frozen=True)
class Risk:
    text: str
    severity: int  # 3 invalidates the test, 2 harms a partner, 1 weakens the evidence
    arm: str | None = None  # None: concerns the whole experiment


def rank_risks(risks: list[Risk], recommended: str | None) -> list[Risk]:
    """Most serious first; risks of arms nobody recommends come after the rest."""
    return sorted(risks, key=lambda r: (r.arm not in (None, recommended), -r.severity))


@dataclass
class Decision:
    primary: str
    control: str
    adjusted: bool  # the CUPED-adjusted rows were used for the primary metric
    verdicts: list[ArmVerdict]
    recommended: str | None
    risks: list[Risk]


def primary_rows(rows: list[dict], primary: str) -> tuple[dict[str, dict], bool]:
    """Per arm, the overall primary-metric row: CUPED-adjusted when the analysis adjusted that
    metric (pre-specified covariates), raw otherwise."""
    chosen = [r for r in overall_rows(rows) if r["metric"] == primary and r["role"] == "primary"]
    adjusted = any(r["cuped"] for r in chosen)
    return {r["arm"]: r for r in chosen if r["cuped"] == adjusted}, adjusted


def decide(rows: list[dict], primary: str, control: str, srm: dict | None,
           arms: list[str] | None = None) -> Decision:  # fmt: skip
    """The decision over the treatment arms (in the order of ``arms`` when given)."""
    by_arm, adjusted = primary_rows(rows, primary)
    guards = [r for r in overall_rows(rows) if r["role"] == "guardrail"]
    seen = list(dict.fromkeys(r["arm"] for r in overall_rows(rows)))
    arms = [a for a in arms or [] if a in seen] + [a for a in seen if a not in (arms or [])]
    verdicts = [
        ArmVerdict(arm, by_arm.get(arm), [g for g in guards if g["arm"] == arm]) for arm in arms
    ]
    qualified = [v for v in verdicts if v.qualifies]
    best = max(qualified, key=lambda v: v.gain, default=None)
    recommended = best.arm if best is not None else None
    risks = statistical_risks(rows, verdicts, recommended, srm)
    return Decision(primary, control, adjusted, verdicts, recommended, risks)


def statistical_risks(rows, verdicts, recommended, srm) -> list[Risk]:
    """Risks visible in the A/B results, most serious first."""
    risks = []
    if srm and srm.get("mismatch"):
        text = (
            f"Sample ratio mismatch (chi-square p = {sig(srm.get('p_value'))}): the arms are "
            "not the sizes the design intended, so every estimate may be biased."
        )
        risks.append(Risk(text, 3))
    for v in verdicts:
        for g in v.guardrails:
            if g["noninferior"] is not True:
                state = _GUARDRAIL_STATES.get(g.get("verdict"), "cannot be established")
                text = f"Guardrail {g['metric']} {state} for {v.arm} ({_diff(g)})."
                risks.append(Risk(text, 2, v.arm))
    for r in sorted(overall_rows(rows), key=lambda r: r["p_adjusted"] or 1.0):
        if _harms(r):
            text = (
                f"{r['arm']} significantly worsens {r['metric']} ({_diff(r)}, p adj "
                f"{sig(r['p_adjusted'])})."
            )
            risks.append(Risk(text, 2, r["arm"]))
    missed = [r for r in overall_rows(rows) if r.get("ci_covers_truth") is False and not r["cuped"]]
    if missed:
        names = ", ".join(f"{r['metric']} / {r['arm']}" for r in missed)
        text = (
            f"The CI misses the simulated true effect for {names}: interference (word of "
            "mouth, a pooled recommender) or chance; a real pilot would not show this gap."
        )
        risks.append(Risk(text, 1))
    return rank_risks(risks, recommended)


_GUARDRAIL_STATES = {
    "breached": "is breached",
    "inconclusive": "is inconclusive",
    "insufficient data": "cannot be judged (insufficient data)",
}


def _harms(row: dict) -> bool:
    if row["role"] == "guardrail" or row["cuped"] or not row["significant"]:
        return False
    diff = row["diff"] or 0
    return diff > 0 if lower_is_better(row) else diff < 0


def _diff(row: dict) -> str:
    lift = f", {pct(row['rel_lift'])}" if row["rel_lift"] is not None else ""
    return (
        f"difference {sig(row['diff'], True)}, CI {sig(row['diff_ci_low'])} to "
        f"{sig(row['diff_ci_high'])}{lift}"
    )
