"""Group-sequential boundaries against published tables, and mSPRT confidence sequences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from xsim.core.errors import InputError
from xsim.estimators.effects import (
    alpha_spent,
    best_mixture_ratio,
    boundaries,
    confidence_sequence,
    exit_probabilities,
    monitor,
    sequential_analysis,
)

FIVE_LOOKS = np.arange(1, 6) / 5


def test_lan_demets_obrien_fleming_k5_matches_published_table():
    """Lan–DeMets O'Brien–Fleming-type spending, K = 5 equally spaced looks, two-sided 0.05.

    Source: Reboussin, DeMets, Kim & Lan (2000), "Computations for group sequential boundaries
    using the Lan-DeMets spending function method", Controlled Clinical Trials 21:190-207: its
    worked example (five equally spaced looks, O'Brien-Fleming-type spending, alpha = 0.05) is
    the example R's ldbounds reproduces with ``ldBounds(5)`` ("From Reboussin, et al. (2000)"
    in its help page), boundaries 4.877, 3.357, 2.680, 2.290, 2.031. Each side spends
    alpha/2 = 0.025 with ``2 - 2 Phi(z_{0.0125} / sqrt(t))`` (ldbounds' alphas.R, gsDesign's
    sfLDOF). We could not consult the printed table offline, so the values were also verified
    independently: our own recursion gives 4.8769, 3.3570, 2.6803, 2.2898, 2.0310 on grids
    from 501 to 2,001 points, and the Monte-Carlo test below confirms the crossing
    probabilities. Issue 3 quoted the last bound as 2.041: that is not this design's value but
    close to the *classic* O'Brien-Fleming constant 2.040 checked in the next test.
    Tolerance 1e-3, the table's precision.
    """
    design = boundaries(FIVE_LOOKS, alpha=0.05, spending="obf")
    assert design.z_bounds == pytest.approx([4.877, 3.357, 2.680, 2.290, 2.031], abs=1e-3)
    assert design.alpha_spent[-1] == pytest.approx(0.05, abs=1e-15)
    # Exit probabilities under H0 reproduce the spending increments (self-consistency 1e-9).
    spent = np.diff(np.concatenate([[0], design.alpha_spent]))
    assert exit_probabilities(design.z_bounds, FIVE_LOOKS) == pytest.approx(spent, abs=1e-9)


def test_classic_constants_from_jennison_turnbull():
    """The same recursion reproduces Jennison & Turnbull (2000), Tables 2.1 and 2.3.

    Pocock C_P(5, 0.05) = 2.413 and O'Brien–Fleming C_B(5, 0.05) = 2.040 (bounds
    C_B sqrt(K / k)), two-sided alpha = 0.05; tolerance 1e-3, the tables' precision.
    """
    root = np.sqrt(5 / np.arange(1, 6))

    def overall(c, shape):
        return exit_probabilities(c * shape, FIVE_LOOKS).sum() - 0.05

    pocock = optimize.brentq(overall, 1.5, 4.0, args=(np.ones(5),), xtol=1e-10)
    obrien = optimize.brentq(overall, 1.5, 4.0, args=(root,), xtol=1e-10)
    assert pocock == pytest.approx(2.413, abs=1e-3)
    assert obrien == pytest.approx(2.040, abs=1e-3)


def test_boundaries_agree_with_monte_carlo_brownian_motion():
    """Simulated Z paths cross the Pocock-type boundaries with the promised probabilities.

    400,000 paths: the SE of a crossing probability near 0.01 is 1.6e-4, so 4 SE = 7e-4.
    """
    design = boundaries(FIVE_LOOKS, alpha=0.05, spending="pocock")
    rng = np.random.default_rng(7)
    paths = np.cumsum(rng.standard_normal((400_000, 5)) * np.sqrt(0.2), axis=1)
    z = paths / np.sqrt(FIVE_LOOKS)
    crossed = np.abs(z) >= design.z_bounds
    first = np.where(crossed.any(axis=1), crossed.argmax(axis=1), -1)
    observed = np.array([(first == k).mean() for k in range(5)])
    spent = np.diff(np.concatenate([[0], design.alpha_spent]))
    assert observed == pytest.approx(spent, abs=7e-4)


def test_earlier_bounds_do_not_depend_on_later_looks():
    three = boundaries([0.25, 0.5, 0.8]).z_bounds
    four = boundaries([0.25, 0.5, 0.8, 1.0]).z_bounds
    assert four[:3] == pytest.approx(three, abs=1e-12)
    assert alpha_spent(1.0, 0.05, "pocock") == pytest.approx(0.05, abs=1e-15)


def test_monitor_reports_first_crossing_and_day():
    result = monitor([1.0, 3.5, 3.0, 2.5, 2.2], FIVE_LOOKS, days=[7, 14, 21, 28, 35])
    assert result.stop_look == 1 and result.stop_day == 14.0 and result.rejected
    assert not monitor([1.0, 2.0, 2.0, 2.0, 2.0], FIVE_LOOKS).rejected


def test_confidence_sequence_properties():
    rng = np.random.default_rng(3)
    diff = rng.normal(0, 1, (500, 30)) / np.sqrt(np.arange(1, 31))
    se = 1 / np.sqrt(np.arange(1, 31)) * np.ones((500, 1))
    cs = confidence_sequence(diff, se, alpha=0.05)
    # Intervals only shrink, and "0 left the sequence" is the same event as "p <= alpha".
    assert np.all(np.diff(cs.low, axis=1) >= 0) and np.all(np.diff(cs.high, axis=1) <= 0)
    excluded = (cs.low > 0) | (cs.high < 0)
    assert np.array_equal(excluded, cs.p_value <= 0.05)
    # The default mixture makes the last interval as narrow as a mixture can make it.
    x = best_mixture_ratio(0.05)
    radius = [(1 + 1 / r) * (np.log1p(r) - 2 * np.log(0.05)) for r in (x / 1.1, x, x * 1.1)]
    assert radius[1] < radius[0] and radius[1] < radius[2]


def test_sequential_analysis_on_a_unit_table():
    rng = np.random.default_rng(11)
    n = 4000
    frame = pd.DataFrame(
        {
            "arm": np.repeat(["control", "treat"], n),
            "day": np.tile(rng.integers(1, 29, n), 2),
            "revenue": np.concatenate([rng.normal(10, 4, n), rng.normal(10.4, 4, n)]),
        }
    )
    result = sequential_analysis(
        frame, "arm", "control", "treat", "revenue:mean", time="day", looks=[7, 14, 21, 28],
        planned_n=2 * n,
    )  # fmt: skip
    looks = result.to_frame()
    assert list(looks["day"]) == [7, 14, 21, 28]
    assert looks["info_fraction"].iloc[-1] == 1.0
    assert result.group_sequential_stop_day in (7, 14, 21, 28)
    assert result.msprt_stop_day in (7, 14, 21, 28)
    crossed = np.abs(looks["z"]) >= looks["z_bound"]
    assert looks["day"][crossed.idxmax()] == result.group_sequential_stop_day


def test_group_sequential_without_a_planned_size_is_refused():
    frame = pd.DataFrame({"arm": ["c", "t"] * 50, "day": np.repeat(np.arange(1, 11), 10),
                          "y": np.arange(100.0) % 7})  # fmt: skip
    with pytest.raises(InputError) as refused:
        sequential_analysis(frame, "arm", "c", "t", "y:mean", time="day")
    assert refused.value.problems[0].startswith("planned_n: group-sequential boundaries need")
    always_valid = sequential_analysis(frame, "arm", "c", "t", "y:mean", "day", spending="msprt")
    assert always_valid.group_sequential_stop_day is None
    assert all(look["z_bound"] is None for look in always_valid.to_dicts())
