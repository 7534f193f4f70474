"""`xsim power`: simulated power against the analytic formula, and the power helpers."""

from types import SimpleNamespace

import numpy as np
import pytest

from tests.replicate.scenarios import no_interference
from xsim.core.errors import InputError
from xsim.estimators.effects import Mean, power_mean, power_proportion
from xsim.pipeline.executors import LocalPoolExecutor
from xsim.schema.analysis import outcome_metric
from xsim.studies.power import analytic_power, check_metric, required_users, simulate_power

N_REPS = 120


@pytest.mark.slow
def test_simulated_power_agrees_with_the_analytic_power():
    """No interference (no friendships, a recommender frozen before the experiment), a common
    binary outcome (course conversion ~3 % -> ~5 %). Tolerance per point: 3 Monte Carlo SEs
    of the simulated power (binomial, N_REPS runs) plus 0.04 for the analytic side, whose
    effect is itself estimated from the same runs (its SE shifts the analytic power by about
    0.013 at the steepest point here)."""
    study = simulate_power(
        no_interference(), outcome_metric("course_conversion"), [800, 2400], [14], N_REPS,
        executor=LocalPoolExecutor(2),
    )  # fmt: skip
    points = study.points
    assert len(points) == 2 and (points.kind == "proportion").all()
    gap = np.abs(points.simulated_power - points.analytic_power)
    assert (gap <= 3 * points.mc_se + 0.04).all(), points
    assert points.simulated_power.iloc[1] > points.simulated_power.iloc[0]  # more users, more power
    assert 0.15 < points.simulated_power.iloc[0] < 0.85  # a point where power is informative


def test_analytic_power_is_the_library_formula():
    assert analytic_power("proportion", 0.1, 0.3, 0.32, 1000, 1000, 0.02, 0.05) == pytest.approx(
        power_proportion(0.1, 0.02, 1000, 0.05, 1.0)
    )
    # equal arms: the common SD is the RMS of the two
    expected = power_mean(np.sqrt((4.0 + 9.0) / 2), 0.3, 500, 0.05, 1.0)
    assert analytic_power("mean", 1.0, 2.0, 3.0, 500, 500, 0.3, 0.05) == pytest.approx(expected)
    assert np.isnan(analytic_power("proportion", 0.0, 0.0, 0.0, 10, 10, 0.0, 0.05))


def test_required_users_reach_the_target_power():
    point = SimpleNamespace(effect=0.02, ratio=1.0, n_control=500.0, n_treatment=500.0,
                            users=1000, kind="proportion", mean_control=0.1,
                            sd_control=0.3, sd_treatment=0.31, se_unit=None)  # fmt: skip
    users = required_users(point, 0.05, 0.8)
    assert power_proportion(0.1, 0.02, users / 2, 0.05) == pytest.approx(0.8, abs=0.002)


def test_unknown_metric_is_an_input_error():
    with pytest.raises(InputError, match="--metric: 'no_such_column' is not an outcome"):
        outcome_metric("no_such_column", "--metric")
    with pytest.raises(InputError, match="'no_such_column' is not an outcome"):
        check_metric(Mean("no_such_column"))
