"""Calibration: the A/A false-positive rate, CI coverage and the effect of peeking."""

import json

import numpy as np
import pytest

from tests.replicate.scenarios import aa, tiny
from xsim.core.errors import InputError
from xsim.pipeline.executors import LocalPoolExecutor
from xsim.studies.calibrate import aa_scenario, binomial_band, calibrate, peeking_table
from xsim.studies.replicate import ReplicationPlan, run_replications

N_AA = 240
# Three-sigma binomial band around alpha for N_AA replications: a calibrated test falls
# outside it with probability ~0.003 (and the seeds are fixed, so the test is deterministic).
LOW, HIGH = 0.05 - 3 * np.sqrt(0.05 * 0.95 / N_AA), 0.05 + 3 * np.sqrt(0.05 * 0.95 / N_AA)


@pytest.fixture(scope="module")
def aa_batch():
    plan = ReplicationPlan(aa(**{"population.n_users": 1200}), aa=True, peek_every_days=7)
    return run_replications(plan, N_AA, LocalPoolExecutor(2))


@pytest.mark.slow
def test_aa_false_positive_rate_and_coverage_are_nominal(aa_batch):
    summary = aa_batch.summary_frame()
    for row in summary.itertuples():
        assert LOW <= row.rejection_rate <= HIGH, row
        assert 1 - HIGH <= row.coverage <= 1 - LOW, row  # CI covers the zero truth


@pytest.mark.slow
def test_peeking_inflates_false_positives_and_alpha_spending_does_not(aa_batch):
    """Four weekly looks. Testing at each look at the fixed level rejects well above alpha
    (above the band's top); O'Brien-Fleming spending stays in the band; the mSPRT confidence
    sequence is conservative (below the band's top)."""
    table = peeking_table(aa_batch.records, 0.05)
    for metric, rows in table.groupby("metric"):
        rate = dict(zip(rows.method, rows.false_positive_rate, strict=True))
        peeking = next(v for k, v in rate.items() if k.startswith("peeking"))
        assert peeking > HIGH, metric
        assert LOW <= rate["O'Brien-Fleming alpha spending"] <= HIGH, metric
        assert rate["mSPRT always-valid"] <= HIGH, metric


def test_calibration_document_has_every_section():
    result = calibrate(tiny(**{"analysis.truth": True}), replications=4)
    document = json.loads(json.dumps(result.to_document()))
    assert document["kind"] == "calibration"
    tables = document
    assert {"false_positives", "coverage", "power", "peeking"} <= set(tables)
    families = {row["family"] for row in tables["coverage"]}
    assert any("CUPED" in f for f in families) and any("relative" in f for f in families)
    srm = {row["batch"]: row for row in document["srm_false_alarms"]}
    assert srm["A/A"]["replications"] == 4 and srm["A/B"]["alarms"] == 0
    power = tables["power"]
    assert power and all(row["analytic_power"] is not None for row in power
                         if row["metric"] == "course_conversion")  # fmt: skip


def test_aa_version_copies_one_strategy_to_every_arm():
    scenario = tiny()
    copy = aa_scenario(scenario, "offer")
    assert {a.strategy.kind for a in copy.arms.values()} == {"insurance_offer_to_buyers"}
    assert copy.analysis.truth is False and list(copy.arms) == list(scenario.arms)
    with pytest.raises(InputError):
        aa_scenario(scenario, "nope")


def test_binomial_band_is_the_normal_approximation():
    low, high = binomial_band(0.05, 1000)
    assert (round(low, 3), round(high, 3)) == (0.036, 0.064)  # the acceptance band
