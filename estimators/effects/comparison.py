"""One treatment arm vs control on one metric: the raw row and, with covariates, the CUPED row."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .bayes import BayesResult, beta_binomial, normal_approximation
from .cuped import regression_adjusted, variance_reduction
from .diagnostics import NoteBook, check_pair
from .frequentist import DiffTest, RelativeLift, finish_test, relative_lift
from .lift import bound_lift, proportion_lift
from .metrics import ArmStats, Metric
from .multiplicity import Guardrail, guardrail_verdict, margin_in_units, non_inferiority
from .results import empty_row
from .validity import APPROXIMATE, INSUFFICIENT

_MIN_UNITS = 3  # per OLS parameter; below it residual df are too few to estimate robust SEs


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

    control: str  # the reference arm of this comparison
    alpha: float
    notes: NoteBook
    segment: str | None = None
    name_reference: bool = False  # an extra comparison: notes say "arm vs reference"


def compare(
    metric: Metric, pair: Pair, ctx: Context, guardrail: Guardrail | None = None
) -> list[dict]:
    """Rows for this metric and pair: raw first, then regression-adjusted when possible."""
    stats_c = metric.arm_stats(pair.control_frame)
    stats_t = metric.arm_stats(pair.treatment_frame)
    arm = f"{pair.arm} vs {ctx.control}" if ctx.name_reference else pair.arm
    where = _where(metric, arm, ctx.segment)
    test, lift = _raw_test(metric, stats_c, stats_t, ctx.alpha)
    check_pair(metric, stats_c, stats_t, where, ctx.notes, test.validity)
    bayes = _bayes(metric, stats_c, stats_t, test)
    row = _row(metric, pair.arm, ctx, stats_c, stats_t, test, lift, bayes, cuped=False)
    _flag_lift(lift, where, ctx.notes)
    _flag_validity(test, where, ctx.notes)
    rows = [_with_guardrail(row, metric, guardrail, stats_c.mean, ctx.alpha)]
    if pair.control_covariates is not None:
        adjusted = _adjusted_row(metric, pair, ctx, stats_c, stats_t, test, where)
        if adjusted is not None:
            rows.append(_with_guardrail(adjusted, metric, guardrail, stats_c.mean, ctx.alpha))
    return rows


def _raw_test(metric: Metric, stats_c: ArmStats, stats_t: ArmStats, alpha: float):
    """The absolute test and the relative lift; undefined when an arm has a single unit."""
    if min(stats_c.n, stats_t.n) < 2:
        # One unit has no spread: any SE would be made up (a 0/1 arm of one unit would even
        # look infinitely precise), so inference is undefined rather than falsely significant.
        test = finish_test(stats_t.mean - stats_c.mean, np.nan, np.inf, alpha, "undefined")
        test = replace(test, validity=INSUFFICIENT)
        lift = relative_lift(stats_c.mean, np.nan, stats_t.mean, np.nan, test.critical_value)
        return test, bound_lift(lift, stats_c.mean, stats_c.se, _nonnegative(stats_c, stats_t))
    test = metric.compare(stats_c, stats_t, alpha)
    if metric.kind == "proportion":
        lift = proportion_lift(stats_c.successes, stats_c.n, stats_t.successes, stats_t.n, alpha)
    else:
        var_c, var_t = stats_c.se**2, stats_t.se**2
        lift = relative_lift(stats_c.mean, var_c, stats_t.mean, var_t, test.critical_value)
    return test, bound_lift(lift, stats_c.mean, stats_c.se, _nonnegative(stats_c, stats_t))


def _nonnegative(stats_c: ArmStats, stats_t: ArmStats) -> bool:
    return stats_c.nonnegative and stats_t.nonnegative


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
    se_c = np.sqrt(adj.var_mean_control)
    lift = bound_lift(lift, adj.mean_control, se_c, _nonnegative(stats_c, stats_t))
    bayes = normal_approximation(adj.test.diff, adj.test.se, metric.higher_is_better)
    adjusted_c = ArmStats(stats_c.n, adj.mean_control, stats_c.sd)
    adjusted_t = ArmStats(stats_t.n, adj.mean_treatment, stats_t.sd)
    row = _row(metric, pair.arm, ctx, adjusted_c, adjusted_t, adj.test, lift, bayes, cuped=True)
    row["variance_reduction"] = variance_reduction(raw.se, adj.test.se)
    if row["variance_reduction"] is not None and row["variance_reduction"] < 0:
        ctx.notes.flag("cuped_worse", where)
    _flag_lift(lift, where + " (cuped)", ctx.notes)
    _flag_validity(adj.test, where + " (cuped)", ctx.notes)
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
        diff_ci_method=test.interval_method,
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
        validity=test.validity,
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
    """A guardrail reads the row's CI against the margin: it holds when the CI clears the
    margin on the good side, is breached only when the CI lies wholly beyond it, and is
    inconclusive otherwise (a CI straddling the margin proves neither)."""
    if guardrail is None:
        return row
    margin = margin_in_units(guardrail, control_mean)
    p_value, _ = non_inferiority(
        row["diff"], row["diff_se"], row["df"], margin, metric.higher_is_better, alpha
    )
    verdict = guardrail_verdict(
        row["diff_ci_low"], row["diff_ci_high"], margin, metric.higher_is_better
    )
    if row["validity"] == INSUFFICIENT or row["diff_ci_method"] == APPROXIMATE:
        verdict = INSUFFICIENT
    row.update(role="guardrail", ni_margin=margin, ni_p_value=p_value, verdict=verdict)
    row["noninferior"] = None if verdict == INSUFFICIENT else verdict == "holds"
    return row


def _flag_lift(lift: RelativeLift, where: str, notes: NoteBook) -> None:
    if lift.method == "suppressed":
        notes.flag("lift_suppressed", where)
    elif lift.method == "log-delta":
        notes.flag("fieller_unbounded", where)
    elif lift.method == "undefined":
        notes.flag("lift_undefined", where)


def _flag_validity(test: DiffTest, where: str, notes: NoteBook) -> None:
    if test.validity == INSUFFICIENT and test.test != "undefined":
        notes.flag("insufficient_" + str(test.test), where)
    elif test.validity != INSUFFICIENT and test.test in ("fisher_exact", "permutation_welch"):
        notes.flag(str(test.test), where)


def _where(metric: Metric, arm: str, segment: str | None) -> str:
    place = f"{metric.name} / {arm}"
    return place if segment is None else f"{place} [{segment}]"
