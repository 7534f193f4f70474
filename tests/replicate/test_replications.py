"""Replications: seeds by index, small records, truth handling, summary arithmetic."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.replicate.scenarios import tiny
from xsim.studies.replicate import ReplicationPlan, replicate_one, run_replications, summarise_rows


def test_a_replication_depends_only_on_its_index():
    plan = ReplicationPlan(tiny())
    three = run_replications(plan, 3).records
    assert run_replications(plan, 2).records == three[:2]  # not on how many run
    assert three[0]["rows"] != three[1]["rows"]  # each index is a new world
    assert [r["replication"] for r in three] == [0, 1, 2]


def test_a_record_is_small_and_json_ready():
    record = replicate_one(ReplicationPlan(tiny(), peek_every_days=7), 0)
    text = json.dumps(record)
    assert len(text) < 50_000  # effects rows, SRM and looks: never the users table
    assert all(row.keys() >= {"diff", "p_value", "true_diff"} for row in record["rows"])
    looks = record["looks"]["course_conversion"]
    assert looks["day"] == [7, 14] and len(looks["diff"]) == 2


def test_a_replication_differs_from_the_plain_run_but_repeats_exactly():
    plan = ReplicationPlan(tiny())
    assert replicate_one(plan, 4) == replicate_one(plan, 4)


def test_aa_rows_carry_a_true_effect_of_zero():
    record = replicate_one(ReplicationPlan(tiny(arms=_same_arms()), aa=True), 0)
    rows = [r for r in record["rows"] if r["diff_ci_low"] is not None]
    assert rows and all(r["true_diff"] == 0.0 for r in rows)
    assert all(r["ci_covers_truth"] == (r["diff_ci_low"] <= 0 <= r["diff_ci_high"]) for r in rows)


def test_twin_world_truth_flows_into_the_summary():
    result = run_replications(ReplicationPlan(tiny(**{"analysis.truth": True})), 2)
    summary = result.summary_frame()
    rows = result.rows_frame()
    assert rows.true_diff.notna().all() and summary.coverage.notna().all()
    value = rows[(rows.metric == "insurer_value") & ~rows.cuped.astype(bool)]
    first = summary[(summary.metric == "insurer_value") & ~summary.cuped.astype(bool)]
    assert first.true_diff.iloc[0] == pytest.approx(value.true_diff.mean())
    assert value.true_diff.nunique() == 2  # each replication has its own twin worlds


def test_summary_arithmetic_on_known_rows():
    """Three replications with hand-made numbers: every summary column is checked exactly."""
    rows = pd.DataFrame(
        {
            "metric": ["m"] * 3, "arm": ["t"] * 3, "cuped": [False] * 3, "role": ["primary"] * 3,
            "diff": [1.0, 2.0, 3.0], "true_diff": [1.5] * 3, "diff_se": [0.5] * 3,
            "diff_ci_low": [0.0, 1.0, 2.0], "diff_ci_high": [2.0, 3.0, 4.0],
            "ci_covers_truth": [True, True, False], "p_value": [0.01, 0.2, 0.04],
            "significant": [True, False, False], "rel_ci_low": [None] * 3,
            "rel_ci_high": [None] * 3, "true_rel_lift": [None] * 3,
        }
    )  # fmt: skip
    s = summarise_rows(rows, alpha=0.05).iloc[0]
    assert s.replications == 3
    assert s.mean_estimate == pytest.approx(2.0) and s.sd_estimate == pytest.approx(1.0)
    assert s.bias == pytest.approx(0.5)
    assert s.rmse == pytest.approx(np.sqrt((0.25 + 0.25 + 2.25) / 3))
    assert s.coverage == pytest.approx(2 / 3) and s.rejection_rate == pytest.approx(2 / 3)
    assert s.rejection_rate_adjusted == pytest.approx(1 / 3)
    assert s.mean_ci_half_width == pytest.approx(1.0)


def test_replications_write_a_summary_and_every_row(tmp_path):
    result = run_replications(ReplicationPlan(tiny()), 2)
    result.write(tmp_path)
    document = json.loads((tmp_path / "replications.json").read_text())
    assert document["kind"] == "replications" and document["settings"]["replications"] == 2
    assert document["summary"]
    rows = pd.read_csv(tmp_path / "replications.csv")
    assert set(rows.replication) == {0, 1}


def _same_arms() -> dict:
    return {
        "control": {"weight": 1, "strategy": {"kind": "none"}},
        "copy": {"weight": 1, "strategy": {"kind": "none"}},
    }
