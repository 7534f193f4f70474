"""From the event log to tables: one row per user, a daily series per arm, per-arm summaries.

The event log is all these tables read of a simulation (with the scenario, the population and
the arm assignment, which are its inputs): behaviour from its events, the engine's daily
counters and each user's final state from the kinds `xsim.core.eventlog` describes.

Money follows who pays: the platform earns what users paid for courses, the course discounts
the insurer funds and the insurer's commission, and pays its own contacts, rewards and fixed
costs (a discount it funds is revenue forgone, already missing from what users paid); the
insurer earns premium (pro rata over exposure) and pays claims incurred, the commission and its
own discounts, contacts, rewards and fixed costs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from xsim.core.errors import XsimError
from xsim.core.eventlog import KINDS, ORGANIC, PAYERS, SNAPSHOT_FIELDS, kind_codes, payer_codes
from xsim.core.units import DAYS_PER_YEAR, held_days
from xsim.schema.scenario import Scenario
from xsim.world.population import Population

_K = {k: i for i, k in enumerate(KINDS)}
_P = {p: i for i, p in enumerate(PAYERS)}


class _Log:
    """The event log as numpy columns, with per-user and per-(day, arm) sums."""

    def __init__(self, table: pa.Table, n_users: int, warmup_days: int):
        self.table = table
        self.kind = kind_codes(table)
        self.payer = payer_codes(table)
        self.day = table.column("day").to_numpy()
        self.user = table.column("user").to_numpy()
        self.arm = table.column("arm").to_numpy()
        self.item = table.column("item").to_numpy()
        self.channel = table.column("channel").to_numpy()
        self.amount = table.column("amount").to_numpy()
        self.ref = table.column("ref").to_numpy()
        self.n_users = n_users
        self.post = self.day >= warmup_days

    def mask(self, kind: str, period: str = "post", payer: str | None = None) -> np.ndarray:
        m = (self.kind == _K[kind]) & (self.user >= 0)
        if period == "post":
            m &= self.post
        elif period == "pre":
            m &= ~self.post
        if payer is not None:
            m &= self.payer == _P[payer]
        return m

    def count(self, kind: str, period: str = "post", payer: str | None = None) -> np.ndarray:
        """Events per user, as int32 at once (dozens of int64 columns would double the
        user table's peak on a million users)."""
        users = self.user[self.mask(kind, period, payer)]
        return np.bincount(users, minlength=self.n_users).astype(np.int32)

    def total(self, kind: str, period: str = "post", payer: str | None = None) -> np.ndarray:
        m = self.mask(kind, period, payer)
        return np.bincount(self.user[m], weights=self.amount[m], minlength=self.n_users)

    def _of_claims(self, kind: str, claim_ids: np.ndarray) -> np.ndarray:
        """Events of ``kind`` (reporting, payment) that belong to the given claims."""
        return self.mask(kind, "all") & np.isin(self.ref, claim_ids)

    def count_of_claims(self, kind: str, claim_ids: np.ndarray) -> np.ndarray:
        return np.bincount(self.user[self._of_claims(kind, claim_ids)], minlength=self.n_users)

    def total_of_claims(self, kind: str, claim_ids: np.ndarray) -> np.ndarray:
        m = self._of_claims(kind, claim_ids)
        return np.bincount(self.user[m], weights=self.amount[m], minlength=self.n_users)


def user_table(scenario: Scenario, population: Population, arm: np.ndarray,
               table: pa.Table) -> pd.DataFrame:  # fmt: skip
    """One row per user: arm, traits, pre-period covariates and experiment-period outcomes,
    from the world's event log ``table`` (``arm``: each user's arm code)."""
    log = _Log(table, population.n_users, scenario.experiment.warmup_days)
    columns = {
        "user_id": np.arange(population.n_users),
        "arm": pd.Categorical.from_codes(arm, list(scenario.arms)),
        "segment": pd.Categorical.from_codes(population.segment, population.segment_names),
        "age_years": population.age_years,
        "income_per_month": population.income_per_month,
        "city_tier": population.city_tier,
        "consent_data_sharing": population.consent_data_sharing,
        "email_opt_in": population.email_opt_in,
        "push_opt_in": population.push_opt_in,
        "true_risk": population.latent_risk,
        "insurance_need": population.insurance_need,
        **_platform_columns(log, _final_state(scenario, population, log)),
        **_offer_columns(log),
        **_fixed_cost_columns(log, arm, len(scenario.arms)),
        **_insurance_columns(scenario, log),
    }
    columns.update(_money_columns(columns))
    # counts fit in 32 bits; halving them keeps a million-user table small
    return pd.DataFrame({k: _compact(v) for k, v in columns.items()}, copy=False)


def _compact(values):
    if isinstance(values, np.ndarray) and values.dtype == np.int64:
        return values.astype(np.int32)
    return values


def _final_state(scenario: Scenario, population: Population, log: _Log) -> dict[str, np.ndarray]:
    """Each user's state at the horizon, from the final kinds of the log, in the world's dtypes
    (counts int32, levels float32): visits before and in the experiment, activity,
    engagement, and awareness and trust (their starting values unless the log moves them)."""
    n = log.n_users
    rows = log.kind == _K["final_state"]
    users = log.user[rows]
    if len(users) != n:
        raise XsimError(f"the event log holds the final state of {len(users)} of {n} users")
    state = {
        "visits_pre": np.zeros(n, np.int32),
        "visits": np.zeros(n, np.int32),
        "active": np.zeros(n, bool),
        "engagement": np.zeros(n, np.float32),
        "awareness": population.insurance_awareness.astype(np.float32),
        "trust": np.full(n, scenario.insurer.initial_trust, np.float32),
    }
    state["visits_pre"][users] = log.ref[rows]
    state["visits"][users] = log.item[rows]
    state["active"][users] = log.channel[rows] == 1
    state["engagement"][users] = log.amount[rows]
    for name in ("awareness", "trust"):
        moved = log.kind == _K[f"final_{name}"]
        state[name][log.user[moved]] = log.amount[moved]
    return state


def _platform_columns(log: _Log, s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    purchases = log.count("purchase")
    return {
        "visits_pre": s["visits_pre"],
        "purchases_pre": log.count("purchase", "pre"),
        "course_revenue_pre": log.total("purchase", "pre"),
        "visits": s["visits"],
        "purchases": purchases,
        "course_conversion": (purchases > 0).astype(np.int8),
        "course_revenue": log.total("purchase"),
        "shares": log.count("share"),
        "churned": (~s["active"]).astype(np.int8),
        "engagement_final": s["engagement"],
        "awareness_final": s["awareness"],
        "trust_final": s["trust"],
    }


def _offer_columns(log: _Log) -> dict[str, np.ndarray]:
    return {
        "contacts": log.count("contact"),
        "opens": log.count("open"),
        "clicks": log.count("click"),
        "quotes": log.count("quote"),
        "unsubscribed": (log.count("unsubscribe") > 0).astype(np.int8),
        "contact_cost_platform": log.total("contact", payer="platform"),
        "contact_cost_insurer": log.total("contact", payer="insurer"),
        "discount_platform": log.total("discount", payer="platform"),
        "discount_insurer": log.total("discount", payer="insurer"),
        "reward_platform": log.total("reward", payer="platform"),
        "reward_insurer": log.total("reward", payer="insurer"),
        "lectures_attended": log.count("attend"),
        "service_contacts": log.count("service"),
    }


def _fixed_cost_columns(log: _Log, arm: np.ndarray, n_arms: int) -> dict[str, np.ndarray]:
    """One-off partnership costs, shared equally by the users of the arm that incurred them."""
    arm_size = np.maximum(np.bincount(arm, minlength=n_arms), 1)
    columns = {}
    for payer in ("platform", "insurer"):
        m = (log.kind == _K["fixed_cost"]) & (log.payer == _P[payer])
        per_arm = np.bincount(log.arm[m], weights=log.amount[m], minlength=n_arms)
        columns[f"fixed_cost_{payer}"] = (per_arm / arm_size)[arm]
    return columns


def _insurance_columns(scenario: Scenario, log: _Log) -> dict[str, np.ndarray]:
    policies = log.count("policy")
    earned, commission, subsidy = _earned_premium(scenario, log)
    sold = log.mask("policy")
    incurred = log.total("claim")
    post_claims = log.ref[log.mask("claim")]
    reported = log.total_of_claims("claim_reported", post_claims)
    return {
        "policies": policies,
        "policy_conversion": (policies > 0).astype(np.int8),
        "premium_written": log.total("policy"),
        "policies_partnership": _per_user(log, sold & (log.channel >= 0)),
        "policies_organic": _per_user(log, sold & (log.channel == ORGANIC)),
        "premium_earned": earned,
        "commission": commission,
        "premium_subsidy_platform": subsidy,
        "lapses": log.count("lapse"),
        "claims": log.count("claim"),
        "claims_incurred": incurred,
        "claims_reported": reported,
        "claims_paid": log.total_of_claims("claim_paid", post_claims),
        "claims_ibnr_count": log.count("claim")
        - log.count_of_claims("claim_reported", post_claims),
        "claims_ibnr": incurred - reported,
    }


def _earned_premium(scenario: Scenario, log: _Log) -> tuple[np.ndarray, ...]:
    """Per user: premium earned pro rata from each policy's start to its lapse or the horizon,
    the commission on it (partnership sales only) and the platform's subsidy of it."""
    sold, lapsed = log.mask("policy", "all"), log.mask("lapse", "all")
    days = held_days(log.day[sold], log.ref[sold], log.day[lapsed], log.ref[lapsed],
                     scenario.horizon_days, scenario.experiment.warmup_days)  # fmt: skip
    earned = log.amount[sold] * days / DAYS_PER_YEAR
    rates = np.array([p.commission for p in scenario.insurer.products.values()])
    commission = earned * rates[log.item[sold]] * (log.channel[sold] >= 0)
    subsidised = log.mask("subsidy", "all")
    rate = np.zeros(int(sold.sum()))
    rate[np.searchsorted(log.ref[sold], log.ref[subsidised])] = log.amount[subsidised]
    users = log.user[sold]
    n = log.n_users
    return (
        np.bincount(users, weights=earned, minlength=n),
        np.bincount(users, weights=commission, minlength=n),
        np.bincount(users, weights=rate * days / DAYS_PER_YEAR, minlength=n),
    )


def _per_user(log: _Log, mask: np.ndarray) -> np.ndarray:
    return np.bincount(log.user[mask], minlength=log.n_users).astype(np.int32)


def _money_columns(c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Net money of each partner. ``course_revenue`` is what users paid, so a course discount
    the platform funds is revenue forgone, not a cost on top; one the insurer funds is paid
    to the platform by the insurer (its cost, the platform's income)."""
    platform_cost = (
        c["contact_cost_platform"] + c["reward_platform"] + c["fixed_cost_platform"]
        + c["premium_subsidy_platform"]
    )  # fmt: skip
    insurer_cost = (
        c["contact_cost_insurer"] + c["discount_insurer"] + c["reward_insurer"]
        + c["fixed_cost_insurer"] + c["commission"]
    )  # fmt: skip
    return {
        "platform_net_revenue": c["course_revenue"]
        + c["discount_insurer"]
        + c["commission"]
        - platform_cost,
        "insurer_margin": c["premium_earned"] - c["claims_incurred"] - insurer_cost,
    }


def daily_table(scenario: Scenario, table: pa.Table) -> pd.DataFrame:
    """One row per (day, arm): the engine's daily counters plus the day's events and money,
    all from the world's event log ``table``."""
    log = _Log(table, 0, scenario.experiment.warmup_days)
    n_arms = len(scenario.arms)
    size = scenario.horizon_days * n_arms
    key = np.floor(log.day).astype(np.int64) * n_arms + log.arm
    inside = (key < size) & (log.user >= 0)

    def per_day(kind: str, money: bool = False) -> np.ndarray:
        m = inside & (log.kind == _K[kind])
        return np.bincount(key[m], weights=log.amount[m] if money else None, minlength=size)

    snap = _snapshots(log, n_arms)
    events = pd.DataFrame(
        {
            "day": np.repeat(np.arange(scenario.horizon_days), n_arms),
            "arm": np.tile(np.arange(n_arms), scenario.horizon_days),
            "purchases": per_day("purchase"),
            "course_revenue": per_day("purchase", True),
            "contacts": per_day("contact"),
            "policies": per_day("policy"),
            "claims": per_day("claim"),
            "claims_incurred": per_day("claim", True),
            "churned": per_day("churn"),
        }
    )
    daily = snap.merge(events, on=["day", "arm"], how="left")
    daily.insert(1, "experiment_day", daily.day - scenario.experiment.warmup_days)
    daily["arm"] = np.asarray(list(scenario.arms))[daily.arm]
    return daily


def _snapshots(log: _Log, n_arms: int) -> pd.DataFrame:
    """The ``snapshot`` events as one row per (day, arm) with users, in (day, arm) order: the
    counters of `SNAPSHOT_FIELDS` (counts as int64, the mean engagement as float64)."""
    rows = log.kind == _K["snapshot"]
    keys, row = np.unique(log.day[rows].astype(np.int64) * n_arms + log.arm[rows],
                          return_inverse=True)  # fmt: skip
    values = np.full((len(keys), len(SNAPSHOT_FIELDS)), np.nan)
    values[row, log.item[rows]] = log.amount[rows]
    snap = pd.DataFrame({"day": keys // n_arms, "arm": keys % n_arms})
    for field, name in enumerate(SNAPSHOT_FIELDS):
        column = values[:, field]
        snap[name] = column if name == "mean_engagement" else column.astype(np.int64)
    return snap


SUMMARY_COLUMNS = {
    "users": ("user_id", "count"),
    "visits_per_user": ("visits", "mean"),
    "course_conversion": ("course_conversion", "mean"),
    "course_revenue_per_user": ("course_revenue", "mean"),
    "contacts_per_user": ("contacts", "mean"),
    "policy_conversion": ("policy_conversion", "mean"),
    "premium_earned_per_user": ("premium_earned", "mean"),
    "claims_incurred_per_user": ("claims_incurred", "mean"),
    "platform_net_revenue_per_user": ("platform_net_revenue", "mean"),
    "insurer_margin_per_user": ("insurer_margin", "mean"),
    "churn_rate": ("churned", "mean"),
}


def arm_summary(users: pd.DataFrame, arm_order: list[str]) -> pd.DataFrame:
    """Per-arm key metrics (means per user) with the loss ratio of each arm's policies."""
    summary = users.groupby("arm", sort=False).agg(**SUMMARY_COLUMNS)
    sums = users.groupby("arm", sort=False)[["claims_incurred", "premium_earned"]].sum()
    ratio = sums.claims_incurred / sums.premium_earned.where(sums.premium_earned > 0)
    summary["loss_ratio"] = ratio
    return summary.reindex([a for a in arm_order if a in summary.index])
