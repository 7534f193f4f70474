"""The partnership objective of one run: each firm's value, P(S), F(S), M(S) = P·F per arm.

Per user, `platform_value` and `insurer_value` (money over the valuation horizon,
`xsim.analysis.value`) are columns of the user table. Per arm:

    P = mean platform value / control's       F = mean insurer value / control's
    M = P·F                                    nash = the Nash product of (P, F)
    joint_surplus = (platform + insurer value) - control's, per user (transfer-neutral)
    platform_gain, insurer_gain = each firm's value - control's, per user

CIs come from the delta method over users: the scores are smooth functions of the arm's and the
control's mean values, which are independent (different users), so
``Var = g_T' Σ_T g_T / n_T + g_C' Σ_C g_C / n_C`` with a numerical gradient g. The twin-world
truth of every score, from the same definition on the twin worlds' values, sits beside it.
See docs/objective.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from xsim.analysis.baseline import closed_form_baseline
from xsim.analysis.sales import sales_attribution
from xsim.core.errors import InputError
from xsim.core.jsonio import dumps, finite, nan_for_null, shape_problem
from xsim.schema.objective import ObjectiveSpec

if TYPE_CHECKING:
    from xsim.schema.scenario import Scenario

SPEND_COLUMNS = (
    "contact_cost_platform", "contact_cost_insurer", "discount_platform", "discount_insurer",
    "reward_platform", "reward_insurer", "fixed_cost_platform", "fixed_cost_insurer",
)  # fmt: skip
VALUE_COLUMNS = ("platform_value", "insurer_value")
CONSTRAINT_COLUMNS = ["premium_earned", "claims_expected", "unsubscribed", *SPEND_COLUMNS]
# fixed_cost_* are among SPEND_COLUMNS: roll-out fixed costs are read from the same columns
SCORES = ("P", "F", "M", "nash", "joint_surplus", "platform_gain", "insurer_gain")
# Each score's value in the control arm: ratios are 1, gains and the Nash product 0.
SCORE_BASELINES = {"P": 1.0, "F": 1.0, "M": 1.0, "nash": 0.0, "joint_surplus": 0.0,
                   "platform_gain": 0.0, "insurer_gain": 0.0}  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    value: float
    se: float
    low: float
    high: float

    @classmethod
    def exact(cls, value: float) -> Estimate:
        return cls(value, 0.0, value, value)

    @classmethod
    def from_dict(cls, data: dict) -> Estimate:
        """From its JSON form, where a missing number is null."""
        return cls(*(_number(data.get(k)) for k in ("value", "se", "low", "high")))


@dataclass
class ArmObjective:
    """Scores of one arm. ``value`` is what the scenario decides on; ``truth`` holds each score
    in the twin worlds (empty without them); ``components`` the mean values in money."""

    arm: str
    n_users: int
    scores: dict[str, Estimate]
    value: Estimate
    components: dict[str, dict[str, float]]
    constraints: dict[str, dict]
    feasible: bool
    quantities: dict[str, float]  # every constrainable quantity, whether limited or not
    truth: dict[str, float] = field(default_factory=dict)
    sales: dict[str, float] = field(default_factory=dict)  # xsim.analysis.sales

    @classmethod
    def from_dict(cls, data: dict) -> ArmObjective:
        """From its JSON form (objective.json's ``arms`` entries); nulls read as NaN."""
        scores = {name: Estimate.from_dict(e) for name, e in data["scores"].items()}
        return cls(
            str(data["arm"]), int(data["n_users"]), scores, Estimate.from_dict(data["value"]),
            data["components"], data["constraints"], bool(data["feasible"]),
            _numbers(data["quantities"]), _numbers(data.get("truth") or {}),
            _numbers(data.get("sales") or {}),
        )  # fmt: skip


@dataclass
class ObjectiveResult:
    control: str
    combine: str
    claims_basis: str
    decide_on: str
    valuation: dict
    arms: list[ArmObjective]
    notes: list[str] = field(default_factory=list)
    baseline: dict = field(default_factory=dict)
    confidence_level: float = 0.95  # of every interval

    def arm(self, name: str) -> ArmObjective:
        return next(a for a in self.arms if a.arm == name)

    @classmethod
    def from_dict(cls, data: dict) -> ObjectiveResult:
        """The result `to_dict` wrote (objective.json). `InputError` naming the first missing
        field when the document is not one."""
        try:
            arms = [ArmObjective.from_dict(a) for a in data["arms"]]
            return cls(
                str(data["control"]), data["combine"], data["claims_basis"],
                data["decide_on"], data["valuation"], arms, list(data.get("notes") or []),
                data.get("baseline") or {}, float(data.get("confidence_level", 0.95)),
            )  # fmt: skip
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InputError(f"not an objective result ({shape_problem(exc)})") from exc

    def to_dict(self) -> dict:
        return finite(asdict(self))

    def to_json(self) -> str:
        return dumps(self.to_dict(), indent=2)

    def score_rows(self) -> list[dict]:
        """Each treatment arm's scores as effect-like rows (``metric`` 'objective:<score>',
        ``diff`` = score - control's value), so replications summarise their bias and
        coverage against the twin-world truth like any metric's."""
        rows = []
        for a in (a for a in self.arms if a.arm != self.control):
            for name, est in a.scores.items():
                base = SCORE_BASELINES[name]
                truth = a.truth.get(name)
                covers = None if truth is None else bool(est.low <= truth <= est.high)
                rows.append({
                    "metric": f"objective:{name}", "kind": "score", "role": "objective",
                    "arm": a.arm, "cuped": False, "diff": est.value - base, "diff_se": est.se,
                    "diff_ci_low": est.low - base, "diff_ci_high": est.high - base,
                    "true_diff": None if truth is None else truth - base,
                    "ci_covers_truth": covers,
                })  # fmt: skip
        return rows

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: every score with its CI bounds and truth, value, feasibility."""
        rows = []
        for a in self.arms:
            row = {"arm": a.arm, "users": a.n_users}
            for name, est in a.scores.items():
                row |= {name: est.value, f"{name}_low": est.low, f"{name}_high": est.high}
                row[f"{name}_true"] = a.truth.get(name, math.nan)
            row |= {"value": a.value.value, "feasible": a.feasible}
            row |= {f"{k}": c["value"] for k, c in a.constraints.items()}
            rows.append(row)
        return pd.DataFrame(rows)


def evaluate_objective(
    scenario: Scenario,
    users: pd.DataFrame,
    truth_means: dict[str, dict[str, float]] | None = None,
    book: pd.DataFrame | None = None,
) -> ObjectiveResult:
    """Score every arm of a run from the user table's value columns. ``truth_means`` (arm ->
    column -> mean in that arm's twin world) gives each score's truth."""
    spec: ObjectiveSpec = scenario.objective
    control = scenario.control_arm
    arm_of = _arm_labels(users["arm"])
    values = users[list(VALUE_COLUMNS)].to_numpy(dtype=float)
    arms = [
        _score_arm(spec, values, users, arm_of, name, control, truth_means)
        for name in scenario.arms
        if np.any(arm_of == name)
    ]
    valuation = spec.valuation.model_dump()
    return ObjectiveResult(
        control, spec.combine, spec.claims_basis, spec.decide_on, valuation, arms,
        _sign_notes(arms, control), closed_form_baseline(scenario, users, book),
        spec.confidence_level,
    )  # fmt: skip


def _number(value) -> float:
    return float(nan_for_null(value))


def _numbers(values: dict) -> dict[str, float]:
    return {k: _number(v) for k, v in values.items()}


# --- scores -------------------------------------------------------------------------------
def scores_from_means(spec: ObjectiveSpec, mu_arm, mu_control) -> np.ndarray:
    """Every score of `SCORES` from the (platform, insurer) mean values of arm and control."""
    p = mu_arm[0] / mu_control[0] if mu_control[0] > 0 else math.nan
    f = mu_arm[1] / mu_control[1] if mu_control[1] > 0 else math.nan
    gains = (mu_arm[0] - mu_control[0], mu_arm[1] - mu_control[1])
    return np.array([p, f, joint_value(p, f), nash_product(p, f, spec), gains[0] + gains[1],
                     gains[0], gains[1]])  # fmt: skip


def joint_value(p, f):
    """M(S) = P(S)·F(S): the one definition, used by the scores, the reports and the plots."""
    return p * f


def nash_product(p: float, f: float, spec: ObjectiveSpec) -> float:
    """(P - P0)(F - F0) where both partners gain; where one loses, min(gain)·max(|gain|): the
    same value on the gains quadrant, negative outside it, continuous, so search is pushed
    back towards deals both partners would sign."""
    gp, gf = p - spec.disagreement.platform, f - spec.disagreement.insurer
    return min(gp, gf) * max(abs(gp), abs(gf))


def _arm_labels(arm: pd.Series) -> np.ndarray:
    """Each user's arm name, as a compact numpy string array (an object array of a million
    strings would cost tens of bytes per user, so none is built, not even on the way)."""
    codes, names = pd.factorize(arm)
    return np.asarray(names, dtype=str)[codes]


def _score_arm(spec, values, users, arm_of, name, control, truth_means) -> ArmObjective:
    in_arm, in_control = arm_of == name, arm_of == control
    x_arm, x_control = values[in_arm], values[in_control]
    if name == control:  # exact by construction (undefined when control's value is not > 0)
        mu = x_control.mean(axis=0)
        scores = dict(zip(SCORES, map(Estimate.exact, scores_from_means(spec, mu, mu)),
                          strict=True))  # fmt: skip
    else:
        scores = _delta_scores(spec, x_arm, x_control)
    components = {
        column: {"arm": float(x_arm[:, k].mean()), "control": float(x_control[:, k].mean())}
        for k, column in enumerate(VALUE_COLUMNS)
    }
    quantities = constraint_values(users.loc[in_arm, CONSTRAINT_COLUMNS])
    quantities |= rollout_fixed_costs(users.loc[in_arm], len(users))
    constraints = check_constraints(spec, quantities)
    feasible = all(c["ok"] for c in constraints.values())
    truth = _true_scores(spec, truth_means, name, control)
    sales = {}
    if name != control:
        twins = {"arm": truth_means[name], "control": truth_means[control]} if truth else None
        sales = sales_attribution(users, in_arm, in_control, twins, spec.confidence_level)
    return ArmObjective(name, int(in_arm.sum()), scores, scores[decision_score(spec)],
                        components, constraints, feasible, quantities, truth, sales)  # fmt: skip


def decision_score(spec: ObjectiveSpec) -> str:
    """The score an arm's ``value`` reports: ``decide_on`` when it is a score, else M (or the
    Nash product when ``combine`` is 'nash')."""
    if spec.decide_on in SCORES:
        return spec.decide_on
    return "M" if spec.combine == "product" else "nash"


def _true_scores(spec, truth_means, name: str, control: str) -> dict[str, float]:
    if not truth_means or name not in truth_means or control not in truth_means:
        return {}
    arm, base = truth_means[name], truth_means[control]
    if not all(c in arm and c in base for c in VALUE_COLUMNS):
        return {}
    mu_arm = np.array([arm[c] for c in VALUE_COLUMNS])
    mu_control = np.array([base[c] for c in VALUE_COLUMNS])
    return dict(zip(SCORES, map(float, scores_from_means(spec, mu_arm, mu_control)), strict=True))


def _delta_scores(spec, x_arm: np.ndarray, x_control: np.ndarray) -> dict:
    mu_a, mu_c = x_arm.mean(axis=0), x_control.mean(axis=0)
    point = scores_from_means(spec, mu_a, mu_c)
    grad_a = _gradient(lambda a: scores_from_means(spec, a, mu_c), mu_a)
    grad_c = _gradient(lambda c: scores_from_means(spec, mu_a, c), mu_c)
    var = _quad(grad_a, x_arm) + _quad(grad_c, x_control)
    z = stats.norm.ppf(0.5 + spec.confidence_level / 2)
    se = np.sqrt(np.maximum(var, 0.0))
    return {
        name: Estimate(float(v), float(s), float(v - z * s), float(v + z * s))
        for name, v, s in zip(SCORES, point, se, strict=True)
    }


def _gradient(func, mu: np.ndarray) -> np.ndarray:
    """Central differences: one row per score, one column per mean."""
    grad = np.zeros((len(SCORES), len(mu)))
    for k in range(len(mu)):
        h = 1e-6 * max(1.0, abs(mu[k]))
        up, down = mu.copy(), mu.copy()
        up[k] += h
        down[k] -= h
        grad[:, k] = (func(up) - func(down)) / (2 * h)
    return grad


def _quad(grad: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Var of the scores from the sampling covariance of the column means of ``x``."""
    if len(x) < 2:
        return np.full(grad.shape[0], np.nan)
    cov = np.atleast_2d(np.cov(x, rowvar=False)) / len(x)
    return np.einsum("ik,kl,il->i", grad, cov, grad)


