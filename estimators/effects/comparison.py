"""One treatment arm vs control on one metric: the raw row and, with covariates, the CUPED row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bayes import BayesResult, beta_binomial, normal_approximation
from .cuped import regression_adjusted, variance_reduction
from .diagnostics import NoteBook, check_pair
from .frequentist import DiffTest, RelativeLift, finish_test, relative_lift
from .metrics import ArmStats, Metric
from .multiplicity import Guardrail, margin_in_units, non_inferiority
from .results import empty_row

_MIN_UNITS = 3  # per OLS parameter; below it residual df are too few to estimate HC1 SEs


@dataclass(frozen=True)
class Pair:
    """The units of one control/treatment pair, with their covariates (rows aligned)."""

    arm: str
    control_frame: pd.DataFrame
    treatment_frame: pd.DataFrame
    control_covariates: np.ndarray | None = None
    treatment_covariates: np.ndarray | None = None


@dataclass(frozen=True)
class Context:
    """What every comparison of one analysis shares."""

    control: str
    alpha: float
    notes: NoteBook
    segment: str | None = None


def compare(
    metric: Metric, pair: Pair, ctx: Context, guardrail: Guardrail | None = None
) -> list[dict]:
    """Rows for this metric and pair: raw first, then regression-adjusted when possible."""
    stats_c = metric.arm_stats(pair.control_frame)
    stats_t = metric.arm_stats(pair.treatment_frame)
    where = _where(metric, pair.arm, ctx.segment)
    check_pair(metric, stats_c, stats_t, where, ctx.notes)
    test, lift = _raw_test(metric, stats_c, stats_t, ctx.alpha)
    bayes = _bayes(metric, stats_c, stats_t, test)
    row = _row(metric, pair.arm, ctx, stats_c, stats_t, test, lift, bayes, cuped=False)
    _flag_lift(lift, where, ctx.notes)
    rows = [_with_guardrail(row, metric, guardrail, stats_c.mean, ctx.alpha)]
    if pair.control_covariates is not None:
        adjusted = _adjusted_row(metric, pair, ctx, stats_c, stats_t, test, where)
        if adjusted is not None:
            rows.append(_with_guardrail(adjusted, metric, guardrail, stats_c.mean, ctx.alpha))
    return rows


def _raw_test(metric: Metric, stats_c: ArmStats, stats_t: ArmStats, alpha: float):
    """The absolute test and the relative lift; undefined when an arm has a single unit."""
    test = metric.compare(stats_c, stats_t, alpha)
    var_c, var_t = stats_c.se**2, stats_t.se**2
    if min(stats_c.n, stats_t.n) < 2:
        # One unit has no spread: any SE would be made up (a 0/1 arm of one unit would even
        # look infinitely precise), so inference is undefined rather than falsely significant.
        test = finish_test(test.diff, np.nan, test.df, alpha, test.test)
        var_c = var_t = np.nan
    lift = relative_lift(stats_c.mean, var_c, stats_t.mean, var_t, test.critical_value)
    return test, lift


def _adjusted_row(metric, pair: Pair, ctx: Context, stats_c, stats_t, raw: DiffTest, where):
    y_c = metric.unit_values(pair.control_frame)
    n_params = 2 + pair.control_covariates.shape[1]
    too_few = min(stats_c.n, stats_t.n) < 2 or stats_c.n + stats_t.n < _MIN_UNITS * n_params
    if y_c is None or too_few:
        ctx.notes.flag("cuped_skipped", where)
        return None
    y = np.concatenate([y_c, metric.unit_values(pair.treatment_frame)])
    treated = np.concatenate([np.zeros(stats_c.n), np.ones(stats_t.n)])
    covariates = np.vstack([pair.control_covariates, pair.treatment_covariates])
    adj = regression_adjusted(y, treated, covariates, ctx.alpha)
    lift = relative_lift(
        adj.mean_control,
        adj.var_mean_control,
        adj.mean_treatment,
        adj.var_mean_treatment,
        adj.test.critical_value,
        cov_tc=adj.cov_means,
    )
    bayes = normal_approximation(adj.test.diff, adj.test.se, metric.higher_is_better)
    adjusted_c = ArmStats(stats_c.n, adj.mean_control, stats_c.sd)
    adjusted_t = ArmStats(stats_t.n, adj.mean_treatment, stats_t.sd)
    row = _row(metric, pair.arm, ctx, adjusted_c, adjusted_t, adj.test, lift, bayes, cuped=True)
    row["variance_reduction"] = variance_reduction(raw.se, adj.test.se)
    if row["variance_reduction"] is not None and row["variance_reduction"] < 0:
        ctx.notes.flag("cuped_worse", where)
    _flag_lift(lift, where + " (cuped)", ctx.notes)
    return row


def _row(metric, arm, ctx, stats_c, stats_t, test: DiffTest, lift: RelativeLift, bayes, cuped):
    row = empty_row()
    row.update(
        segment=ctx.segment,
        metric=metric.name,
        kind=metric.kind,
        role="primary",
        arm=arm,
        control=ctx.control,
        cuped=cuped,
        test=test.test,
        n_control=stats_c.n,
        n_treatment=stats_t.n,
        mean_control=stats_c.mean,
        mean_treatment=stats_t.mean,
        sd_control=stats_c.sd,
        sd_treatment=stats_t.sd,
        diff=test.diff,
        diff_se=test.se,
        diff_ci_low=test.ci_low,
        diff_ci_high=test.ci_high,
        statistic=test.statistic,
        df=test.df,
        p_value=test.p_value,
        rel_lift=lift.lift,
        rel_ci_low=lift.ci_low,
        rel_ci_high=lift.ci_high,
        rel_ci_method=lift.method,
        prob_beat_control=bayes.prob_beat_control,
        expected_loss=bayes.expected_loss,
    )
    return row


def _bayes(metric: Metric, stats_c: ArmStats, stats_t: ArmStats, test: DiffTest) -> BayesResult:
    if metric.kind == "proportion" and stats_c.n > 0 and stats_t.n > 0:
        return beta_binomial(
            stats_c.successes, stats_c.n, stats_t.successes, stats_t.n, metric.higher_is_better
        )
    return normal_approximation(test.diff, test.se, metric.higher_is_better)


def _with_guardrail(row: dict, metric: Metric, guardrail, control_mean: float, alpha: float):
    if guardrail is None:
        return row
    margin = margin_in_units(guardrail, control_mean)
    p_value, passed = non_inferiority(
        row["diff"], row["diff_se"], row["df"], margin, metric.higher_is_better, alpha
    )
    row.update(role="guardrail", ni_margin=margin, ni_p_value=p_value)
    row["noninferior"] = None if not np.isfinite(p_value) else bool(passed)
    return row


def _flag_lift(lift: RelativeLift, where: str, notes: NoteBook) -> None:
    if lift.method == "log-delta":
        notes.flag("fieller_unbounded", where)
    elif lift.method == "undefined":
        notes.flag("lift_undefined", where)


def _where(metric: Metric, arm: str, segment: str | None) -> str:
    place = f"{metric.name} / {arm}"
    return place if segment is None else f"{place} [{segment}]"
