"""`xsim power`: the pilot's power by simulation over a grid of users x days, beside the
analytic answer, and the smallest pilot that reaches the target power.

Each grid point resizes the scenario (``n_users``, ``duration_days``) and analyses the chosen
metric alone (no multiple-testing family, no guardrails, no twin worlds). The simulated power
is the share of replications whose raw test rejects at alpha; all grid points use the same
replication seeds, which smooths the curve.

The analytic power uses the library's formulas (`power_proportion`, `power_mean`, a normal
approximation for ratios) with the effect and spread the simulation measured. The effect at a
duration is the precision-weighted mean of every estimate at that duration, pooled over the
user counts: without interference a per-user effect does not depend on how many users there
are. Where the formulas' assumptions hold (independent users, a near-normal estimate) the two
agree within Monte Carlo error; a gap points at interference or heavy tails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from xsim.core.errors import InputError
from xsim.estimators.effects import (
    Metric,
    power_mean,
    power_proportion,
    sample_size_mean,
    sample_size_proportion,
)
from xsim.pipeline.executors import Executor, Progress, SerialExecutor
from xsim.schema.analysis import outcome_problems
from xsim.schema.scenario import Scenario
from xsim.studies.replicate import ReplicationPlan, frame_records, replicate_task

# the report shows the first nine columns of a table: the reading ones come first
POINT_COLUMNS = [
    "users", "days", "arm", "simulated_power", "analytic_power", "mc_se", "effect",
    "mean_control", "replications", "kind", "sd_control", "sd_treatment", "n_control",
    "n_treatment", "se_unit", "ratio",
]  # fmt: skip


def grid_scenario(scenario: Scenario, metric: Metric, n_users: int, days: int) -> Scenario:
    """The scenario resized to ``n_users`` x ``days`` and analysed on ``metric`` alone."""
    analysis = scenario.analysis.model_copy(
        update={"metrics": [metric], "guardrails": [], "truth": False,
                "covariates": {k: v for k, v in scenario.analysis.covariates.items()
                               if k == metric.name}}
    )  # fmt: skip
    population = scenario.population.model_copy(update={"n_users": int(n_users)})
    experiment = scenario.experiment.model_copy(update={"duration_days": int(days)})
    update = {"analysis": analysis, "population": population, "experiment": experiment}
    return scenario.model_copy(update=update)


def check_grid(scenario: Scenario, metric: Metric, users: list[int],
               days: list[int]) -> list[Scenario]:  # fmt: skip
    """The grid's scenarios, or `InputError` naming --users / --days where a size is outside
    what the scenario itself allows (the schema's bounds) or leaves an arm under 2 users."""
    problems = []
    for option, field, model, values in (
        ("--users", "n_users", scenario.population, users),
        ("--days", "duration_days", scenario.experiment, days),
    ):
        info = type(model).model_fields[field]
        limit = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
        if limit is not None and max(values) > limit:
            problems.append(f"{option}: {max(values):,} is above the scenario's limit {limit:,}")
    smallest = 2 * len(scenario.arms)
    if min(users) < smallest:
        problems.append(f"--users: {min(users)} leaves an arm with fewer than 2 users; give at "
                        f"least {smallest} for {len(scenario.arms)} arms")  # fmt: skip
    if problems:
        raise InputError(problems)
    return [grid_scenario(scenario, metric, n, d) for n in users for d in days]


def check_metric(metric: Metric) -> None:
    """`InputError` when the metric reads a column that is not an outcome of the user table."""
    problems = outcome_problems(metric, "--metric")
    if problems:
        raise InputError(problems)


@dataclass
class PowerStudy:
    """Simulated and analytic power per grid point and treatment arm."""

    scenario: Scenario
    metric: Metric
    target: float
    replications: int
    points: pd.DataFrame

    @property
    def alpha(self) -> float:
        return self.scenario.analysis.alpha

    def smallest_simulated(self) -> pd.DataFrame:
        """Per arm: the grid point with the fewest user-days whose power reaches the target."""
        ok = self.points[self.points.simulated_power >= self.target].copy()
        ok["user_days"] = ok.users * ok.days
        ok = ok.sort_values(["arm", "user_days", "days"])
        return ok.groupby("arm", sort=False).head(1)[["arm", "users", "days", "user_days",
                                                      "simulated_power"]]  # fmt: skip

    def analytic_sizes(self) -> pd.DataFrame:
        """Per arm and duration: the users the analytic formula needs for the target power."""
        first = self.points.sort_values("users").groupby(["arm", "days"], sort=False).head(1)
        rows = []
        for p in first.itertuples():
            users = required_users(p, self.alpha, self.target)
            rows.append({"arm": p.arm, "days": p.days, "users_needed": users,
                         "user_days": users * p.days})  # fmt: skip
        return pd.DataFrame(rows)

    def to_document(self) -> dict:
        sizes = self.analytic_sizes()
        best = sizes.sort_values("user_days").groupby("arm", sort=False).head(1)
        return {
            "kind": "power",
            "title": f"Power of the pilot on {self.metric.name} (target {self.target:.0%})",
            "settings": {
                "scenario": self.scenario.name,
                "seed": self.scenario.seed,
                "metric": self.metric.name,
                "alpha": self.alpha,
                "target": self.target,
                "replications": self.replications,
            },  # fmt: skip
            "points": frame_records(self.points[POINT_COLUMNS]),
            "smallest_simulated": frame_records(self.smallest_simulated()),
            "analytic_sizes": frame_records(sizes),
            "smallest_analytic": frame_records(best),
            "notes": power_notes(self),
        }


def simulate_power(
    scenario: Scenario,
    metric: Metric,
    users: list[int],
    days: list[int],
    replications: int,
    target: float = 0.8,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> PowerStudy:
    """Run ``replications`` per (users, days) point in one map over all points."""
    check_metric(metric)
    grid = [(u, d) for d in days for u in users]
    plans = tuple(ReplicationPlan(grid_scenario(scenario, metric, u, d)) for u, d in grid)
    tasks = [(p, r) for p in range(len(plans)) for r in range(replications)]
    records = (executor or SerialExecutor()).map(replicate_task, plans, tasks, progress)
    rows = [{"users": grid[rec["plan"]][0], "days": grid[rec["plan"]][1], **row}
            for rec in records for row in rec["rows"] if not row["cuped"]]  # fmt: skip
    points = power_points(pd.DataFrame(rows), scenario, scenario.analysis.alpha)
    return PowerStudy(scenario, metric, target, replications, points)


def power_points(rows: pd.DataFrame, scenario: Scenario, alpha: float) -> pd.DataFrame:
    """Simulated and analytic power per (users, days, arm)."""
    weights = {name: arm.weight for name, arm in scenario.arms.items()}
    out = []
    for (days, arm), at_days in rows.groupby(["days", "arm"], sort=True):
        effect = _pooled_effect(at_days)
        for n_users, g in at_days.groupby("users", sort=True):
            m = g[["mean_control", "sd_control", "sd_treatment", "n_control", "n_treatment",
                   "diff_se"]].astype(float).mean()  # fmt: skip
            simulated = float(np.mean(g["p_value"].astype(float) < alpha))
            kind = g["kind"].mode().iloc[0]  # the test run (a cluster design runs ratios)
            out.append({
                "users": int(n_users), "days": int(days), "arm": arm, "kind": kind,
                "replications": len(g), "effect": effect, "mean_control": m.mean_control,
                "sd_control": m.sd_control, "sd_treatment": m.sd_treatment,
                "n_control": m.n_control, "n_treatment": m.n_treatment,
                "se_unit": m.diff_se * np.sqrt(m.n_control),
                "ratio": weights[arm] / weights[scenario.control_arm],
                "simulated_power": simulated,
                "mc_se": float(np.sqrt(max(simulated * (1 - simulated), 1e-12) / len(g))),
                "analytic_power": analytic_power(kind, m.mean_control, m.sd_control,
                                                 m.sd_treatment, m.n_control, m.n_treatment,
                                                 effect, alpha, m.diff_se),
            })  # fmt: skip
    return pd.DataFrame(out)


def _pooled_effect(rows: pd.DataFrame) -> float:
    """Precision-weighted mean of the estimates (inverse squared SE)."""
    se = rows["diff_se"].astype(float).to_numpy()
    diff = rows["diff"].astype(float).to_numpy()
    ok = np.isfinite(se) & (se > 0) & np.isfinite(diff)
    if not ok.any():
        return float(np.nanmean(diff)) if len(diff) else float("nan")
    w = 1 / se[ok] ** 2
    return float(np.sum(w * diff[ok]) / np.sum(w))


def analytic_power(kind, mean_control, sd_control, sd_treatment, n_control, n_treatment,
                   effect, alpha, diff_se=None) -> float:  # fmt: skip
    """Power of the report's raw test for ``effect`` with these arm sizes and spreads."""
    if not np.isfinite(effect) or n_control < 2 or n_treatment < 2:
        return float("nan")
    ratio = n_treatment / n_control
    if kind == "proportion":
        if sd_control <= 0 and sd_treatment <= 0 or not 0 < mean_control + effect < 1:
            return float("nan")
        return power_proportion(mean_control, effect, n_control, alpha, ratio)
    if kind == "mean":
        sd = _common_sd(sd_control, sd_treatment, ratio)
        if not sd > 0:
            return float("nan")
        power = power_mean(sd, effect, n_control, alpha, ratio)
        # statsmodels' noncentral t returns NaN for some large effects at non-integer arm
        # ratios; with thousands of units the t test is the z test
        se = sd * np.sqrt(1 / n_control + 1 / n_treatment)
        return power if np.isfinite(power) else normal_power(effect, se, alpha)
    return normal_power(effect, diff_se, alpha)


def _common_sd(sd_control: float, sd_treatment: float, ratio: float) -> float:
    """The single SD for which sd * sqrt(1/n_c + 1/n_t) is Welch's SE of the difference."""
    return float(np.sqrt((sd_control**2 + sd_treatment**2 / ratio) / (1 + 1 / ratio)))


def normal_power(effect: float, se: float | None, alpha: float) -> float:
    """Two-sided z test power: P(|Z + effect/se| > z_{alpha/2})."""
    if se is None or not np.isfinite(se) or se <= 0:
        return float("nan")
    z, shift = stats.norm.isf(alpha / 2), abs(effect) / se
    return float(stats.norm.sf(z - shift) + stats.norm.cdf(-z - shift))


def required_users(point, alpha: float, target: float) -> float:
    """Total users (all arms) the analytic formula needs at this point's effect and spread."""
    effect, ratio = point.effect, point.ratio
    share_control = point.n_control / point.users  # other arms take their share too
    if not np.isfinite(effect) or effect == 0:
        return float("inf")
    if point.kind == "proportion":
        n_c = sample_size_proportion(point.mean_control, effect, alpha, target, ratio)
    elif point.kind == "mean":
        sd = _common_sd(point.sd_control, point.sd_treatment, ratio)
        n_c = sample_size_mean(sd, effect, alpha, target, ratio)
    else:
        z = stats.norm.isf(alpha / 2) + stats.norm.ppf(target)
        n_c = (z * point.se_unit / abs(effect)) ** 2
    return float(np.ceil(n_c / share_control))


def power_notes(study: PowerStudy) -> list[str]:
    notes = [
        f"Simulated power: share of {study.replications} replications per point whose raw "
        f"test of {study.metric.name} rejects at alpha = {study.alpha:g}; analytic power: the "
        "library's formula with the effect pooled over user counts at each duration.",
    ]
    best = study.smallest_simulated()
    if best.empty:
        notes.append(f"No grid point reaches {study.target:.0%} power: add users or days.")
    return notes


def plot_power(study: PowerStudy, path) -> None:
    """Power against users: simulated points (95 % Monte Carlo bars) and analytic curves, one
    colour per duration, one panel per treatment arm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = list(dict.fromkeys(study.points.arm))
    fig, axes = plt.subplots(1, len(arms), figsize=(6 * len(arms), 4), squeeze=False)
    for ax, arm in zip(axes[0], arms, strict=True):
        for days, g in study.points[study.points.arm == arm].groupby("days"):
            g = g.sort_values("users")
            line = ax.errorbar(g.users, g.simulated_power, yerr=1.96 * g.mc_se, fmt="o",
                               capsize=3, label=f"{days} days: simulated")  # fmt: skip
            curve = _analytic_curve(g, study.alpha)
            ax.plot(*curve, color=line[0].get_color(), label=f"{days} days: analytic")
        ax.axhline(study.target, color="grey", linestyle=":", label=f"target {study.target:.0%}")
        ax.set(
            xscale="log",
            xlabel="users in the pilot (all arms)",
            ylabel="power",
            title=f"{study.metric.name}: {arm} vs {study.scenario.control_arm}",
            ylim=(0, 1.02),
        )
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _analytic_curve(points: pd.DataFrame, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Analytic power on a fine users grid, scaling the first point's arm sizes."""
    p = points.iloc[0]
    users = np.geomspace(points.users.min() / 2, points.users.max() * 2, 60)
    scale = users / p.users
    power = [analytic_power(p.kind, p.mean_control, p.sd_control, p.sd_treatment,
                            p.n_control * s, p.n_treatment * s, p.effect, alpha,
                            p.se_unit / np.sqrt(p.n_control * s)) for s in scale]  # fmt: skip
    return users, np.array(power)
