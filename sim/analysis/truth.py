"""Ground truth from twin worlds.

The same population is simulated once per arm with *every* user in that arm, with the same
seed tree, so each user meets the same common random numbers in every world. The true effect
of arm A on a metric is its population mean in world A minus that in the control world — the
sample average treatment effect the experiment tries to estimate. Where users interact (word of
mouth over the social graph, a recommender retrained on pooled data) the experiment's estimate
can differ from this truth.

The gap between an estimate and its truth has two parts, told apart by each user's own twin:

    interference = estimate - (arm's members in world A - control's members in the control world)
    sampling     = (members' own-twin difference) - truth   (which users drew which arm)

Without interaction each member behaves in the experiment exactly as in its twin world, so the
interference part is zero to rounding and every miss of the CI is sampling.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from xsim.analysis.metrics import user_table
from xsim.analysis.value import with_values, world_costs
from xsim.core.eventlog import EventLog
from xsim.estimators.effects import Metric
from xsim.world.engine import Engine
from xsim.world.inputs import WorldInputs


@dataclass(frozen=True)
class Truth:
    """Population mean of each metric in each arm's twin world, and the true effects."""

    means: dict[str, dict[str, float]]  # arm -> metric -> mean in that arm's world
    control: str
    # arm -> metric -> mean over the experiment's members of that arm, in that arm's world
    members: dict[str, dict[str, float]] = field(default_factory=dict)

    def effect(self, metric: str, arm: str) -> tuple[float, float]:
        """(true absolute difference, true relative lift) of ``arm`` vs control."""
        nan = float("nan")
        treated = self.means.get(arm, {}).get(metric, nan)
        base = self.means[self.control].get(metric, nan)
        relative = (treated - base) / base if base != 0 else float("nan")
        return treated - base, relative

    def members_effect(self, metric: str, arm: str) -> float:
        """The experiment's members' own-twin difference: arm's members in world A minus
        control's members in the control world (what the estimate would be without
        interference)."""
        nan = float("nan")
        treated = self.members.get(arm, {}).get(metric, nan)
        return treated - self.members.get(self.control, {}).get(metric, nan)

    def split(self, metric: str, arm: str, raw_diff: float, estimate: float) -> tuple[float, float]:
        """(interference, sampling) parts of ``estimate - truth``; ``raw_diff`` is the
        experiment's plain difference of the arm's and control's values (the estimate itself
        unless a covariate adjusted it, whose adjustment then counts as sampling)."""
        own_twin = self.members_effect(metric, arm)
        interference = raw_diff - own_twin
        return interference, estimate - self.effect(metric, arm)[0] - interference

    def to_dict(self) -> dict:
        effects = {
            arm: {
                m: dict(zip(("diff", "rel_lift"), self.effect(m, arm), strict=True))
                for m in self.means[arm]
            }  # fmt: skip
            for arm in self.means
            if arm != self.control
        }
        return {"control": self.control, "means": self.means, "members_means": self.members,
                "effects": effects}  # fmt: skip


def metric_mean(users: pd.DataFrame, metric: Metric) -> float:
    """Population value of a metric: a mean, or sum/sum for a ratio."""
    if metric.kind == "ratio":
        numerator, denominator = (users[column].sum() for column in metric.columns)
        return float(numerator / denominator) if denominator else float("nan")
    (column,) = metric.columns
    return float(users[column].mean())


def twin_world_truth(inputs: WorldInputs, metrics: list[Metric], progress=None,
                     assignment: np.ndarray | None = None) -> Truth:  # fmt: skip
    """Run one world per arm with all users in it; ``progress(worlds_done)`` after each.
    Means are keyed by metric name, as the effect rows are. With the experiment's
    ``assignment`` (arm code per user), also each arm's members' means in their own world."""
    unique = list({m.name: m for m in metrics}.values())  # a guardrail may repeat a metric
    means, members = {}, {}
    for code, arm in enumerate(inputs.scenario.arms):
        users = twin_world_users(inputs, code)
        means[arm] = {m.name: metric_mean(users, m) for m in unique}
        if assignment is not None and np.any(assignment == code):
            mine = users[assignment == code]
            members[arm] = {m.name: metric_mean(mine, m) for m in unique}
        if progress:
            progress(code + 1)
    return Truth(means, inputs.scenario.control_arm, members)


def twin_world_users(inputs: WorldInputs, arm_code: int) -> pd.DataFrame:
    """The users table of the world where every user is in arm ``arm_code``. Rows of two such
    worlds pair up user by user (same people, same random numbers): paired comparisons."""
    population = inputs.population
    everyone = np.full(population.n_users, arm_code, dtype=np.int16)
    with tempfile.TemporaryDirectory(prefix="xsim-twin-") as folder:
        with EventLog(Path(folder) / "events.parquet") as log:
            Engine(inputs, everyone, log).run()
        events = log.read()
        users = user_table(inputs.scenario, population, everyone, events)
        return with_values(inputs.scenario, users, events, world_costs(inputs))
