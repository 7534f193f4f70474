"""Each firm's value: a policy's contract value equals its closed form; a pure transfer leaves
the joint surplus unchanged; commission is paid only on partnership sales."""

import numpy as np
import pytest

import xsim
from tests.sim.builders import build
from xsim.analysis.value import DAYS_PER_MONTH, Policies, PolicyTerms, contract_values
from xsim.core.units import DAYS_PER_YEAR

PREMIUM, COST, RATE, LAPSE, RENEWAL = 120.0, 60.0, 0.25, 0.02, 0.8


def _one_policy(sold_day: float, held: float, partnership: bool = True, alive: bool = True):
    return Policies(
        user=np.array([0]), product=np.array([0]), sold_day=np.array([sold_day]),
        premium_per_year=np.array([PREMIUM]), partnership=np.array([partnership]),
        held_days=np.array([held]), in_force_at_end=np.array([alive]),
    )  # fmt: skip


def _terms(acquisition: float = 5.0) -> PolicyTerms:
    return PolicyTerms(np.array([RATE]), np.array([LAPSE]), np.array([RENEWAL]),
                       np.array([12.0]), np.array([acquisition]))  # fmt: skip


def _value(policies, years: float, rate: float, window=(0.0, 3 * DAYS_PER_MONTH)):
    cost = np.array([[COST]])
    trust = np.array([0.5])  # lapse hazard x (1.5 - trust) = the product's own hazard
    return contract_values(policies, _terms(), cost, trust, window, years, rate)


def test_contract_value_equals_its_closed_form():
    """Sold at the window's start, 3 months in the window, valued over 1 year at 5 %: the
    window earns 3 months of margin, then 9 months each surviving the monthly lapse."""
    window_days = 3 * DAYS_PER_MONTH
    insurer, commission = _value(_one_policy(0.0, window_days), years=1.0, rate=0.05)
    q = (1 - LAPSE) * 1.05 ** (-1 / 12)
    after = 1.05 ** (-3 / 12) * (1 - q**9) / (1 - q) / 12
    margin = PREMIUM - COST - RATE * PREMIUM
    years = window_days / DAYS_PER_YEAR + after
    assert insurer[0] == pytest.approx(years * margin - 5.0, rel=1e-12)
    assert commission[0] == pytest.approx(years * RATE * PREMIUM, rel=1e-12)


def test_a_policy_renews_with_its_renewal_probability_at_the_term_end():
    window_days = 3 * DAYS_PER_MONTH
    one, _ = _value(_one_policy(0.0, window_days), years=1.0, rate=0.0)
    two, _ = _value(_one_policy(0.0, window_days), years=2.0, rate=0.0)
    margin = PREMIUM - COST - RATE * PREMIUM
    # months 9..20 after the window: policy ages 12..23, past one term end
    second_year = sum((1 - LAPSE) ** m * RENEWAL for m in range(9, 21)) / 12
    assert two[0] - one[0] == pytest.approx(second_year * margin, rel=1e-12)


def test_organic_policies_pay_no_commission_and_lapsed_ones_no_future():
    held = 40.0
    insurer, commission = _value(_one_policy(0.0, held, partnership=False, alive=False), 1.0, 0.0)
    assert commission[0] == 0.0
    assert insurer[0] == pytest.approx(held / DAYS_PER_YEAR * (PREMIUM - COST) - 5.0)


def test_the_existing_book_pays_no_acquisition_cost():
    """A policy sold before the window is valued from the window's start, without acquisition."""
    window = (28.0, 28.0 + 3 * DAYS_PER_MONTH)
    policies = _one_policy(0.0, 3 * DAYS_PER_MONTH, partnership=False)
    insurer, _ = _value(policies, 1.0, 0.0, window)
    fresh, _ = _value(_one_policy(28.0, 3 * DAYS_PER_MONTH, partnership=False), 1.0, 0.0, window)
    # same months in force and no term end before the horizon: only the acquisition differs
    assert insurer[0] - fresh[0] == pytest.approx(5.0, rel=1e-12)


OFFER = {"control": {"weight": 1, "strategy": {"kind": "none"}},
         "offer": {"weight": 1, "strategy": {"kind": "insurance_offer_to_buyers",
                                             "product": "accident", "channel": "email",
                                             "lookback_days": 30}}}  # fmt: skip


@pytest.fixture(scope="module")
def transfer_runs():
    runs = {}
    for rate in (0.2, 0.35):
        changes = {"population.n_users": 4000, "insurer.products.accident.commission": rate,
                   # a profitable product, so the insurer's control value is positive and F exists
                   "insurer.products.accident.claim_frequency_per_year": 0.02}  # fmt: skip
        scenario = build(arms=OFFER, **changes)
        runs[rate] = xsim.run(scenario)
    return runs


def test_a_pure_transfer_leaves_the_joint_surplus_unchanged(transfer_runs):
    low, high = (transfer_runs[r] for r in (0.2, 0.35))
    joint = [r.users.platform_value + r.users.insurer_value for r in (low, high)]
    assert np.allclose(joint[0], joint[1], rtol=0, atol=1e-9)
    assert (high.users.platform_value >= low.users.platform_value - 1e-12).all()
    p = [r.objective.arm("offer").scores["P"].value for r in (low, high)]
    f = [r.objective.arm("offer").scores["F"].value for r in (low, high)]
    js = [r.objective.arm("offer").scores["joint_surplus"].value for r in (low, high)]
    assert p[1] > p[0] and f[1] < f[0]
    assert js[1] == pytest.approx(js[0], abs=1e-9)


def test_commission_is_paid_only_on_partnership_sales(transfer_runs):
    users = transfer_runs[0.2].users
    control = users[users.arm == "control"]
    assert control.policies.sum() > 0  # the insurer sells without the partnership too
    assert control.commission.sum() == 0 and control.commission_value.sum() == 0
    offer = users[users.arm == "offer"]
    assert offer.commission_value.sum() > 0
