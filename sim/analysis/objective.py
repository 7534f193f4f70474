"""The partnership objective of one run: P(S), F(S) and M(S) = P·F per arm, with CIs.

P (platform) and F (insurer) are weighted means of per-user metrics, each normalised against
the control arm as ``1 + (arm mean - control mean) / scale`` so the control scores exactly 1.
CIs come from the delta method over users: P, F and M are smooth functions of the arm's and the
control's metric means, which are independent (different users), so
``Var = g_T' Σ_T g_T / n_T + g_C' Σ_C g_C / n_C`` with a numerical gradient g. See
docs/objective.md for the definitions and the choices behind them.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from xsim.core.eventlog import KINDS, kind_codes
from xsim.core.units import DAYS_PER_YEAR, held_days
from xsim.schema.objective import ObjectiveSpec

if TYPE_CHECKING:
    from xsim.schema.scenario import Scenario

SPEND_COLUMNS = (
    "contact_cost_platform", "contact_cost_insurer", "discount_platform", "discount_insurer",
    "reward_platform", "reward_insurer", "fixed_cost_platform", "fixed_cost_insurer",
)  # fmt: skip
CONSTRAINT_COLUMNS = ["premium_earned", "unsubscribed", *SPEND_COLUMNS]
SCORES = ("P", "F", "M", "nash")


@dataclass(frozen=True)
class Estimate:
    value: float
    se: float
    low: float
    high: float

    @classmethod
    def exact(cls, value: float) -> Estimate:
        return cls(value, 0.0, value, value)


@dataclass
class ArmObjective:
    """Scores of one arm. ``value`` is what the scenario maximises (M, or the Nash product)."""

    arm: str
    n_users: int
    scores: dict[str, Estimate]
    value: Estimate
    components: dict[str, dict[str, float]]
    constraints: dict[str, dict]
    feasible: bool
    quantities: dict[str, float]  # every constrainable quantity, whether limited or not


@dataclass
class ObjectiveResult:
    control: str
    combine: str
    claims_basis: str
    arms: list[ArmObjective]
    notes: list[str] = field(default_factory=list)
    baseline: dict = field(default_factory=dict)

    def arm(self, name: str) -> ArmObjective:
        return next(a for a in self.arms if a.arm == name)

    def to_dict(self) -> dict:
        return json_safe(asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: P, F, M, Nash with CI bounds, objective value, feasibility."""
        rows = []
        for a in self.arms:
            row = {"arm": a.arm, "users": a.n_users}
            for name, est in a.scores.items():
                row |= {name: est.value, f"{name}_low": est.low, f"{name}_high": est.high}
            row |= {"value": a.value.value, "feasible": a.feasible}
            row |= {f"{k}": c["value"] for k, c in a.constraints.items()}
            rows.append(row)
        return pd.DataFrame(rows)


def evaluate_objective(
    scenario: Scenario,
    users: pd.DataFrame,
    events: pa.Table | None = None,
    model_claim_cost: np.ndarray | None = None,
    book: pd.DataFrame | None = None,
) -> ObjectiveResult:
    """Score every arm of a run. ``events`` (the event log) gives each policy's exposure for the
    expected-claims basis; ``model_claim_cost`` (products x users, per year) is the insurer's
    risk-model view used by the 'model' basis."""
    spec: ObjectiveSpec = scenario.objective
    notes: list[str] = []
    claims = claims_amount(scenario, users, events, model_claim_cost, notes)
    metrics = metric_frame(users, claims)
    arm_of = _arm_labels(users["arm"])
    control = scenario.control_arm
    arms = [
        _score_arm(spec, metrics, users, claims, arm_of, name, control)
        for name in scenario.arms
        if np.any(arm_of == name)
    ]
    notes += _scale_notes(spec, arms)
    return ObjectiveResult(
        control, spec.combine, spec.claims_basis, arms, notes,
        closed_form_baseline(scenario, users, book),
    )  # fmt: skip


# --- per-user metrics ---------------------------------------------------------------------
def metric_frame(users: pd.DataFrame, claims: np.ndarray) -> pd.DataFrame:
    """Every metric of `OBJECTIVE_METRICS`, one float value per user."""

    def column(name: str) -> np.ndarray:
        return users[name].to_numpy(dtype=float)

    metrics = {
        "platform_net_revenue_per_user": column("platform_net_revenue"),
        "course_revenue_per_user": column("course_revenue"),
        "course_conversion": column("course_conversion"),
        "visits_per_user": column("visits"),
        "retention": 1.0 - column("churned"),
        "engagement": column("engagement_final"),
        "commission_per_user": column("commission"),
        # swap the claims actually incurred for the chosen basis
        "risk_adjusted_margin_per_user": column("insurer_margin")
        + column("claims_incurred")
        - claims,
        "insurer_margin_per_user": column("insurer_margin"),
        "premium_earned_per_user": column("premium_earned"),
        "policy_conversion": column("policy_conversion"),
    }
    return pd.DataFrame(metrics, copy=False)  # float arrays already: no second copy


