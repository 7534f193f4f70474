"""Scenario blocks `objective:` and `optimize:` and their cross-checks.

`objective` says how a run is scored: P(S) for the platform and F(S) for the insurer as
weighted means of named per-user metrics, each normalised against the control arm, combined into
M(S) = P·F (or the Nash bargaining product), with constraints. `optimize` says which numeric
strategy fields `xsim optimize` may tune, within which ranges, with which method and budget.
The arithmetic lives in `xsim.analysis.objective` and `xsim.studies.optimize`; see
docs/objective.md.
"""

from __future__ import annotations

import types
import typing
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

if TYPE_CHECKING:  # the scenario imports this module, never the other way round at run time
    from xsim.schema.scenario import Scenario

# The search methods of `xsim optimize`, by their one name each (no aliases); the functions are
# `xsim.studies.optimizers.METHOD_FUNCTIONS` (a test holds the two to the same names).
METHODS: tuple[str, ...] = ("spsa", "nelder_mead", "differential_evolution", "grid", "random")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Constraints(_Strict):
    """Limits every reported arm is checked against; `xsim optimize` only returns an S that
    meets them. Spend = contacts + course discounts + rewards + fixed costs (both partners)."""

    max_loss_ratio: float | None = Field(None, gt=0.0, description="claims / premium earned")
    max_spend: float | None = Field(None, ge=0.0, description="total spend of the arm")
    max_spend_per_user: float | None = Field(None, ge=0.0)
    max_unsubscribe_rate: float | None = Field(None, ge=0.0, le=1.0)


class Disagreement(_Strict):
    """The no-partnership point (P0, F0) of the Nash product; the control arm is (1, 1)."""

    platform: float = 1.0
    insurer: float = 1.0


class Valuation(_Strict):
    """How far ahead a policy written now is valued, and at what annual discount rate."""

    years: float = Field(1.0, gt=0.0, le=10.0, description="valuation horizon in years")
    discount_rate: float = Field(0.05, ge=0.0, le=1.0, description="per year")


# The scores `decide_on` may name (`xsim.analysis.objective.SCORES`, a test holds them equal).
DECISION_SCORES: tuple[str, ...] = (
    "M", "joint_surplus", "nash", "P", "F", "platform_gain", "insurer_gain",
)  # fmt: skip


class ObjectiveSpec(_Strict):
    """How a run is scored and decided. Each firm's value per user is money over the
    valuation horizon (docs/objective.md); P and F are the values over control's, M = P·F."""

    combine: Literal["product", "nash"] = "product"
    decide_on: str = Field(
        "M",
        description="what the decision follows: a score (" + ", ".join(DECISION_SCORES) + ") "
        "or one of analysis.metrics (its difference from control)",
    )
    claims_basis: Literal["model", "expected"] = Field(
        "model",
        description="model: the insurer's risk-model cost (what it can know); expected: the "
        "true latent risk (known only in simulation)",
    )
    valuation: Valuation = Valuation()
    disagreement: Disagreement = Disagreement()
    constraints: Constraints = Constraints()
    confidence_level: float = Field(0.95, gt=0.5, lt=1.0)


class ParamRange(_Strict):
    """Search range of one strategy field; ``step`` quantises it (integers default to 1)."""

    low: float
    high: float
    step: float | None = Field(None, gt=0.0)


class OptimizeSpec(_Strict):
    """What `xsim optimize` tunes. ``params`` keys are ``arms.<arm>.strategy.<field>`` or a bare
    field name of ``arm`` (default: the only non-control arm); values ``[low, high]`` or
    ``{low, high, step}``."""

    params: dict[str, ParamRange] = Field(min_length=1)
    arm: str | None = None
    method: str = "spsa"
    budget_evals: int = Field(60, ge=2, le=100_000)
    replications_per_eval: int = Field(4, ge=1, le=1000)
    final_replications: int = Field(20, ge=2, le=10_000)
    seed: int | None = Field(None, ge=0, description="optimiser randomness (default: scenario)")
    penalty: float = Field(10.0, ge=0.0, description="per relative constraint violation")

    @field_validator("params", mode="before")
    @classmethod
    def _ranges_from_pairs(cls, value):
        if not isinstance(value, dict):
            return value
        return {k: _as_range(v) for k, v in value.items()}


