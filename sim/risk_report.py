"""What a run says about risk: the model, its fit on the book, the monitor's history and the
acquired cohorts' actual/expected against the book's (written to ``risk.json``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsim.engine import WorldInputs, WorldResult
from xsim.risk import cohort_status


def risk_report(inputs: WorldInputs, world: WorldResult, users: pd.DataFrame) -> dict:
    scenario, model = inputs.scenario, inputs.risk_model
    book_fit = model.diagnostics(inputs.book)
    final = cohort_status(scenario, world.policies, inputs.expected_claim_cost,
                          float(scenario.horizon_days))  # fmt: skip
    coefficients = model.coefficients().reset_index()
    return {
        "model": {
            "kind": model.kind,
            "features": list(model.features),
            "coefficients": coefficients.to_dict("records"),
            "summary": model.summary(),
        },  # fmt: skip
        "book": {
            "policies": book_fit.policies,
            "exposure_years": book_fit.exposure,
            "claims": book_fit.claims,
            "actual_to_expected_claims": book_fit.claims / book_fit.expected_claims,
            "actual_to_expected_cost": book_fit.claim_cost / book_fit.expected_claim_cost,
            "poisson_deviance": book_fit.poisson_deviance,
            "gini_cost": book_fit.gini_cost,
        },
        "cohorts": final.to_dict("records"),
        "cohort_incurred": _incurred_ae(inputs, users),
        "monitor": world.monitor,
        "guardrail_loss_ratio": scenario.insurer.risk.monitor.guardrail_loss_ratio,
        "alerts": [row for row in world.monitor if row["alert"]],
        "notes": [
            "Projected loss ratio = model loss ratio x credibility-weighted actual/expected of "
            "reported claims; claims not yet reported (IBNR) are allowed for through the "
            "reporting-delay distribution.",
        ],
    }


def _incurred_ae(inputs: WorldInputs, users: pd.DataFrame) -> list[dict]:
    """Per arm, claims incurred (the simulation's truth, IBNR included) against the model's
    expectation on the same exposure — what the monitor estimates from reported claims."""
    rows = []
    costs = inputs.expected_claim_cost
    for arm, group in users.groupby("arm", sort=False):
        premium = group.premium_earned.sum()
        expected = float(np.mean(costs[:, group.user_id.to_numpy()]))
        rows.append({"arm": arm, "premium_earned": float(premium),
                     "claims_incurred": float(group.claims_incurred.sum()),
                     "expected_cost_per_year_mean": expected})  # fmt: skip
    return rows