def claims_amount(scenario, users, events, model_claim_cost, notes: list[str]) -> np.ndarray:
    """Claims per user on the objective's basis (experiment period)."""
    basis = scenario.objective.claims_basis
    incurred = users["claims_incurred"].to_numpy(float)
    if basis == "incurred":
        return incurred
    if events is None or (basis == "model" and model_claim_cost is None):
        notes.append(f"claims basis '{basis}' needs the event log; claims incurred used instead")
        return incurred
    exposure = exposure_years(scenario, events, len(users))
    if basis == "model":
        return (exposure * model_claim_cost).sum(axis=0)
    products = scenario.insurer.products.values()
    cost = np.array([p.claim_frequency_per_year * p.severity.mean for p in products])
    return (exposure * cost[:, None]).sum(axis=0) * users["true_risk"].to_numpy(float)


def exposure_years(scenario, events: pa.Table, n_users: int) -> np.ndarray:
    """Years each user held each product inside the experiment period (products x users),
    on the same pro-rata rule as earned premium."""
    kinds = kind_codes(events)
    wanted = np.flatnonzero((kinds == KINDS.index("policy")) | (kinds == KINDS.index("lapse")))
    sub = events.select(["day", "user", "item", "ref"]).take(pa.array(wanted))
    is_policy = kinds[wanted] == KINDS.index("policy")
    day, user, item, ref = (sub.column(c).to_numpy() for c in ("day", "user", "item", "ref"))
    days = held_days(day[is_policy], ref[is_policy], day[~is_policy], ref[~is_policy],
                     scenario.horizon_days, scenario.experiment.warmup_days)  # fmt: skip
    years = days / DAYS_PER_YEAR
    n_products = len(scenario.insurer.products)
    key = item[is_policy].astype(np.int64) * n_users + user[is_policy]
    totals = np.bincount(key, weights=years, minlength=n_products * n_users)
    return totals.reshape(n_products, n_users)


# --- scores -------------------------------------------------------------------------------
def _needed(spec: ObjectiveSpec) -> list[str]:
    names = [*spec.platform, *spec.insurer]
    names += [c.scale for c in [*spec.platform.values(), *spec.insurer.values()]
              if isinstance(c.scale, str) and c.scale != "control"]  # fmt: skip
    return list(dict.fromkeys(names))


def scores_from_means(spec: ObjectiveSpec, mu_arm: dict, mu_control: dict) -> np.ndarray:
    """(P, F, M, nash) from metric means of the arm and of the control."""
    p = _side(spec.platform, mu_arm, mu_control)
    f = _side(spec.insurer, mu_arm, mu_control)
    return np.array([p, f, joint_value(p, f), nash_product(p, f, spec)])


def joint_value(p, f):
    """M(S) = P(S)·F(S): the one definition, used by the scores, the reports and the plots."""
    return p * f


def _side(components, mu_arm, mu_control) -> float:
    total = 0.0
    for name, comp in components.items():
        if comp.scale == "control":
            scale = mu_control[name]
        elif isinstance(comp.scale, str):
            scale = mu_control[comp.scale]
        else:
            scale = float(comp.scale)
        if not scale > 0:
            return math.nan
        total += comp.weight * (1 + (mu_arm[name] - mu_control[name]) / scale)
    return total / sum(c.weight for c in components.values())


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


def _score_arm(spec, metrics, users, claims, arm_of, name, control) -> ArmObjective:
    names = _needed(spec)
    in_arm, in_control = arm_of == name, arm_of == control
    x_arm, x_control = metrics.loc[in_arm, names], metrics.loc[in_control, names]
    if name == control:  # 1 by construction (or undefined when a scale is not positive)
        mu = dict(zip(names, x_control.to_numpy().mean(axis=0), strict=True))
        exact = map(Estimate.exact, scores_from_means(spec, mu, mu))
        scores = dict(zip(SCORES, exact, strict=True))
    else:
        scores = _delta_scores(spec, names, x_arm.to_numpy(), x_control.to_numpy())
    components = {
        n: {"arm": float(x_arm[n].mean()), "control": float(x_control[n].mean())} for n in names
    }
    quantities = constraint_values(users.loc[in_arm, CONSTRAINT_COLUMNS], claims[in_arm])
    constraints = check_constraints(spec, quantities)
    feasible = all(c["ok"] for c in constraints.values())
    value = scores["M" if spec.combine == "product" else "nash"]
    return ArmObjective(
        name, int(in_arm.sum()), scores, value, components, constraints, feasible, quantities
    )