# --- constraints --------------------------------------------------------------------------
def constraint_values(users: pd.DataFrame) -> dict[str, float]:
    """Loss ratio (expected claims on the objective's basis / premium earned), spend and
    unsubscribe rate of ``users`` (at least `CONSTRAINT_COLUMNS`)."""
    premium = float(users["premium_earned"].sum())
    spend = float(users[list(SPEND_COLUMNS)].to_numpy().sum())
    claims = float(users["claims_expected"].sum())
    return {
        "loss_ratio": claims / premium if premium > 0 else math.nan,
        "spend": spend,
        "spend_per_user": spend / max(len(users), 1),
        "unsubscribe_rate": float(users["unsubscribed"].mean()) if len(users) else math.nan,
    }


def rollout_fixed_costs(users: pd.DataFrame, n_rollout: int) -> dict[str, float]:
    """One-off costs (launch fees, lectures) per user and in total when the strategy is
    launched to all ``n_rollout`` users: the engine books them at the arm's share, so the
    per-user figure is already the roll-out one."""
    per_user = float(users[["fixed_cost_platform", "fixed_cost_insurer"]].sum(axis=1).mean())
    return {"fixed_cost_per_user": per_user, "fixed_cost_at_rollout": per_user * n_rollout}


def check_constraints(spec: ObjectiveSpec, values: dict[str, float]) -> dict:
    """Each configured limit with the arm's value; a loss ratio without premium passes."""
    limits = constraint_limits(spec)
    return {
        name: {"value": values[name], "limit": limit, "ok": not values[name] > limit}
        for name, limit in limits.items()
    }


def constraint_limits(spec: ObjectiveSpec) -> dict[str, float]:
    c = spec.constraints
    limits = {
        "loss_ratio": c.max_loss_ratio,
        "spend": c.max_spend,
        "spend_per_user": c.max_spend_per_user,
        "unsubscribe_rate": c.max_unsubscribe_rate,
    }
    return {k: v for k, v in limits.items() if v is not None}


def _sign_notes(arms: list[ArmObjective], control: str) -> list[str]:
    base = next((a for a in arms if a.arm == control), None)
    if base is None:
        return []
    notes = [
        f"{label} in the control arm is not positive ({base.components[column]['control']:,.4g} "
        f"per user), so {score} = value / control's value is undefined; decide on "
        "joint_surplus or the firms' gains instead."
        for column, score, label in (("platform_value", "P", "The platform's value"),
                                     ("insurer_value", "F", "The insurer's value"))
        if not base.components[column]["control"] > 0
    ]  # fmt: skip
    return notes
