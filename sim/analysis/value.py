"""What each firm gets, per user, in money: the value created by the experiment window.

Every policy in force during the window (the existing book, organic sales and partnership
sales) is valued at its expected contract value over the scenario's valuation horizon:

    in the window   held years x (premium - expected claims - commission)
    after it        sum over months m of S(m) v(m) (premium - expected claims - commission) / 12

S(m) is the chance the policy is still in force m months after the window's end (a monthly
lapse hazard, and at each term's end a renewal probability), v(m) the discount factor from the
policy's valuation start, and the sum stops at the valuation horizon. Commission is paid only on
partnership-attributed policies (sold through a channel); acquisition costs are charged once per
policy written in the window. Expected claims come from a cost matrix (products x users, per
year): the insurer's risk model for decisions, the true latent risk for the 'expected' basis.

Per user, the insurer's value is its policies' contract values minus what the insurer spent
(contacts, discounts, rewards, fixed costs); the platform's value is its course money (what
users paid plus course discounts the insurer funded) plus the contract value of its commission,
minus its own spend. A pure transfer (a higher commission) moves money from one to the other and
leaves their sum unchanged. See docs/objective.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from xsim.core.eventlog import KINDS, kind_codes
from xsim.core.units import DAYS_PER_YEAR, held_days

DAYS_PER_MONTH = DAYS_PER_YEAR / 12


@dataclass(frozen=True)
class PolicyTerms:
    """Per product: list terms the valuation needs (arrays indexed by product code)."""

    commission: np.ndarray
    lapse_per_month: np.ndarray
    renewal: np.ndarray
    term_months: np.ndarray
    acquisition_cost: np.ndarray

    @classmethod
    def of(cls, scenario) -> PolicyTerms:
        products = list(scenario.insurer.products.values())

        def field(name: str, default: float = 0.0) -> np.ndarray:
            return np.array([float(getattr(p, name, default)) for p in products])

        return cls(
            commission=field("commission"),
            lapse_per_month=field("lapse_probability_per_month"),
            renewal=field("renewal_probability", 1.0),
            term_months=field("term_months", 12.0),
            acquisition_cost=field("acquisition_cost_per_policy"),
        )


@dataclass(frozen=True)
class Policies:
    """The policies of one world's event log, one entry per policy (sale order)."""

    user: np.ndarray
    product: np.ndarray
    sold_day: np.ndarray
    premium_per_year: np.ndarray
    partnership: np.ndarray  # sold through a channel of the partnership
    held_days: np.ndarray  # in force inside the experiment window
    in_force_at_end: np.ndarray

    @classmethod
    def from_events(cls, events: pa.Table, horizon_days: float, warmup_days: float) -> Policies:
        kinds = kind_codes(events)
        sold = np.flatnonzero(kinds == KINDS.index("policy"))
        lapsed = np.flatnonzero(kinds == KINDS.index("lapse"))

        def column(name: str, rows: np.ndarray) -> np.ndarray:
            return events.column(name).take(pa.array(rows)).to_numpy()

        ref, lapse_ref = column("ref", sold), column("ref", lapsed)
        sold_day = column("day", sold).astype(float)
        days = held_days(sold_day, ref, column("day", lapsed).astype(float), lapse_ref,
                         horizon_days, warmup_days)  # fmt: skip
        return cls(
            user=column("user", sold).astype(np.int64),
            product=column("item", sold).astype(np.int64),
            sold_day=sold_day,
            premium_per_year=column("amount", sold),
            partnership=column("channel", sold) >= 0,
            held_days=days,
            in_force_at_end=~np.isin(ref, lapse_ref),
        )


