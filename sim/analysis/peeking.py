"""Interim looks inside one replication, to measure what peeking does to the error rate.

Every user is in the experiment from day 0 and outcomes accumulate, so a look at experiment
day ``d`` recomputes each user's outcome from the events logged before warm-up + ``d`` and
runs the report's own test (unpooled two-proportion z, or Welch's t) on it. Only outcomes that
are a count, a sum or an occurrence of one event kind can be rebuilt from the log at any day:
those are `PEEKABLE`. The test statistics of all looks are computed in one vectorised call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from xsim.core.eventlog import KINDS, kind_codes
from xsim.estimators.effects import proportion_test, welch_test
from xsim.schema.scenario import Scenario

# outcome column -> (event kind, how a user's events become the outcome)
PEEKABLE: dict[str, tuple[str, str]] = {
    "course_conversion": ("purchase", "any"),
    "purchases": ("purchase", "count"),
    "course_revenue": ("purchase", "amount"),
    "shares": ("share", "count"),
    "policy_conversion": ("policy", "any"),
    "policies": ("policy", "count"),
    "premium_written": ("policy", "amount"),
    "quotes": ("quote", "count"),
    "clicks": ("click", "count"),
    "contacts": ("contact", "count"),
}


def look_days(duration_days: int, every_days: int) -> list[int]:
    """Experiment days of the looks: every ``every_days`` and always the last day."""
    days = list(range(every_days, duration_days, every_days))
    return [*days, duration_days]


def peek_metrics(scenario: Scenario) -> list[str]:
    """The analysis metrics (primary first) that can be rebuilt at any day."""
    names = [m.name for m in (scenario.analysis.primary, *scenario.analysis.metrics)]
    return [n for n in dict.fromkeys(names) if n in PEEKABLE]


def interim_looks(
    events_path: Path, arm: np.ndarray, scenario: Scenario, metrics: list[str], every_days: int
) -> dict[str, dict]:
    """Difference and SE of each metric (first treatment arm vs control) at each look.

    ``arm`` holds each user's arm code. Returns metric -> lists keyed 'day', 'diff', 'se'."""
    table = pq.read_table(events_path, columns=["day", "kind", "user", "amount"])
    warmup = scenario.experiment.warmup_days
    day = table.column("day").to_numpy()
    post = (day >= warmup) & (table.column("user").to_numpy() >= 0)
    kinds = kind_codes(table)
    days = look_days(scenario.experiment.duration_days, every_days)
    looks = {}
    for metric in metrics:
        kind, reduce = PEEKABLE[metric]
        keep = post & (kinds == KINDS.index(kind))
        values = _cumulative(
            table.column("user").to_numpy()[keep],
            table.column("amount").to_numpy()[keep] if reduce == "amount" else None,
            day[keep] - warmup, days, len(arm),
        )  # fmt: skip
        if reduce == "any":
            values = (values > 0).astype(float)
        test = _compare(values, arm, reduce == "any", scenario)
        looks[metric] = {"day": days, "diff": _floats(test.diff), "se": _floats(test.se)}
    return looks


def _cumulative(user, amount, experiment_day, days: list[int], n_users: int) -> np.ndarray:
    """Per look (rows) and user (columns): events counted, or amounts summed, before it."""
    values = np.empty((len(days), n_users))
    for i, look in enumerate(days):
        seen = experiment_day < look
        weights = None if amount is None else amount[seen]
        values[i] = np.bincount(user[seen], weights=weights, minlength=n_users)
    return values


def _compare(values: np.ndarray, arm: np.ndarray, proportion: bool, scenario: Scenario):
    """The fixed-horizon test at every look at once (rows of ``values`` are looks)."""
    control = list(scenario.arms).index(scenario.control_arm)
    treatment = next(code for code in range(len(scenario.arms)) if code != control)
    c, t = values[:, arm == control], values[:, arm == treatment]
    alpha = scenario.analysis.alpha
    if proportion:
        return proportion_test(c.mean(1), c.shape[1], t.mean(1), t.shape[1], alpha)
    n_c, n_t = c.shape[1], t.shape[1]
    return welch_test(c.mean(1), c.var(1, ddof=1), n_c, t.mean(1), t.var(1, ddof=1), n_t, alpha)


def _floats(values) -> list[float]:
    return [float(v) for v in np.atleast_1d(values)]
