"""What a run says about risk: the model, its fit on the book, the monitor's history and the
acquired cohorts' actual/expected against the book's (written to ``risk.json``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsim.world.engine import WorldInputs, WorldResult
from xsim.world.risk import book_costs, cohort_status


def risk_report(inputs: WorldInputs, world: WorldResult, users: pd.DataFrame) -> dict:
    scenario = inputs.scenario
    final = cohort_status(scenario, world.policies, inputs.expected_claim_cost,
                          float(scenario.horizon_days))  # fmt: skip
    return {
        **_model_fit(inputs),
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
    columns = ["arm", "user_id", "premium_earned", "claims_incurred"]
    for arm, group in users[columns].groupby("arm", sort=False):  # not whole-table groups
        premium = group.premium_earned.sum()
        expected = float(np.mean(costs[:, group.user_id.to_numpy()]))
        rows.append({"arm": arm, "premium_earned": float(premium),
                     "claims_incurred": float(group.claims_incurred.sum()),
                     "expected_cost_per_year_mean": expected})  # fmt: skip
    return rows


def _model_fit(inputs: WorldInputs) -> dict:
    """The model's coefficients and its fit on the book (or why there is no model)."""
    model = inputs.risk_model
    if model is None:
        _, _, note = book_costs(inputs.scenario, inputs.book, inputs.book.head(0))
        return {"model": {"kind": None, "note": note}, "book": {"policies": len(inputs.book)}}
    fit = model.diagnostics(inputs.book)
    return {
        "model": {
            "kind": model.kind,
            "features": list(model.features),
            "coefficients": model.coefficients().reset_index().to_dict("records"),
            "summary": model.summary(),
        },
        "book": {
            "policies": fit.policies,
            "exposure_years": fit.exposure,
            "claims": fit.claims,
            "actual_to_expected_claims": fit.claims / fit.expected_claims,
            "actual_to_expected_cost": fit.claim_cost / fit.expected_claim_cost,
            "poisson_deviance": fit.poisson_deviance,
            "gini_cost": fit.gini_cost,
        },
    }
