"""What a run says about risk: the model, its fit on the book, the monitor's history, the
acquired cohorts' actual/expected against the book's and each arm's realised claims with their
chain-ladder projection (written to ``risk.json``).

The world's part comes from its event log alone: the policies with their lapses and reported
claims, and the rows the risk monitor logged at each check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from xsim.analysis.claims import realised_claims
from xsim.analysis.value import Policies, costs_of
from xsim.core.eventlog import INITIAL, KINDS, MONITOR_FIELDS, kind_codes
from xsim.core.units import DAYS_PER_YEAR
from xsim.schema.scenario import Scenario
from xsim.world.inputs import WorldInputs
from xsim.world.risk import book_costs, cohort_status

_COUNTS = ("policies", "reported_claims")  # monitor fields that are counts


def risk_report(inputs: WorldInputs, users: pd.DataFrame, events: pa.Table) -> dict:
    """The risk report of the world whose event log is ``events`` (``users``: its user table)."""
    scenario = inputs.scenario
    final = cohort_status(scenario, policy_book(events), inputs.expected_claim_cost,
                          float(scenario.horizon_days))  # fmt: skip
    monitor = monitor_history(scenario, events)
    return {
        **_model_fit(inputs),
        "cohorts": final.to_dict("records"),
        "cohort_incurred": _incurred_ae(inputs, users, events),
        "realised_claims": realised_claims(scenario, users, events, scenario.analysis.alpha),
        "monitor": monitor,
        "guardrail_loss_ratio": scenario.insurer.risk.monitor.guardrail_loss_ratio,
        "alerts": [row for row in monitor if row["alert"]],
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


def policy_book(events: pa.Table) -> pd.DataFrame:
    """The platform policies of an event log as the insurer's book holds them at its end (the
    columns of `xsim.world.risk.PolicyBook.table`), one row per policy in id order: start,
    lapse day (inf while in force), claims reported so far and their amount."""
    kinds = kind_codes(events)

    def columns(kind: str, *names: str) -> list[np.ndarray]:
        rows = pa.array(np.flatnonzero(kinds == KINDS.index(kind)))
        return [events.column(name).take(rows).to_numpy() for name in names]

    user, product, arm, day, premium, channel, ref = columns(
        "policy", "user", "item", "arm", "day", "amount", "channel", "ref"
    )
    order = np.argsort(ref, kind="stable")
    n = len(ref)
    if not np.array_equal(ref[order], np.arange(n)):
        raise ValueError("policy ids in the event log are not 0, 1, 2, ...")
    lapse_day, lapse_ref = columns("lapse", "day", "ref")
    end_day = np.full(n, np.inf)
    end_day[lapse_ref] = lapse_day
    claim_ref, claim_policy = columns("claim_policy", "ref", "amount")
    policy_of_claim = np.full(claim_ref.max() + 1 if len(claim_ref) else 0, -1, np.int64)
    policy_of_claim[claim_ref] = claim_policy
    reported_ref, reported_amount = columns("claim_reported", "ref", "amount")
    on = policy_of_claim[reported_ref]
    return pd.DataFrame(
        {
            "user": user[order].astype(np.int64),
            "product": product[order].astype(np.int64),
            "arm": arm[order].astype(np.int64),
            "start_day": day[order].astype(float),
            "premium": premium[order],
            "initial": channel[order] == INITIAL,
            "end_day": end_day,
            "reported_count": np.bincount(on, minlength=n).astype(float),
            "reported_amount": np.bincount(on, weights=reported_amount, minlength=n),
        }
    )


def monitor_history(scenario: Scenario, events: pa.Table) -> list[dict]:
    """The risk monitor's rows, one per check and arm in check order: day, arm name, the
    fields of `MONITOR_FIELDS` (counts as int, ``alert`` as bool)."""
    rows = pa.array(np.flatnonzero(kind_codes(events) == KINDS.index("monitor")))
    day, arm, field, value = (events.column(name).take(rows).to_numpy()
                              for name in ("day", "arm", "item", "amount"))  # fmt: skip
    n_arms, names = len(scenario.arms), list(scenario.arms)
    keys, row = np.unique(day.astype(np.int64) * n_arms + arm, return_inverse=True)
    values = np.full((len(keys), len(MONITOR_FIELDS)), np.nan)
    values[row, field] = value
    history = []
    for key, numbers in zip(keys.tolist(), values.tolist(), strict=True):
        record = {"day": key // n_arms, "arm": names[key % n_arms]}
        for name, number in zip(MONITOR_FIELDS, numbers, strict=True):
            record[name] = int(number) if name in _COUNTS else number
        record["alert"] = bool(record["alert"])
        history.append(record)
    return history


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
