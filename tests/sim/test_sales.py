"""Sales attribution: partnership sales, the organic sales they displaced, and its truth."""

import numpy as np
import pandas as pd
from scipy import stats

import xsim
from tests.sim.builders import build
from xsim.analysis.sales import sales_attribution
from xsim.reports.executive import sales_sentence


def test_displaced_sales_on_a_hand_built_table():
    users = pd.DataFrame({
        "arm": ["control"] * 4 + ["offer"] * 4,
        "policies_organic": [1, 0, 0, 1, 0, 0, 0, 1],
        "policies_partnership": [0, 0, 0, 0, 1, 1, 0, 0],
    })  # fmt: skip
    in_arm, in_control = (users.arm == "offer").to_numpy(), (users.arm == "control").to_numpy()
    truth = {"arm": {"policies_organic": 0.2, "policies_partnership": 0.5},
             "control": {"policies_organic": 0.3, "policies_partnership": 0.0}}  # fmt: skip
    sales = sales_attribution(users, in_arm, in_control, truth, 0.95)
    assert sales["partnership_per_user"] == 0.5
    assert sales["displaced_per_user"] == 0.5 - 0.25
    assert sales["cannibalised_share"] == 0.25 / 0.5
    se = np.sqrt(np.var([1, 0, 0, 1], ddof=1) / 4 + np.var([0, 0, 0, 1], ddof=1) / 4)
    z = stats.norm.ppf(0.975)
    assert abs(sales["displaced_low"] - (0.25 - z * se)) < 1e-12
    assert abs(sales["displaced_true"] - 0.1) < 1e-12
    assert abs(sales["cannibalised_share_true"] - 0.2) < 1e-12


def test_a_run_attributes_every_arms_sales_with_its_truth():
    result = xsim.run(build(**{"analysis.truth": True}))
    offer = result.objective.arm("offer").sales
    assert offer["partnership_per_user"] > 0  # the offer sells through its channel
    assert offer["displaced_true"] is not None and np.isfinite(offer["displaced_true"])
    assert result.objective.arm("control").sales == {}
    sentence = sales_sentence("offer", result.objective.to_dict()["arms"][1]["sales"])
    assert sentence.startswith("Sales of offer:") and "true" in sentence
