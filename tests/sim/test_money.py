"""Money follows who pays: a course discount is counted once, against whoever funds it."""

import numpy as np
import pytest

import xsim
from tests.sim.builders import build


def _bundle(payer: str):
    strategy = {"kind": "bundle_discount", "course_topic": "finance", "product": "accident",
                "course_discount": 0.3, "payer": payer}  # fmt: skip
    return build(**{
        "population.n_users": 3000,
        "experiment.duration_days": 21,
        "arms": {"control": {"weight": 1, "strategy": {"kind": "none"}},
                 "bundle": {"weight": 1, "strategy": strategy}},
    })  # fmt: skip


@pytest.fixture(scope="module", params=["platform", "insurer"])
def funded(request):
    users = xsim.run(_bundle(request.param)).users
    return request.param, users[users.arm == "bundle"]


def test_the_discount_is_logged_for_its_payer_only(funded):
    payer, users = funded
    other = "insurer" if payer == "platform" else "platform"
    assert users[f"discount_{payer}"].sum() > 0  # the test has discounted sales to look at
    assert users[f"discount_{other}"].sum() == 0


def test_platform_revenue_counts_a_course_discount_once(funded):
    """Users paid the discounted price (course_revenue): a platform-funded discount is revenue
    forgone, not also a cost; an insurer-funded one reaches the platform from the insurer."""
    payer, u = funded
    costs = (u.contact_cost_platform + u.reward_platform + u.fixed_cost_platform
             + u.premium_subsidy_platform)  # fmt: skip
    reimbursed = u.discount_insurer if payer == "insurer" else 0.0
    expected = u.course_revenue + reimbursed + u.commission - costs
    np.testing.assert_allclose(u.platform_net_revenue, expected, rtol=0, atol=1e-9)


def test_an_insurer_funded_discount_is_the_insurers_cost(funded):
    payer, u = funded
    costs = (u.contact_cost_insurer + u.discount_insurer + u.reward_insurer
             + u.fixed_cost_insurer + u.commission)  # fmt: skip
    expected = u.premium_earned - u.claims_incurred - costs
    np.testing.assert_allclose(u.insurer_margin, expected, rtol=0, atol=1e-9)
    if payer == "insurer":
        assert u.discount_insurer.sum() > 0


def test_a_platform_paid_premium_discount_is_a_cost_of_the_platform():
    """The bundle's premium discount with payer platform: the user pays the discounted price,
    the insurer still gets the list premium, the platform pays the difference."""
    strategy = {"kind": "bundle_discount", "course_topic": "finance", "product": "accident",
                "course_discount": 0.0, "discount": 0.25}  # fmt: skip
    premiums = {}
    for payer in ("platform", "insurer"):
        result = xsim.run(build(**{
            "population.n_users": 3000, "experiment.duration_days": 21,
            "arms": {"control": {"weight": 1, "strategy": {"kind": "none"}},
                     "bundle": {"weight": 1, "strategy": {**strategy, "payer": payer}}},
        }))  # fmt: skip
        users = result.users[result.users.arm == "bundle"]
        assert users.policies_partnership.sum() > 0
        premiums[payer] = users.premium_written.sum() / max(users.policies.sum(), 1)
        subsidy = users.premium_subsidy_platform.sum()
        assert (subsidy > 0) == (payer == "platform")
    # same take-up (the user sees the same price); the insurer's premium per policy is the list
    # price when the platform pays, the discounted one when the insurer does
    assert premiums["platform"] > premiums["insurer"]
