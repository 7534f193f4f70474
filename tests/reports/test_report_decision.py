"""The recommendation rule on hand-made rows."""

from __future__ import annotations

from xsim.estimators.effects.results import empty_row
from xsim.reports.decision import decide


def _row(arm, metric="conv", diff=0.01, significant=True, role="primary", noninferior=None):
    row = empty_row()
    row.update(arm=arm, control="control", metric=metric, role=role, cuped=False, diff=diff,
               diff_ci_low=diff - 0.005, diff_ci_high=diff + 0.005, significant=significant,
               p_adjusted=0.01 if significant else 0.5, noninferior=noninferior,
               prob_beat_control=0.99 if diff > 0 else 0.01)  # fmt: skip
    return row


def _guard(arm, holds, verdict=None):
    row = _row(arm, "churned", 0.0, None, "guardrail", holds)
    row["verdict"] = verdict or ("holds" if holds else "breached")
    return row


def test_best_significant_arm_with_guardrails_wins():
    rows = [_row("a", diff=0.01), _row("b", diff=0.02), _guard("a", True), _guard("b", True)]
    assert decide(rows, "conv", "control", None).recommended == "b"


def test_a_breached_guardrail_disqualifies():
    rows = [_row("a", diff=0.01), _row("b", diff=0.02), _guard("a", True), _guard("b", False)]
    decision = decide(rows, "conv", "control", None)
    assert decision.recommended == "a"
    assert any("Guardrail churned is breached for b" in r.text for r in decision.risks)


def test_an_inconclusive_guardrail_disqualifies_without_being_called_breached():
    rows = [_row("a", diff=0.01), _guard("a", False, "inconclusive")]
    decision = decide(rows, "conv", "control", None)
    assert decision.recommended is None
    texts = [r.text for r in decision.risks]
    assert any("Guardrail churned is inconclusive" in t for t in texts)
    assert not any("breached" in t for t in texts)


def test_nothing_significant_keeps_control():
    rows = [_row("a", significant=False), _row("b", diff=-0.02)]
    decision = decide(rows, "conv", "control", None)
    assert decision.recommended is None
    reasons = {v.arm: v.why_not() for v in decision.verdicts}
    assert reasons == {
        "a": "is not significant after correction",
        "b": "moves the primary metric the wrong way",
    }


def test_lower_is_better_metrics_are_oriented():
    rows = [_row("a", metric="churned", diff=-0.02), _row("b", metric="churned", diff=0.03)]
    assert decide(rows, "churned", "control", None).recommended == "a"


def test_sample_ratio_mismatch_is_the_biggest_risk():
    rows = [_row("a")]
    srm = {"mismatch": True, "p_value": 1e-9}
    assert decide(rows, "conv", "control", srm).risks[0].text.startswith("Sample ratio mismatch")