def _as_range(value: Any) -> Any:
    if isinstance(value, list | tuple) and len(value) == 2:
        return {"low": value[0], "high": value[1]}
    return value


def objective_problems(s: Scenario) -> list[str]:
    """Cross-checks of `objective` and `optimize` against the rest of the scenario."""
    problems = _objective_problems(s.objective, [m.name for m in s.analysis.metrics])
    if s.optimize is not None:
        problems += optimize_problems(s, s.optimize)
    return problems


def _objective_problems(o: ObjectiveSpec, metrics: list[str]) -> list[str]:
    """``decide_on`` names a score of the objective or one of the analysis metrics (whose
    difference from control then decides)."""
    if o.decide_on in DECISION_SCORES or o.decide_on in metrics:
        return []
    return [
        f"objective.decide_on: unknown score or metric {o.decide_on!r} (scores: "
        f"{', '.join(DECISION_SCORES)}; analysis metrics: {', '.join(metrics) or 'none'})"
    ]


def optimize_problems(s: Scenario, o: OptimizeSpec, method: str | None = None) -> list[str]:
    """Every optimisation parameter must be a numeric field of the named arm's strategy with a
    non-empty range inside the field's allowed values; the method must be known."""
    problems = []
    method = method if method is not None else o.method
    if method not in METHODS:
        problems.append(f"optimize.method: unknown method {method!r} (known: {', '.join(METHODS)})")
    if o.arm is not None and o.arm not in s.arms:
        problems.append(f"optimize.arm: no arm named {o.arm!r}")
    arms = set()
    for key, rng in o.params.items():
        resolved = resolve_param(s, o, key)
        if isinstance(resolved, str):
            problems.append(f"optimize.params.{key}: {resolved}")
            continue
        arms.add(resolved[0])
        problems += [f"optimize.params.{key}: {p}" for p in _range_problems(s, resolved, rng)]
    if len(arms) > 1:
        problems.append(f"optimize.params: all parameters must tune one arm (got {sorted(arms)})")
    if arms and s.control_arm in arms:
        problems.append(f"optimize.params: {s.control_arm!r} is the control arm; tune another")
    return problems


def resolve_param(s: Scenario, o: OptimizeSpec, key: str) -> tuple[str, str] | str:
    """(arm, field) that ``key`` addresses, or a message saying why it addresses nothing."""
    parts = key.split(".")
    if len(parts) == 4 and parts[0] == "arms" and parts[2] == "strategy":
        arm, field = parts[1], parts[3]
    elif len(parts) == 1:
        arm = o.arm or _only_treatment_arm(s)
        if arm is None:
            return "a bare field name needs optimize.arm (several arms could be meant)"
        field = key
    else:
        return "write arms.<arm>.strategy.<field> or a field name of optimize.arm"
    if arm not in s.arms:
        return f"no arm named {arm!r}"
    strategy = s.arms[arm].strategy
    info = type(strategy).model_fields.get(field)
    if info is None or not _is_numeric(info.annotation):
        return f"not a numeric field of strategy {strategy.kind!r}"
    return arm, field


def _only_treatment_arm(s: Scenario) -> str | None:
    others = [name for name in s.arms if name != s.control_arm]
    return others[0] if len(others) == 1 else None


def _is_numeric(annotation: Any) -> bool:
    """int or float, optionally ``| None``; never bool, Literal or str."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and args[0] in (int, float)
    return False


def is_integer_field(s: Scenario, arm: str, field: str) -> bool:
    annotation = type(s.arms[arm].strategy).model_fields[field].annotation
    args = typing.get_args(annotation) or (annotation,)
    return int in args


def _range_problems(s: Scenario, target: tuple[str, str], rng: ParamRange) -> list[str]:
    if not rng.low < rng.high:
        return [f"empty range [{rng.low}, {rng.high}] (low must be below high)"]
    arm, field = target
    strategy = s.arms[arm].strategy
    problems = []
    for end in (rng.low, rng.high):
        value = round(end) if is_integer_field(s, arm, field) else end
        try:
            type(strategy).model_validate({**strategy.model_dump(), field: value})
        except ValidationError as exc:
            reason = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            problems.append(f"{end} is not allowed for {field}: {reason}")
    return problems
