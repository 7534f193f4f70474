"""`run(scenario) -> RunResult`: the whole pipeline in a few lines.

scenario → population → engine → event log → user table / daily series → summaries.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xsim.engine import Engine
from xsim.eventlog import EventLog
from xsim.history import build_book
from xsim.metrics import arm_summary, daily_table, user_table
from xsim.population import assign_arms, build_catalogue, build_population
from xsim.rng import RandomStreams
from xsim.scenario import Scenario

EVENTS_FILE = "events.parquet"


@dataclass
class RunResult:
    """Everything one run produced. ``events_path`` points at the streamed event log."""

    scenario: Scenario
    users: pd.DataFrame
    daily: pd.DataFrame
    book: pd.DataFrame
    summary_table: pd.DataFrame
    events_path: Path
    seed_entropy: int
    timings_seconds: dict[str, float] = field(default_factory=dict)
    n_events: int = 0
    _workdir: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Per-arm key metrics, one row per arm."""
        return self.summary_table

    def summary(self) -> str:
        """Plain-text per-arm table with numbered notes."""
        with pd.option_context("display.width", 200, "display.max_columns", 50):
            table = self.summary_table.T.to_string(float_format=lambda v: f"{v:,.4g}")
        notes = run_notes(self)
        lines = [f"Scenario: {self.scenario.name}", table, ""]
        lines += [f"[{i}] {note}" for i, note in enumerate(notes, 1)]
        return "\n".join(lines)


def run(
    scenario: Scenario,
    workdir: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Simulate ``scenario``. The event log is streamed into ``workdir`` (a temporary folder
    when None). ``progress(days_done)`` is called once per simulated day."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    temp = None
    if workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="xsim-run-")
        workdir = temp.name
    events_path = Path(workdir) / EVENTS_FILE
    streams = RandomStreams(scenario.seed)
    catalogue = build_catalogue(
        scenario.platform.catalogue, scenario.population.taste_dims, streams
    )
    population = build_population(scenario, catalogue, streams)
    arm = assign_arms(population.n_users, [a.weight for a in scenario.arms.values()], streams)
    book = build_book(scenario, catalogue, streams)
    timings["population"] = time.perf_counter() - clock
    with EventLog(events_path, scenario.outputs.event_chunk_rows) as log:
        world = Engine(scenario, population, catalogue, arm, streams, log, progress).run()
    timings["simulate"] = time.perf_counter() - clock - timings["population"]
    table = log.read()
    users = user_table(scenario, population, arm, world, table)
    daily = daily_table(scenario, world, table)
    summary = arm_summary(users, list(scenario.arms))
    timings["metrics"] = time.perf_counter() - clock - sum(timings.values())
    return RunResult(
        scenario, users, daily, book, summary, events_path, streams.entropy,
        timings, log.n_rows, temp,
    )  # fmt: skip


def run_notes(result: RunResult) -> list[str]:
    """Caveats a reader of the per-arm table must know."""
    users = result.users
    notes = []
    ibnr = users.claims_ibnr_count.sum()
    if ibnr > 0:
        share = users.claims_ibnr.sum() / max(users.claims_incurred.sum(), 1e-12)
        notes.append(
            f"IBNR: {ibnr} claims ({share:.0%} of incurred amount) occurred but were not yet "
            "reported at the horizon; they are counted in claims incurred and the loss ratio."
        )
    notes.append(
        "Loss ratio = claims incurred / premium earned over the experiment; "
        "short horizons make it noisy."
    )
    return notes
