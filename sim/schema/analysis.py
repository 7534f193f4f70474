"""Scenario schema of the analysis: which metrics, covariates, guardrails, alpha, correction.

Metrics are typed from here on. A scenario writes each one as the shorthand ``name[:kind]``
(a ratio is ``numerator/denominator``) or as a mapping ``{kind: ratio, numerator: ...,
denominator: ...}``; validation reads it once with `parse_metric_spec`, where a bare outcome
name takes the kind and direction the user table declares (`xsim.core.columns`): nothing is
guessed from a run's data. `model_dump` writes each metric back as its shortest shorthand, so
the normalised scenario keeps the strings it was written with.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from xsim.core.columns import (
    LOWER_IS_BETTER,
    OUTCOMES,
    PRE_PERIOD,
    PROPORTIONS,
    USER_ATTRIBUTES,
    USER_COLUMNS,
)
from xsim.core.errors import InputError
from xsim.estimators.effects import Metric, MetricSpec, dump_metric_spec, parse_metric_spec

# What the user table declares about its outcomes, for metrics written without a kind.
_DECLARED = {"proportions": PROPORTIONS, "lower_is_better": LOWER_IS_BETTER}


def outcome_metric(value: str | dict[str, Any] | Metric, field: str = "metric") -> Metric:
    """A metric of the user table from its shorthand or mapping (kinds as declared).

    Raises `InputError` naming ``field`` when the spec is bad or reads a non-outcome column."""
    metric = parse_metric_spec(value, field=field, **_DECLARED)
    problems = outcome_problems(metric, field)
    if problems:
        raise InputError(problems)
    return metric


def outcome_problems(metric: Metric, field: str) -> list[str]:
    """A line naming ``field`` when the metric reads a column that is not an outcome."""
    missing = [column for column in metric.columns if column not in OUTCOMES]
    return [f"{field}: {missing[0]!r} is not an outcome column"] if missing else []


def _read(value: Any) -> Metric:
    """Validation of one scenario metric: pydantic names the path, the message the fault."""
    try:
        return parse_metric_spec(value, field="", **_DECLARED)
    except InputError as exc:
        raise ValueError("; ".join(exc.problems)) from None


def _dump(metric: Metric) -> str | dict[str, Any]:
    return dump_metric_spec(metric, **_DECLARED)


OutcomeMetric = Annotated[
    MetricSpec,
    BeforeValidator(_read, json_schema_input_type=str | MetricSpec),
    PlainSerializer(_dump),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class GuardrailSpec(Strict):
    """A metric the strategy must not worsen by more than ``margin`` (non-inferiority).

    ``relative``: the margin is a share of the control mean (0.05 = 5 %)."""

    metric: OutcomeMetric
    margin: float = Field(gt=0.0)
    relative: bool = True


class AnalysisSpec(Strict):
    """How the experiment is analysed: metrics (user-table outcomes, each ``name[:kind]``,
    ``numerator/denominator`` or a mapping with a ``kind``; a bare name takes its outcome's
    declared kind), pre-period covariates per metric name, guardrails, alpha and the
    multiple-testing correction over metrics x arms. ``truth`` runs twin worlds for the true
    effects when the population has at most ``truth_max_users`` users."""

    # defaults are written as in a scenario and validated like one
    primary: OutcomeMetric = Field("policy_conversion", validate_default=True)
    metrics: list[OutcomeMetric] = Field(
        default_factory=lambda: [
            "course_conversion",
            "course_revenue",
            "policy_conversion",
            "premium_earned",
            "platform_net_revenue",
            "insurer_margin",
            "platform_value",
            "insurer_value",
        ],  # fmt: skip
        min_length=1,
        validate_default=True,
    )
    covariates: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "course_conversion": ["purchases_pre", "visits_pre"],
            "course_revenue": ["course_revenue_pre", "visits_pre"],
            "platform_net_revenue": ["course_revenue_pre", "visits_pre"],
            "platform_value": ["course_revenue_pre", "visits_pre"],
        }
    )
    guardrails: list[GuardrailSpec] = Field(
        default_factory=lambda: [GuardrailSpec(metric="churned", margin=0.05)]
    )
    alpha: float = Field(0.05, gt=0.0, lt=0.5)
    correction: Literal["holm", "bh", "none"] = "holm"
    truth: bool = True
    truth_max_users: int = Field(200_000, ge=0)


def analysis_problems(a: AnalysisSpec) -> list[str]:
    known = set(USER_COLUMNS)
    problems = []
    for i, metric in enumerate(a.metrics):
        problems += outcome_problems(metric, f"analysis.metrics.{i}")
    problems += outcome_problems(a.primary, "analysis.primary")
    allowed = set(USER_ATTRIBUTES + PRE_PERIOD) - {"arm", "user_id"}
    for metric, columns in a.covariates.items():
        for column in columns:
            if column not in known:
                problems.append(f"analysis.covariates.{metric}: unknown column {column!r}")
            elif column not in allowed:  # the arm, or anything measured after assignment
                problems.append(
                    f"analysis.covariates.{metric}: {column!r} is not a pre-period column (a "
                    "covariate must be fixed before assignment: the arm or an outcome would "
                    f"absorb the effect); use one of {', '.join(sorted(allowed))}"
                )
    for i, guardrail in enumerate(a.guardrails):
        problems += outcome_problems(guardrail.metric, f"analysis.guardrails.{i}.metric")
    return problems
