"""`run(scenario) -> RunResult`: the whole pipeline in a few lines.

scenario → population → engine → event log → user table / daily series → summaries.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from xsim.analysis.clusters import assign_units, estimate_unit_effects
from xsim.analysis.decision import Decision, decide
from xsim.analysis.effects import RunEffects
from xsim.analysis.metrics import arm_summary, daily_table, user_table
from xsim.analysis.objective import VALUE_COLUMNS, ObjectiveResult, evaluate_objective
from xsim.analysis.risk_report import risk_report
from xsim.analysis.sales import SALES_COLUMNS
from xsim.analysis.truth import twin_world_truth
from xsim.analysis.value import with_values, world_costs
from xsim.core.errors import InputError
from xsim.core.eventlog import EventLog
from xsim.core.rng import RandomStreams
from xsim.estimators.effects import Mean
from xsim.pipeline.memory import check_fits, release_freed_memory
from xsim.schema.scenario import Scenario
from xsim.world.engine import Engine
from xsim.world.history import build_book
from xsim.world.inputs import WorldInputs
from xsim.world.population import build_catalogue, build_population
from xsim.world.risk import book_costs, user_frame

EVENTS_FILE = "events.parquet"


Progress = Callable[[str, int, int], None]  # (task, completed, total)


@dataclass
class RunResult:
    """Everything one run produced. ``events_path`` points at the streamed event log."""

    scenario: Scenario
    users: pd.DataFrame
    daily: pd.DataFrame
    book: pd.DataFrame
    summary_table: pd.DataFrame
    effects: RunEffects
    risk: dict
    recommender: list[dict]
    objective: ObjectiveResult | None  # None when run(with_objective=False)
    decision: Decision | None  # the recommended arm on objective.decide_on; None likewise
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
    progress: Progress | None = None,
    streams: RandomStreams | None = None,
    with_objective: bool = True,
) -> RunResult:
    """Simulate ``scenario``, estimate its effects and, when enabled, their truth.

    The event log is streamed into ``workdir`` (a temporary folder when None).
    ``progress(task, done, total)`` reports simulated days ('simulate') and twin worlds
    ('truth'). ``streams`` replaces the scenario's seed tree (replication ``i`` passes
    ``RandomStreams(scenario.seed).replication(i)``). ``with_objective=False`` leaves the
    objective out (``objective`` is None): replications that keep only effects skip it."""
    check_fits(scenario)
    clock = _Laps()
    temp = tempfile.TemporaryDirectory(prefix="xsim-run-") if workdir is None else None
    events_path = Path(temp.name if temp else workdir) / EVENTS_FILE
    streams = streams if streams is not None else RandomStreams(scenario.seed)
    inputs, book = prepare_world(scenario, streams)
    arm, clusters = assign_units(inputs.population, scenario, streams)
    release_freed_memory(scenario.population.n_users)  # the population's temporaries
    clock.lap("population")
    world, n_events = _simulate(inputs, arm, events_path, progress)
    clock.lap("simulate")
    # the event log is all the analysis reads of the world
    table = pq.read_table(events_path)
    users = user_table(scenario, inputs.population, arm, table)
    users = with_values(scenario, users, table, world_costs(inputs))
    daily = daily_table(scenario, table)
    risk = risk_report(inputs, users, table) if scenario.outputs.risk_report else {}
    clock.lap("metrics")
    recommender = world.recommender
    del world  # from here on, free what is done with: a large run's memory peaks below
    truth = _truth(scenario, inputs, arm, progress, clock)
    del inputs
    release_freed_memory(scenario.population.n_users)
    del table
    release_freed_memory(scenario.population.n_users)
    effects = _effects(users, scenario, truth, clusters)
    clock.lap("effects")
    objective = decision = None
    if with_objective:
        objective = evaluate_objective(scenario, users, truth.means if truth else None, book)
        decision = decide(objective, scenario.objective.decide_on, effects.to_dicts())
        clock.lap("objective")
    return RunResult(
        scenario=scenario, users=users, daily=daily, book=book,
        summary_table=arm_summary(users, list(scenario.arms)), effects=effects, risk=risk,
        recommender=recommender, objective=objective, decision=decision,
        events_path=events_path,
        seed_entropy=streams.entropy, timings_seconds=clock.laps, n_events=n_events,
        _workdir=temp,
    )  # fmt: skip


class _Laps:
    """Seconds per phase, each measured from the end of the previous one."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now


def _simulate(inputs: WorldInputs, arm: np.ndarray, events_path: Path, progress):
    """The world, streamed to the event log; returns it and the number of events."""
    scenario = inputs.scenario
    days = _tracker(progress, "simulate", scenario.horizon_days)
    with EventLog(events_path, scenario.outputs.event_chunk_rows) as log:
        world = Engine(inputs, arm, log, days).run()
    release_freed_memory(inputs.population.n_users)  # the engine's arrays, before analysis
    return world, log.n_rows


def _truth(scenario: Scenario, inputs: WorldInputs, arm: np.ndarray, progress, clock: _Laps):
    """Twin-world truth when enabled and the population is within the scenario's limit."""
    analysis = scenario.analysis
    if not analysis.truth or inputs.population.n_users > analysis.truth_max_users:
        return None
    worlds = _tracker(progress, "truth", len(scenario.arms))
    # each firm's value always gets its truth: the objective's scores are built from them
    values = [Mean(column) for column in (*VALUE_COLUMNS, *SALES_COLUMNS)]
    metrics = [*analysis.metrics, *(g.metric for g in analysis.guardrails), *values]
    truth = twin_world_truth(inputs, metrics, worlds, assignment=arm)
    clock.lap("truth")
    return truth


def _effects(users: pd.DataFrame, scenario: Scenario, truth, clusters) -> RunEffects:
    try:
        return estimate_unit_effects(users, scenario, truth, clusters)
    except InputError as exc:  # e.g. an arm that drew no users: the run stands, without effects
        return RunEffects.not_estimated(exc.problems, truth)


def prepare_world(scenario: Scenario, streams: RandomStreams) -> tuple[WorldInputs, pd.DataFrame]:
    """Catalogue (with the strategies' co-branded courses), population, historical book and
    the insurer's expected claim costs."""
    partner_courses = [
        (code, *arm.strategy.partner_course())
        for code, arm in enumerate(scenario.arms.values())
        if arm.strategy.partner_course() is not None
    ]
    catalogue = build_catalogue(
        scenario.platform.catalogue, scenario.population.taste_dims, streams, partner_courses
    )
    population = build_population(scenario, catalogue, streams)
    book = build_book(scenario, catalogue, streams)
    model, costs, _ = book_costs(scenario, book, user_frame(scenario, population))
    holders = initial_holders(scenario, population, streams)
    inputs = WorldInputs(scenario, population, catalogue, streams, costs, holders, book, model)
    return inputs, book


def initial_holders(scenario: Scenario, population, streams: RandomStreams) -> list[np.ndarray]:
    """Platform users who already hold each product at t=0; need makes holding likelier."""
    rng = streams.generator("history", 1)
    weight = np.exp(0.5 * population.insurance_need)
    weight /= weight.mean()
    holders = []
    for product in scenario.insurer.products.values():
        p = np.minimum(product.initial_holders_share * weight, 1.0)
        holders.append(np.flatnonzero(rng.random(population.n_users) < p))
    return holders


def _tracker(progress: Progress | None, task: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    return lambda done: progress(task, done, total)


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
