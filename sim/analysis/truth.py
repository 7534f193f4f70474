"""Ground truth from twin worlds.

The same population is simulated once per arm with *every* user in that arm, with the same
seed tree, so each user meets the same common random numbers in every world. The true effect
of arm A on a metric is its population mean in world A minus that in the control world — the
sample average treatment effect the experiment tries to estimate. Where users interact (word of
mouth over the social graph, a recommender retrained on pooled data) the experiment's estimate
can differ from this truth: that gap is interference, and the report shows it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from xsim.analysis.metrics import user_table
from xsim.core.columns import metric_columns
from xsim.core.eventlog import EventLog
from xsim.world.engine import Engine, WorldInputs


@dataclass(frozen=True)
class Truth:
    """Population mean of each metric in each arm's twin world, and the true effects."""

    means: dict[str, dict[str, float]]  # arm -> metric -> mean in that arm's world
    control: str

    def effect(self, metric: str, arm: str) -> tuple[float, float]:
        """(true absolute difference, true relative lift) of ``arm`` vs control."""
        nan = float("nan")
        treated = self.means.get(arm, {}).get(metric, nan)
        base = self.means[self.control].get(metric, nan)
        relative = (treated - base) / base if base != 0 else float("nan")
        return treated - base, relative

    def to_dict(self) -> dict:
        effects = {
            arm: {
                m: dict(zip(("diff", "rel_lift"), self.effect(m, arm), strict=True))
                for m in self.means[arm]
            }  # fmt: skip
            for arm in self.means
            if arm != self.control
        }
        return {"control": self.control, "means": self.means, "effects": effects}


def metric_mean(users: pd.DataFrame, spec: str) -> float:
    """Population value of a metric spec: a mean, or sum/sum for a ratio."""
    columns = metric_columns(spec)
    if len(columns) == 2:
        denominator = users[columns[1]].sum()
        return float(users[columns[0]].sum() / denominator) if denominator else float("nan")
    return float(users[columns[0]].mean())


def twin_world_truth(inputs: WorldInputs, metrics: list[str], progress=None) -> Truth:
    """Run one world per arm with all users in it; ``progress(worlds_done)`` after each."""
    means = {}
    for code, arm in enumerate(inputs.scenario.arms):
        users = twin_world_users(inputs, code)
        means[arm] = {spec: metric_mean(users, spec) for spec in metrics}
        if progress:
            progress(code + 1)
    return Truth(means, inputs.scenario.control_arm)


def twin_world_users(inputs: WorldInputs, arm_code: int) -> pd.DataFrame:
    """The users table of the world where every user is in arm ``arm_code``. Rows of two such
    worlds pair up user by user (same people, same random numbers): paired comparisons."""
    population = inputs.population
    everyone = np.full(population.n_users, arm_code, dtype=np.int16)
    with tempfile.TemporaryDirectory(prefix="xsim-twin-") as folder:
        with EventLog(Path(folder) / "events.parquet") as log:
            world = Engine(inputs, everyone, log).run()
        return user_table(inputs.scenario, population, everyone, world, log.read())
