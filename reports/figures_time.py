"""Time-course figures: cumulative key metrics per user by arm, and retention (Kaplan–Meier).

Both aggregate first (daily sums, churn counts per day) so a 100k-user run plots a few hundred
points, never one per user.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from statsmodels.duration.survfunc import SurvfuncRight

from xsim.reports.runfolder import RunRecord
from xsim.reports.style import arm_style, figure

CUMULATIVE = (  # daily column, panel title, scale
    ("course_revenue", "course revenue per user", 1.0),
    ("purchases", "course purchases per user", 1.0),
    ("policies", "policies per 1,000 users", 1000.0),
    ("claims_incurred", "claims incurred per user", 1.0),
)


def cumulative_plot(record: RunRecord) -> tuple[Figure, str] | None:
    daily = record.daily
    if daily is None or daily.empty:
        return None
    panels = [p for p in CUMULATIVE if p[0] in daily]
    post = daily[daily["experiment_day"] >= 0]
    sizes = record.users["arm"].value_counts()
    fig, axes = figure(4.2, 2, 2)
    for ax, (column, title, scale) in zip(axes.flat, panels, strict=False):
        for i, arm in enumerate(record.arms):
            series = post[post["arm"] == arm].sort_values("experiment_day")
            values = series[column].cumsum() * scale / max(sizes.get(arm, 0), 1)
            ax.plot(series["experiment_day"], values, label=arm, markevery=max(len(series) // 6, 1),
                    **arm_style(i))  # fmt: skip
        ax.set_title(title, loc="left")
        ax.set_xlabel("day of experiment")
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    axes[0, 0].legend()
    fig.tight_layout()
    caption = (
        "Cumulative key metrics per user of each arm over the experiment period (warm-up "
        "excluded). Claims incurred include those not yet reported (IBNR)."
    )
    return fig, caption


def churn_durations(record: RunRecord) -> pd.DataFrame | None:
    """Per user active at the start of the experiment: days until churn and whether it churned
    (censored at the horizon)."""
    events = record.events(["churn"], ["day", "user"])
    if events is None:
        return None
    first = events.groupby("user")["day"].min()
    users = record.users[["user_id", "arm"]].set_index("user_id")
    churn_day = first.reindex(users.index)
    start, end = record.warmup_days, record.horizon_days
    at_risk = ~(churn_day < start)
    churned = (churn_day >= start) & (churn_day < end)
    time = np.where(churned, churn_day - start, end - start)
    frame = pd.DataFrame({"arm": users["arm"], "time": time, "churned": churned.astype(int)})
    return frame[at_risk.to_numpy()]


def retention_plot(record: RunRecord) -> tuple[Figure, str] | None:
    durations = churn_durations(record)
    if durations is None or durations.empty:
        return None
    fig, axes = figure(2.8)
    ax = axes[0, 0]
    for i, arm in enumerate(record.arms):
        counts = (
            durations[durations["arm"] == arm].groupby(["time", "churned"]).size().reset_index()
        )
        if counts.empty:
            continue
        fit = SurvfuncRight(counts["time"], counts["churned"], freq_weights=counts[0])
        style = arm_style(i)
        times = np.r_[0.0, fit.surv_times]
        prob = np.r_[1.0, fit.surv_prob]
        se = np.r_[0.0, fit.surv_prob_se]
        ax.step(times, prob, where="post", label=arm, color=style["color"], ls=style["linestyle"])
        ax.fill_between(times, prob - 1.96 * se, prob + 1.96 * se, step="post", alpha=0.15,
                        color=style["color"], lw=0)  # fmt: skip
    ax.set_xlabel("day of experiment")
    ax.set_ylabel("share still active")
    ax.legend()
    fig.tight_layout()
    caption = (
        "Retention by arm: Kaplan-Meier estimate (statsmodels SurvfuncRight) of the share of "
        "users active at the start of the experiment who have not churned, with pointwise 95% "
        "bands; users still active at the horizon are censored."
    )
    return fig, caption
