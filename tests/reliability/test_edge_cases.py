"""Degenerate worlds still give a run with defined values and notes, never a crash."""

import numpy as np

import xsim
from tests.sim.builders import build


def test_no_claims_at_all():
    result = xsim.run(build(**{"insurer.products.accident.claim_frequency_per_year": 0.0}))
    assert result.users.claims.sum() == 0
    assert result.risk["model"]["kind"] is None and "nominal" in result.risk["model"]["note"]
    loss_ratio = result.to_frame().loss_ratio
    assert ((loss_ratio == 0) | loss_ratio.isna()).all()


def test_a_single_user():
    result = xsim.run(build(**{"population.n_users": 1}))
    assert len(result.users) == 1
    assert result.effects.to_frame().empty
    assert any("Effects not estimated" in note for note in result.effects.notes)


def test_huge_money_values_stay_finite():
    result = xsim.run(
        build(
            **{
                "insurer.products.accident.premium_per_year": 1e9,
                "insurer.products.accident.severity": {"mean": 1e9, "cv": 3.0},
                "insurer.products.accident.take_up_probability": 0.99,
            }
        )
    )
    money = result.users[["premium_earned", "claims_incurred", "insurer_margin"]].to_numpy()
    assert np.isfinite(money).all()


def test_no_purchases_at_all():
    result = xsim.run(build(**{"platform.no_purchase_utility": 60.0}))
    assert result.users.purchases.sum() == 0
    assert result.users.contacts.sum() == 0  # offers to buyers and bundles need buyers
    assert len(result.effects.to_dicts()) > 0  # all-zero metrics still get rows and notes
