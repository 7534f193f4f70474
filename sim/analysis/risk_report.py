"""What a run says about risk: the model, its fit on the book, the monitor's history, the
acquired cohorts' actual/expected against the book's and each arm's realised claims with their
chain-ladder projection (written to ``risk.json``)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from xsim.analysis.claims import realised_claims
from xsim.analysis.value import Policies, costs_of
from xsim.core.units import DAYS_PER_YEAR
from xsim.world.engine import WorldInputs, WorldResult
from xsim.world.risk import book_costs, cohort_status


def risk_report(inputs: WorldInputs, world: WorldResult, users: pd.DataFrame,
                events: pa.Table) -> dict:  # fmt: skip
    scenario = inputs.scenario
    final = cohort_status(scenario, world.policies, inputs.expected_claim_cost,
                          float(scenario.horizon_days))  # fmt: skip
    return {
        **_model_fit(inputs),
        "cohorts": final.to_dict("records"),
        "cohort_incurred": _incurred_ae(inputs, users, events),
        "realised_claims": realised_claims(scenario, users, events, scenario.analysis.alpha),
        "monitor": world.monitor,
        "guardrail_loss_ratio": scenario.insurer.risk.monitor.guardrail_loss_ratio,
        "alerts": [row for row in world.monitor if row["alert"]],
        "notes": [
            "Projected loss ratio = model loss ratio x credibility-weighted actual/expected of "
            "reported claims; claims not yet reported (IBNR) are allowed for through the "
            "reporting-delay distribution.",
            "Realised claims: claims occurring in the experiment and reported by the horizon, "
            "with exact Poisson (count) and gamma-approximated compound-Poisson (amount) "
            "intervals; chain_ladder_* project each arm's own reporting triangle to ultimate, "
            "true_* are the simulation's incurred claims (IBNR included) for comparison.",
        ],
    }


def _incurred_ae(inputs: WorldInputs, users: pd.DataFrame, events: pa.Table) -> list[dict]:
    """Per arm, claims incurred (the simulation's truth, IBNR included) against the model's
    expectation on the same exposure — the policies each arm's users held in the experiment,
    each at its own product's and holder's expected cost."""
    scenario = inputs.scenario
    policies = Policies.from_events(events, scenario.horizon_days,
                                    scenario.experiment.warmup_days)  # fmt: skip
    cost = costs_of(policies, inputs.expected_claim_cost)
    held = policies.held_days > 0
    user_arm = users["arm"].to_numpy()  # rows are users in internal order, as in the log
    policy_arm = user_arm[policies.user]
    rows = []
    for arm in scenario.arms:
        mine = user_arm == arm
        if not mine.any():
            continue
        own = held & (policy_arm == arm)
        expected = float((cost[own] * policies.held_days[own] / DAYS_PER_YEAR).sum())
        rows.append({"arm": str(arm), "premium_earned": float(users.premium_earned[mine].sum()),
                     "claims_incurred": float(users.claims_incurred[mine].sum()),
                     "policies_held": int(own.sum()), "claims_expected": expected,
                     "expected_cost_per_year_mean": float(cost[own].mean()) if own.any()
                     else None})  # fmt: skip
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