def contract_values(
    policies: Policies,
    terms: PolicyTerms,
    claim_cost_per_year: np.ndarray,
    trust: np.ndarray,
    window: tuple[float, float],
    valuation_years: float,
    discount_rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(insurer value, platform commission value) of each policy, in money.

    ``claim_cost_per_year`` is (products x users); ``trust`` (per user, 0-1) scales the lapse
    hazard as in the world (x (1.5 - trust)); ``window`` is (warm-up end, horizon) in days."""
    k, u = policies.product, policies.user
    premium = policies.premium_per_year
    commission = np.where(policies.partnership, terms.commission[k] * premium, 0.0)
    margin = premium - costs_of(policies, claim_cost_per_year) - commission
    start = np.maximum(policies.sold_day, window[0])
    factor = continuation_months(
        age_months=(window[1] - policies.sold_day) / DAYS_PER_MONTH,
        elapsed_months=(window[1] - start) / DAYS_PER_MONTH,
        lapse_per_month=np.clip(terms.lapse_per_month[k] * (1.5 - trust[u]), 0.0, 1.0),
        renewal=terms.renewal[k],
        term_months=terms.term_months[k],
        valuation_years=valuation_years,
        discount_rate=discount_rate,
    )
    alive = policies.in_force_at_end
    in_window = policies.held_days / DAYS_PER_YEAR
    after = np.where(alive, factor / 12, 0.0)
    written = policies.sold_day >= window[0]
    acquisition = np.where(written, terms.acquisition_cost[k], 0.0)
    return (in_window + after) * margin - acquisition, (in_window + after) * commission


def continuation_months(
    age_months: np.ndarray,
    elapsed_months: np.ndarray,
    lapse_per_month: np.ndarray,
    renewal: np.ndarray,
    term_months: np.ndarray,
    valuation_years: float,
    discount_rate: float,
) -> np.ndarray:
    """Expected discounted months in force after the window, per policy, up to the valuation
    horizon: sum over m of S(m) v(m) w(m), with S(m) = (1 - lapse)^m x renewal^(terms ended),
    v(m) = (1 + rate)^(-(elapsed + m) / 12) and w(m) the share of month m inside the horizon."""
    horizon = 12.0 * valuation_years
    months = np.arange(int(np.ceil(horizon)))[None, :]
    left = (horizon - elapsed_months)[:, None]
    weight = np.clip(left - months, 0.0, 1.0)
    age = age_months[:, None]
    terms_ended = np.floor((age + months) / term_months[:, None]) - np.floor(
        age / term_months[:, None]
    )
    survival = (1.0 - lapse_per_month[:, None]) ** months * renewal[:, None] ** terms_ended
    discount = (1.0 + discount_rate) ** (-(elapsed_months[:, None] + months) / 12.0)
    return (survival * discount * weight).sum(axis=1)


def firm_values(
    scenario,
    users: pd.DataFrame,
    events: pa.Table,
    claim_cost_per_year: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per user: ``platform_value`` and ``insurer_value`` (money over the valuation horizon),
    ``commission_value`` (the platform's share of its partnership policies' value) and
    ``claims_expected`` (expected claims inside the window, on the same cost basis)."""
    warmup, horizon = scenario.experiment.warmup_days, scenario.horizon_days
    policies = Policies.from_events(events, horizon, warmup)
    valuation = scenario.objective.valuation
    insurer, commission = contract_values(
        policies, PolicyTerms.of(scenario), claim_cost_per_year,
        users["trust_final"].to_numpy(float), (warmup, horizon),
        valuation.years, valuation.discount_rate,
    )  # fmt: skip
    n = len(users)
    per_user_insurer = np.bincount(policies.user, weights=insurer, minlength=n)
    per_user_commission = np.bincount(policies.user, weights=commission, minlength=n)
    window_claims = policies.held_days / DAYS_PER_YEAR * costs_of(policies, claim_cost_per_year)

    def column(name: str) -> np.ndarray:
        return users[name].to_numpy(float) if name in users else np.zeros(n)

    insurer_spend = sum(column(f"{c}_insurer") for c in _INSURER_SPEND)
    platform_spend = sum(column(f"{c}_platform") for c in _PLATFORM_SPEND)
    course_money = column("course_revenue") + column("discount_insurer")
    return {
        "platform_value": course_money + per_user_commission - platform_spend,
        "insurer_value": per_user_insurer - insurer_spend,
        "commission_value": per_user_commission,
        "claims_expected": np.bincount(policies.user, weights=window_claims, minlength=n),
    }


def costs_of(policies: Policies, claim_cost_per_year: np.ndarray) -> np.ndarray:
    """Each policy's expected claim cost per year (its product, its holder)."""
    return claim_cost_per_year[policies.product, policies.user].astype(float)


# What each firm spends, by user-table column prefix. The platform's own course discounts are
# revenue forgone (already missing from what users paid), so they are not spent twice.
_INSURER_SPEND = ("contact_cost", "discount", "reward", "fixed_cost")
_PLATFORM_SPEND = ("contact_cost", "reward", "fixed_cost", "premium_subsidy")


def world_costs(inputs) -> np.ndarray:
    """`claim_costs` of a world's shared inputs (the t=0 risk model, the true risks): the same
    matrix for the experiment and every twin world, so both measure one estimand."""
    return claim_costs(inputs.scenario, inputs.expected_claim_cost, inputs.population.latent_risk)


def claim_costs(scenario, model_cost: np.ndarray, true_risk: np.ndarray) -> np.ndarray:
    """Expected claim cost per year (products x users) on the objective's claims basis: the
    insurer's risk model ('model') or the true latent risk ('expected', simulation only)."""
    if scenario.objective.claims_basis == "model":
        return model_cost
    products = scenario.insurer.products.values()
    base = np.array([p.claim_frequency_per_year * p.severity.mean for p in products])
    return base[:, None] * np.asarray(true_risk, dtype=float)[None, :]


def with_values(scenario, users: pd.DataFrame, events: pa.Table, costs: np.ndarray):
    """The user table with each firm's value per user appended (`VALUE_OUTCOMES`)."""
    values = firm_values(scenario, users, events, costs)
    return users.assign(**{name: values[name] for name in VALUE_OUTCOMES})


VALUE_OUTCOMES = ("platform_value", "insurer_value", "commission_value", "claims_expected")
