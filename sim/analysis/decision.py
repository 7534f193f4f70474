"""The decision: which arm to roll out, on the objective the scenario decides on.

`decide` reads the scored objective (never recomputes it) and applies one rule: the recommended
arm is the feasible arm whose objective interval lies entirely above control's, with the best
point estimate among those; otherwise no arm is distinguishable from control, and the decision
says what it would take (how many times the users for the best arm's interval to clear it).
The console, decision.json and the PDF's first page all print `Decision.statement`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from statistics import NormalDist

from xsim.analysis.objective import SCORE_BASELINES
from xsim.core.errors import InputError
from xsim.core.jsonio import finite, nan_for_null, shape_problem

BASELINES = SCORE_BASELINES  # score -> control's value on it: ratios 1, gains 0
LABELS = {
    "M": "joint value M = P·F",
    "P": "platform value P",
    "F": "insurer value F",
    "nash": "Nash product",
    "joint_surplus": "joint surplus per user",
    "platform_gain": "platform's gain per user",
    "insurer_gain": "insurer's gain per user",
}
CONSTRAINT_LABELS = {
    "loss_ratio": "loss ratio",
    "spend": "spend",
    "spend_per_user": "spend per user",
    "unsubscribe_rate": "unsubscribe rate",
}


@dataclass(frozen=True)
class ArmVerdict:
    """One arm on the decision score: estimate, interval, truth, and why it is (not) chosen."""

    arm: str
    value: float
    low: float
    high: float
    truth: float | None
    feasible: bool
    failed: list[str]
    clears_control: bool
    se: float = math.nan


@dataclass(frozen=True)
class Decision:
    decide_on: str
    control: str
    recommended: str | None
    statement: str
    arms: list[ArmVerdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["score_label"] = self.score_label
        return finite(data)

    @property
    def score_label(self) -> str:
        return LABELS.get(self.decide_on) or metric_label(self.decide_on)

    @classmethod
    def from_dict(cls, data: dict) -> Decision:
        """The decision `to_dict` wrote (decision.json); `InputError` naming the first missing
        field when the document is not one."""
        try:
            arms = [ArmVerdict(**{k: nan_for_null(v) for k, v in a.items()})
                    for a in data["arms"]]  # fmt: skip
            return cls(str(data["decide_on"]), str(data["control"]), data["recommended"],
                       str(data["statement"]), arms, list(data.get("notes") or []))  # fmt: skip
        except (KeyError, TypeError) as exc:
            raise InputError(f"not a decision ({shape_problem(exc)})") from exc


def decide(objective, decide_on: str, effect_rows: list[dict] | None = None) -> Decision:
    """The decision on ``decide_on`` from an `ObjectiveResult`: a score of the objective, or
    a user-table metric whose difference from control (its raw overall effect row in
    ``effect_rows``) decides. Each verdict carries its twin-world truth when known."""
    if decide_on in BASELINES:
        base, label = BASELINES[decide_on], LABELS[decide_on]
        verdicts = [_score_verdict(arm, decide_on, base) for arm in _treated(objective)]
    else:
        base, label = 0.0, metric_label(decide_on)
        verdicts = _metric_verdicts(objective, decide_on, effect_rows or [])
    winners = [v for v in verdicts if v.feasible and v.clears_control]
    best = max(winners, key=lambda v: v.value) if winners else None
    if best is not None:
        statement = (
            f"Roll out {best.arm}: its {label} is {_num(best.value)} "
            f"[{_num(best.low)}, {_num(best.high)}], above control's {_num(base)}."
        )
    else:
        statement = f"No arm is distinguishable from control on the {label}." + _what_it_takes(
            verdicts, base
        )
    notes = [line for v in verdicts for line in v.failed]
    return Decision(decide_on, objective.control, best and best.arm, statement, verdicts, notes)


def metric_label(metric: str) -> str:
    return f"difference in {metric} per user"


def _treated(objective) -> list:
    return [arm for arm in objective.arms if arm.arm != objective.control]


def _failed(arm) -> list[str]:
    return [_constraint_line(arm.arm, name, c) for name, c in arm.constraints.items()
            if not c["ok"]]  # fmt: skip


def _score_verdict(arm, decide_on: str, base: float) -> ArmVerdict:
    est = arm.scores.get(decide_on)
    value, low, high, se = (est.value, est.low, est.high, est.se) if est else (math.nan,) * 4
    truth = arm.truth.get(decide_on)
    return ArmVerdict(arm.arm, value, low, high, truth, arm.feasible, _failed(arm),
                      bool(low > base), se)  # fmt: skip


def _metric_verdicts(objective, metric: str, rows: list[dict]) -> list[ArmVerdict]:
    """One verdict per treated arm from the metric's raw overall effect row (difference vs
    control with its CI); an arm without a row is undecidable (NaN, never cleared)."""
    by_arm = {r["arm"]: r for r in rows
              if r["metric"] == metric and r["segment"] is None and not r["cuped"]}  # fmt: skip
    verdicts = []
    for arm in _treated(objective):
        row = by_arm.get(arm.arm, {})
        value, low, high, se = (nan_for_null(row.get(k)) for k in ("diff", "diff_ci_low",
                                                           "diff_ci_high", "diff_se"))  # fmt: skip
        truth = row.get("true_diff")
        verdicts.append(ArmVerdict(arm.arm, value, low, high, truth, arm.feasible, _failed(arm),
                                   bool(low > 0.0), se))  # fmt: skip
    return verdicts


def _constraint_line(arm: str, name: str, check: dict) -> str:
    label = CONSTRAINT_LABELS.get(name, name)
    return f"{arm}: {label} {_num(check['value'])} > {_num(check['limit'])}"


def _what_it_takes(verdicts: list[ArmVerdict], base: float) -> str:
    """How many times the users the most promising feasible arm needs for its interval to clear
    control's value, if its estimate held (the half-width shrinks with sqrt(users))."""
    hopeful = [v for v in verdicts if v.feasible and math.isfinite(v.value) and v.value > base]
    if not hopeful:
        return " No feasible arm's estimate is above control's." + _detectable(verdicts)
    best = max(hopeful, key=lambda v: v.value)
    half = (best.high - best.low) / 2
    factor = (half / (best.value - base)) ** 2
    return (
        f" The most promising, {best.arm} ({_num(best.value)} [{_num(best.low)}, "
        f"{_num(best.high)}]), would need about {factor:.1f}x the users to clear it."
    )


def _detectable(verdicts: list[ArmVerdict], power: float = 0.8) -> str:
    """The smallest change this pilot detects with ``power`` (two-sided at the intervals'
    level), from the most precise feasible arm: (z_level + z_power)·SE. The SE falls with
    sqrt(users), so a change half that size needs four times the users."""
    measured = [v for v in verdicts if v.feasible and v.se > 0 and math.isfinite(v.high)]
    if not measured:
        return ""
    best = min(measured, key=lambda v: v.se)
    z_level = (best.high - best.value) / best.se
    mde = (z_level + NormalDist().inv_cdf(power)) * best.se
    return (
        f" At this size a change smaller than ±{_num(mde)} cannot be told from none "
        f"({power:.0%} power); a change of ±{_num(mde / 2)} would need about 4x the users."
    )


def _num(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:,.4g}"
