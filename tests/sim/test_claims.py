"""Realised claims: chain ladder against published numbers, compound-Poisson intervals, the
reporting triangle of a run and the rule that claims metrics need 30 claims.

Tolerances are stated per test; simulated data are seed-fixed, so each test is deterministic.
"""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats

import xsim
from tests.sim.builders import build
from xsim.analysis.claims import (
    MIN_CLAIMS,
    NOT_ESTIMABLE,
    ClaimsGate,
    arm_claims,
    chain_ladder,
    claim_events,
    compound_poisson_interval,
    is_claims_metric,
    reporting_triangle,
)
from xsim.analysis.effects import estimate_effects
from xsim.pipeline.rundir import write_run

NAN = np.nan
# The RAA triangle (Reinsurance Association of America, General Liability, accident years
# 1981-1990; Mack 1993/1994), as shipped with R's ChainLadder (`RAA`) and Python's chainladder
# (`cl.load_sample('raa')`): https://mages.github.io/ChainLadder/reference/RAA.html
RAA = np.array(
    [
        [5012, 8269, 10907, 11805, 13539, 16181, 18009, 18608, 18662, 18834],
        [106, 4285, 5396, 10666, 13782, 15599, 15496, 16169, 16704, NAN],
        [3410, 8992, 13873, 16141, 18735, 22214, 22863, 23466, NAN, NAN],
        [5655, 11555, 15766, 21266, 23425, 26083, 27067, NAN, NAN, NAN],
        [1092, 9565, 15836, 22169, 25955, 26180, NAN, NAN, NAN, NAN],
        [1513, 6445, 11702, 12935, 15852, NAN, NAN, NAN, NAN, NAN],
        [557, 4020, 10946, 12314, NAN, NAN, NAN, NAN, NAN, NAN],
        [1351, 6947, 13112, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
        [3133, 5395, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
        [2063, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
    ]
)
# Published `MackChainLadder(RAA)` output of R's ChainLadder (summary.MackChainLadder example,
# https://mages.github.io/ChainLadder/reference/summary.MackChainLadder.html): ultimates and
# Mack S.E. per origin rounded to units; totals to cents. Latest 160,987.00, ultimate
# 213,122.23, IBNR 52,135.23, Mack S.E. 26,880.74 (sigma of the last age log-linear, the
# package default).
RAA_ULTIMATE = [18834, 16858, 24083, 28703, 28927, 19501, 17749, 24019, 16045, 18402]
RAA_MACK_SE = [0, 143, 592, 713, 1452, 1995, 2204, 5354, 6332, 24566]


def test_chain_ladder_matches_the_published_raa_numbers():
    """Per origin within 0.5 (the published figures are rounded to units), totals within 0.01."""
    result = chain_ladder(pd.DataFrame(RAA))
    np.testing.assert_allclose(result.ultimate, RAA_ULTIMATE, atol=0.5)
    assert result.latest.sum() == pytest.approx(160_987.00, abs=0.01)
    assert result.total_ultimate == pytest.approx(213_122.23, abs=0.01)
    assert result.total_ibnr == pytest.approx(52_135.23, abs=0.01)
    np.testing.assert_allclose(result.mack_se, RAA_MACK_SE, atol=0.5)
    assert result.total_mack_se == pytest.approx(26_880.74, abs=0.01)


def test_chain_ladder_of_a_hand_built_triangle():
    """Factors (150+300)/(100+200) = 1.5 and 165/150 = 1.1, so CDFs 1.65, 1.1, 1: ultimates
    165, 330, 198. Both link ratios at age 0 equal 1.5, so no spread is left to extrapolate
    Mack's sigma from: no standard error."""
    result = chain_ladder([[100, 150, 165], [200, 300, NAN], [120, NAN, NAN]])
    np.testing.assert_allclose(result.factors, [1.5, 1.1])
    np.testing.assert_allclose(result.cdf, [1.65, 1.1, 1.0])
    np.testing.assert_allclose(result.ultimate, [165, 330, 198])
    np.testing.assert_allclose(result.ibnr, [0, 30, 78])
    assert result.mack_se is None and result.total_mack_se is None


def test_a_factor_without_volume_leaves_the_ultimate_undefined():
    result = chain_ladder([[0, 0], [5, NAN]])
    assert np.isnan(result.factors[0]) and np.isnan(result.ultimate[1])
    assert result.ultimate[0] == 0  # fully developed: needs no factor


def test_count_interval_is_garwood_exact():
    """Garwood's limits solve P(X >= n | low) = alpha/2 and P(X <= n | high) = alpha/2."""
    for n in (1, 10, 57):
        ci = compound_poisson_interval(np.full(n, 100.0), alpha=0.05)
        assert stats.poisson.sf(n - 1, ci.count_low) == pytest.approx(0.025, rel=1e-9)
        assert stats.poisson.cdf(n, ci.count_high) == pytest.approx(0.025, rel=1e-9)
    assert compound_poisson_interval(np.full(10, 1.0)).count_low == pytest.approx(4.795389, 1e-6)
    empty = compound_poisson_interval([])
    assert empty.count_high == pytest.approx(-np.log(0.025)) and empty.total_high is None


def test_amount_interval_is_the_two_moment_gamma():
    """With n equal amounts c the gamma has shape n and scale c: c times gamma quantiles."""
    ci = compound_poisson_interval(np.full(12, 250.0), alpha=0.1)
    low, high = 250.0 * stats.gamma.ppf([0.05, 0.95], 12)
    assert (ci.total_low, ci.total_high) == (pytest.approx(low), pytest.approx(high))
    x = np.array([100.0, 400.0, 2500.0])  # in general: mean = total, variance = sum of squares
    ci = compound_poisson_interval(x)
    shape, scale = x.sum() ** 2 / (x**2).sum(), (x**2).sum() / x.sum()
    assert ci.total_high == pytest.approx(stats.gamma.ppf(0.975, shape, scale=scale))


def test_intervals_cover_near_nominal():
    """2,000 seed-fixed compound-Poisson samples (lambda 200, gamma severities, cv 1.5): the
    count interval covers lambda at least 95 % less 1 point (Garwood is conservative), the
    amount interval covers lambda E[X] within 2 points of 95 % (binomial sd 0.5 point)."""
    rng = np.random.default_rng(11)
    lam, mean, shape = 200, 3000.0, 1 / 1.5**2
    count = amount = 0
    for _ in range(2000):
        x = rng.gamma(shape, mean / shape, rng.poisson(lam))
        ci = compound_poisson_interval(x)
        count += ci.count_low <= lam <= ci.count_high
        amount += ci.total_low <= lam * mean <= ci.total_high
    assert count / 2000 >= 0.94
    assert abs(amount / 2000 - 0.95) < 0.02


def test_claims_metrics_are_those_reading_realised_claims():
    assert is_claims_metric(["claims_incurred", "premium_earned"])  # a loss ratio
    assert is_claims_metric(["insurer_margin"]) and is_claims_metric(["claims"])
    assert not is_claims_metric(["insurer_value"]) and not is_claims_metric(["claims_expected"])
    assert not is_claims_metric(["course_revenue"])


def _users(claims_per_arm: dict[str, int], n: int = 400) -> pd.DataFrame:
    """A user table where the offer arm's claims cost far more than control's (a difference
    any test would call significant), with the given number of claims per arm."""
    frames = []
    for arm, claims in claims_per_arm.items():
        count = np.zeros(n, dtype=int)
        count[:claims] = 1
        cost = 1000.0 if arm == "offer" else 100.0
        frames.append(pd.DataFrame({"arm": arm, "claims": count, "claims_ibnr_count": 0,
                                    "claims_incurred": count * cost,
                                    "course_revenue": np.arange(n) % 7.0}))  # fmt: skip
    users = pd.concat(frames, ignore_index=True)
    users["arm"] = pd.Categorical(users["arm"], ["control", "offer"])
    return users


def _effects(claims_per_arm: dict[str, int]):
    scenario = build(**{
        "analysis.metrics": ["claims_incurred", "course_revenue"], "analysis.covariates": {},
        "analysis.guardrails": [{"metric": "claims_incurred", "margin": 0.05}],
        "arms": {"control": {"weight": 1, "strategy": {"kind": "none"}},
                 "offer": {"weight": 1, "strategy": {"kind": "none"}}},
    })  # fmt: skip
    return estimate_effects(_users(claims_per_arm), scenario, None)


def test_claims_metric_with_few_claims_is_never_significant():
    """Offer has 25 claims (< 30): its claims rows are 'not yet estimable', not significant
    although the adjusted p is below alpha; the p-value and CI stay; other metrics are
    untouched."""
    effects = _effects({"control": 120, "offer": 25})
    rows = {(r["metric"], r["role"]): r for r in effects.to_dicts() if not r["cuped"]}
    claims = next(
        r for (m, role), r in rows.items() if m == "claims_incurred" and role != "guardrail"
    )
    assert claims["status"] == NOT_ESTIMABLE and claims["significant"] is False
    assert claims["p_adjusted"] < 0.05 and claims["diff_ci_low"] is not None
    guard = rows[("claims_incurred", "guardrail")]
    assert guard["status"] == NOT_ESTIMABLE and guard["noninferior"] is None
    assert all(r["status"] == "estimated" for (m, _), r in rows.items() if m == "course_revenue")
    note = [n for n in effects.notes if f"Fewer than {MIN_CLAIMS} reported claims" in n]
    assert note and "in arm offer (25):" in note[0]
    assert "status" in effects.to_frame().columns


def test_claims_metric_with_enough_claims_is_estimated():
    effects = _effects({"control": 120, "offer": 60})
    row = next(r for r in effects.to_dicts() if r["metric"] == "claims_incurred" and r["test"])
    assert row["status"] == "estimated" and row["significant"] is True
    assert not any("not yet estimable" in n for n in effects.notes)


def test_gate_counts_reported_claims_only():
    users = _users({"control": 40, "offer": 40})
    users.loc[users.arm == "offer", "claims_ibnr_count"] = users.claims * (users.index % 2)
    gate = ClaimsGate.of(users, [])
    assert gate.claims == {"control": 40, "offer": 20}


FAST_CLAIMS = {
    "premium_per_year": 600,
    "claim_frequency_per_year": 1.0,
    "severity": {"mean": 500, "cv": 1.5},
    "initial_holders_share": 0.3,
    "reporting_delay_days": {"median": 10, "sigma": 1.0},
}


@pytest.fixture(scope="module")
def claims_run(tmp_path_factory):
    """A 4,000-user run where about a third of users hold a policy claiming once a year, written
    to a run folder."""
    scenario = build(**{"insurer.products.accident": FAST_CLAIMS})
    result = xsim.run(scenario)
    folder = tmp_path_factory.mktemp("claims_run")
    write_run(result, folder)
    return scenario, result, folder


def test_run_risk_json_carries_realised_claims(claims_run):
    """Per arm: reported count and amount equal the user table's, truth beside the projection,
    strict JSON; the chain ladder's ultimate is at least what was reported."""
    scenario, result, folder = claims_run
    rows = json.loads((folder / "risk.json").read_text(encoding="utf-8"))["realised_claims"]
    users = result.users
    assert [r["arm"] for r in rows] == list(scenario.arms)
    for row in rows:
        mine = users[users.arm == row["arm"]]
        reported = int(mine.claims.sum() - mine.claims_ibnr_count.sum())
        assert row["claims_reported_count"] == reported
        assert row["claims_reported"] == pytest.approx(float(mine.claims_reported.sum()))
        assert row["true_claims_incurred"] == pytest.approx(float(mine.claims_incurred.sum()))
        assert row["estimable"] == (reported >= MIN_CLAIMS)
        low, high = row["claims_reported_count_ci_low"], row["claims_reported_count_ci_high"]
        assert low < reported < high
        assert row["chain_ladder_ultimate"] >= row["claims_reported"] - 1e-9
        assert row["development_periods"] == 3  # 45 experiment days in 15-day periods


def test_reporting_triangle_of_a_run(claims_run):
    """Cumulative by development, NaN below the diagonal, the latest diagonal summing to what
    was reported by the horizon."""
    scenario, result, _ = claims_run
    events = claim_events(pq.read_table(result.events_path))
    start, horizon = scenario.experiment.warmup_days, scenario.horizon_days
    triangle = reporting_triangle(events, 1, 15, horizon, start)
    count = triangle.count.to_numpy()
    assert np.isnan(count[1, 2]) and np.isnan(count[2, 1:]).all()
    assert (np.diff(count[0]) >= 0).all()
    claims = arm_claims(events, 1, start, horizon)
    latest = [count[0, 2], count[1, 1], count[2, 0]]
    assert sum(latest) == claims.report_day.notna().sum()
    assert list(triangle.count.index) == [start, start + 15, start + 30]