def _delta_scores(spec, names, x_arm: np.ndarray, x_control: np.ndarray) -> dict:
    mu_a, mu_c = x_arm.mean(axis=0), x_control.mean(axis=0)

    def g(a, c):
        return scores_from_means(
            spec, dict(zip(names, a, strict=True)), dict(zip(names, c, strict=True))
        )

    point = g(mu_a, mu_c)
    grad_a = _gradient(lambda a: g(a, mu_c), mu_a)
    grad_c = _gradient(lambda c: g(mu_a, c), mu_c)
    var = _quad(grad_a, x_arm) + _quad(grad_c, x_control)
    z = stats.norm.ppf(0.5 + spec.confidence_level / 2)
    se = np.sqrt(np.maximum(var, 0.0))
    return {
        name: Estimate(float(v), float(s), float(v - z * s), float(v + z * s))
        for name, v, s in zip(SCORES, point, se, strict=True)
    }


def _gradient(func, mu: np.ndarray) -> np.ndarray:
    """Central differences: one row per output, one column per mean."""
    grad = np.zeros((4, len(mu)))
    for k in range(len(mu)):
        h = 1e-6 * max(1.0, abs(mu[k]))
        up, down = mu.copy(), mu.copy()
        up[k] += h
        down[k] -= h
        grad[:, k] = (func(up) - func(down)) / (2 * h)
    return grad


def _quad(grad: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Var of the outputs from the sampling covariance of the column means of ``x``."""
    if len(x) < 2:
        return np.full(grad.shape[0], np.nan)
    cov = np.atleast_2d(np.cov(x, rowvar=False)) / len(x)
    return np.einsum("ik,kl,il->i", grad, cov, grad)


# --- constraints --------------------------------------------------------------------------
def constraint_values(users: pd.DataFrame, claims: np.ndarray) -> dict[str, float]:
    """Loss ratio, spend and unsubscribe rate of ``users`` (at least `CONSTRAINT_COLUMNS`)."""
    premium = float(users["premium_earned"].sum())
    spend = float(users[list(SPEND_COLUMNS)].to_numpy().sum())
    return {
        "loss_ratio": float(claims.sum()) / premium if premium > 0 else math.nan,
        "spend": spend,
        "spend_per_user": spend / max(len(users), 1),
        "unsubscribe_rate": float(users["unsubscribed"].mean()) if len(users) else math.nan,
    }


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


def _scale_notes(spec: ObjectiveSpec, arms: list[ArmObjective]) -> list[str]:
    if all(math.isfinite(a.value.value) for a in arms):
        return []
    return [
        "Some scores are undefined: a component's scale (the control's value) is <= 0. "
        "Give that component a positive numeric `scale` or another metric as scale."
    ]


# --- the seed's closed-form model ---------------------------------------------------------
def closed_form_baseline(scenario, users: pd.DataFrame, book: pd.DataFrame | None) -> dict:
    """The seed article's rough model, P = U·U_E/(U_E+U), F = F_E·U_E/(U_E+U), M = P·F, with U
    the platform's users, U_E the insurer's customers (its historical book) and F_E the book's
    annual premium. It ignores the strategy; beside it, per arm, the simulated counterparts in
    the same units: users kept active and new annual premium, both scaled to all U users."""
    products = scenario.insurer.products
    n_book = scenario.insurer.historical_book.n_policies
    if book is not None and len(book):
        premium = book["product"].map({k: p.premium_per_year for k, p in products.items()})
        f_e = float(premium.sum())
    else:
        f_e = n_book * float(np.mean([p.premium_per_year for p in products.values()]))
    u = scenario.population.n_users
    share = n_book / (n_book + u)
    simulated = {}
    years = scenario.experiment.duration_days / DAYS_PER_YEAR
    columns = {"arm": users["arm"], "kept": 1 - users["churned"],
               "premium_written": users["premium_written"]}  # fmt: skip
    means = pd.DataFrame(columns).groupby("arm", sort=False).mean()  # not whole-table groups
    for name, row in means.iterrows():
        kept = float(row.kept) * u
        premium_year = float(row.premium_written) * u / years
        simulated[name] = {"P_users": kept, "F_premium_per_year": premium_year,
                           "M": kept * premium_year}  # fmt: skip
    return {
        "label": "rough baseline: the seed's closed-form model (no strategy parameters)",
        "U": u, "U_E": n_book, "F_E": f_e,
        "P_users": u * share, "F_premium_per_year": f_e * share, "M": u * share * f_e * share,
        "simulated": simulated,
    }  # fmt: skip


def json_safe(value):
    """NaN and inf become None so the JSON is valid."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value
