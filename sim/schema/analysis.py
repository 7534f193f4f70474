"""Scenario schema of the analysis: which metrics, covariates, guardrails, alpha, correction."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from xsim.core.columns import OUTCOMES, USER_COLUMNS, metric_columns


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GuardrailSpec(Strict):
    """A metric the strategy must not worsen by more than ``margin`` (non-inferiority).

    ``relative``: the margin is a share of the control mean (0.05 = 5 %)."""

    metric: str
    margin: float = Field(gt=0.0)
    relative: bool = True


class AnalysisSpec(Strict):
    """How the experiment is analysed: metrics (user-table columns, ``name[:kind]`` or
    ``numerator/denominator``), pre-period covariates per metric, guardrails, alpha and the
    multiple-testing correction over metrics x arms. ``truth`` runs twin worlds for the true
    effects when the population has at most ``truth_max_users`` users."""

    primary: str = "policy_conversion"
    metrics: list[str] = Field(
        default_factory=lambda: [
            "course_conversion",
            "course_revenue",
            "policy_conversion",
            "premium_earned",
            "platform_net_revenue",
            "insurer_margin",
        ],  # fmt: skip
        min_length=1,
    )
    covariates: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "course_conversion": ["purchases_pre", "visits_pre"],
            "course_revenue": ["course_revenue_pre", "visits_pre"],
            "platform_net_revenue": ["course_revenue_pre", "visits_pre"],
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
    for i, spec in enumerate(a.metrics):
        missing = [c for c in metric_columns(spec) if c not in OUTCOMES]
        if missing:
            problems.append(f"analysis.metrics.{i}: {missing[0]!r} is not an outcome column")
    if metric_columns(a.primary)[0] not in OUTCOMES:
        problems.append(f"analysis.primary: {a.primary!r} is not an outcome column")
    for metric, columns in a.covariates.items():
        for column in columns:
            if column not in known:
                problems.append(f"analysis.covariates.{metric}: unknown column {column!r}")
    for i, guardrail in enumerate(a.guardrails):
        if guardrail.metric not in OUTCOMES:
            problems.append(
                f"analysis.guardrails.{i}.metric: {guardrail.metric!r} is not an outcome"
            )
    return problems
