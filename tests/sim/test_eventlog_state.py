"""The event log is all the analysis reads of a world (DESIGN §2): the user table, the daily
series and the risk report come from a run's ``events.parquet`` alone (with the scenario and
the population, its inputs), and what the engine logs of its state is exactly that state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import xsim
from tests.sim.builders import build
from xsim.analysis.clusters import assign_units
from xsim.analysis.metrics import daily_table, user_table
from xsim.analysis.risk_report import monitor_history, policy_book, risk_report
from xsim.analysis.value import with_values, world_costs
from xsim.core.eventlog import KINDS, MONITOR_FIELDS, SNAPSHOT_FIELDS, EventLog, kind_codes
from xsim.core.jsonio import dumps
from xsim.core.rng import RandomStreams
from xsim.pipeline.rundir import write_run
from xsim.pipeline.runner import prepare_world
from xsim.world.engine import Engine
from xsim.world.risk import cohort_status

# claims that are reported and settled within the run (trust moves), offers that are read
# (awareness moves) and a monitor that checks cohorts of a few policies
SCENARIO = build(
    **{
        "population.n_users": 3000,
        "insurer.products.accident": {
            "premium_per_year": 600,
            "claim_frequency_per_year": 2.0,
            "severity": {"mean": 500, "cv": 0.3},
            "take_up_probability": 0.5,
            "reporting_delay_days": {"median": 3, "sigma": 0.5},
        },
        "channels": {"email": {"open_rate": 0.6, "click_rate": 0.5, "opt_in": "email"}},
        "insurer.risk.monitor": {"min_policies": 5},
    }
)


def _arm_of_each_user(table) -> np.ndarray:
    """Each user's arm, read from the log too: the final-state event of every user."""
    final = kind_codes(table) == KINDS.index("final_state")
    arm = np.empty(SCENARIO.population.n_users, np.int16)
    arm[table.column("user").to_numpy()[final]] = table.column("arm").to_numpy()[final]
    return arm


def test_tables_from_a_runs_event_log_equal_the_runs_tables(tmp_path: Path):
    result = xsim.run(SCENARIO, workdir=tmp_path)
    folder = tmp_path / "run"
    folder.mkdir()
    write_run(result, folder, raw_ids=True)
    table = pq.read_table(folder / "events.parquet")
    inputs, _ = prepare_world(SCENARIO, RandomStreams(SCENARIO.seed))
    arm = _arm_of_each_user(table)

    users = user_table(SCENARIO, inputs.population, arm, table)
    users = with_values(SCENARIO, users, table, world_costs(inputs))
    pd.testing.assert_frame_equal(users, result.users, check_exact=True)
    pd.testing.assert_frame_equal(users, pd.read_parquet(folder / "users.parquet"))
    daily = daily_table(SCENARIO, table)
    pd.testing.assert_frame_equal(daily, pd.read_parquet(folder / "daily.parquet"))
    risk = risk_report(inputs, users, table)
    assert dumps(risk, indent=2) == (folder / "risk.json").read_text(encoding="utf-8")
    assert risk["monitor"] and risk["cohorts"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One world run by hand, keeping the engine to compare the log with its state."""
    streams = RandomStreams(SCENARIO.seed)
    inputs, _ = prepare_world(SCENARIO, streams)
    arm, _ = assign_units(inputs.population, SCENARIO, streams)
    path = tmp_path_factory.mktemp("world") / "events.parquet"
    with EventLog(path) as log:
        engine = Engine(inputs, arm, log)
        engine.run()
    return inputs, arm, engine, pq.read_table(path)


def test_the_final_state_in_the_log_is_the_engines(world):
    inputs, arm, engine, table = world
    s = engine.state
    users = user_table(SCENARIO, inputs.population, arm, table)
    for column, state in (("visits_pre", s.visits_pre), ("visits", s.visits),
                          ("engagement_final", s.engagement), ("awareness_final", s.awareness),
                          ("trust_final", s.trust)):  # fmt: skip
        values = users[column].to_numpy()
        assert values.dtype == state.dtype, column
        np.testing.assert_array_equal(values, state, err_msg=column)
    np.testing.assert_array_equal(users.churned.to_numpy(), ~s.active)
    # both sparse levels were exercised: some users moved, the rest kept their start
    assert (s.awareness != inputs.population.insurance_awareness).any()
    assert (s.trust != np.float32(SCENARIO.insurer.initial_trust)).any()
    assert (s.trust == np.float32(SCENARIO.insurer.initial_trust)).any()


def test_the_log_stays_small(world):
    """A handful of rows per day and arm, one row per user at the end, none per visit."""
    _, _, _, table = world
    counts = np.bincount(kind_codes(table), minlength=len(KINDS))
    n_arms = len(SCENARIO.arms)
    assert counts[KINDS.index("final_state")] == SCENARIO.population.n_users
    assert counts[KINDS.index("snapshot")] == SCENARIO.horizon_days * n_arms * len(SNAPSHOT_FIELDS)
    assert counts[KINDS.index("visit")] == 0
    assert counts[KINDS.index("claim_policy")] == counts[KINDS.index("claim")] > 0


def test_the_last_snapshot_is_the_final_state(world):
    inputs, arm, engine, table = world
    s, n_arms = engine.state, len(SCENARIO.arms)
    last = daily_table(SCENARIO, table).query("day == @SCENARIO.horizon_days - 1")
    users = np.bincount(arm, minlength=n_arms)
    np.testing.assert_array_equal(last.active_users, np.bincount(arm, weights=s.active))
    insured = (s.holder >= 0).any(axis=0)
    np.testing.assert_array_equal(last.insured_users, np.bincount(arm, weights=insured))
    engagement = np.bincount(arm, weights=s.engagement, minlength=n_arms) / users
    np.testing.assert_array_equal(last.mean_engagement, engagement)


def test_the_policy_book_in_the_log_is_the_insurers(world):
    _, _, engine, table = world
    book = engine.insurer.policies.table()
    assert book.reported_count.sum() > 0 and np.isfinite(book.end_day).any()
    pd.testing.assert_frame_equal(policy_book(table), book, check_dtype=False, check_exact=True)


def test_the_monitor_logs_every_field_of_its_rows(world):
    inputs, _, engine, table = world
    status = cohort_status(SCENARIO, engine.insurer.policies.table(), engine.expected_claim_cost,
                           float(SCENARIO.horizon_days))  # fmt: skip
    assert [*status.columns] == ["arm", *MONITOR_FIELDS[:-1]]
    history = monitor_history(SCENARIO, table)
    assert history and [*history[0]] == ["day", "arm", *MONITOR_FIELDS]
    checks = {row["day"] for row in history}
    assert len(history) == len(checks) * len(SCENARIO.arms)
