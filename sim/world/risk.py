"""The insurer's risk model inside the simulation: fit on its book, score platform users,
keep the platform policies it writes, and project each arm's cohort loss ratio.

Projected loss ratio of a cohort = (model loss ratio of the cohort) × (credibility-weighted
actual/expected). Actual = claims *reported* so far (the insurer cannot see the rest);
expected = model cost over the earned exposure × the share of it that should have been reported
by now (reporting-delay distribution at half the exposure period, a stated approximation).
Credibility Z = n / (n + k) with n reported claims and k = ``credibility_claims``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from xsim.core.errors import InputError
from xsim.core.units import DAYS_PER_YEAR
from xsim.schema.scenario import Scenario
from xsim.world.population import Population


def fit_risk_model(scenario: Scenario, training: pd.DataFrame, platform: bool = False):
    """Fit the scenario's risk model on a policy table; problems become `InputError` naming
    ``insurer.risk`` (a tiny book may have no claims to learn from)."""
    spec = scenario.insurer.risk
    features = [*spec.features, "product"]
    extra = {}
    if platform and spec.platform_features:
        extra = {"platform_features": spec.platform_features, "consent": "consent_data_sharing"}
    try:
        return spec.model.fit(training, features=features, **extra)
    except InputError as exc:
        lines = [f"insurer.risk: cannot fit on the historical book: {p}" for p in exc.problems]
        raise InputError(lines) from None


def book_costs(scenario: Scenario, book: pd.DataFrame, users: pd.DataFrame):
    """(fitted model or None, expected costs (products × users), note or None). A book the
    model cannot learn from (no claims at all, a tiny book) falls back to each product's
    nominal frequency × mean severity, and the note says so."""
    try:
        model = fit_risk_model(scenario, book)
    except InputError as exc:
        products = scenario.insurer.products.values()
        nominal = np.array([p.claim_frequency_per_year * p.severity.mean for p in products])
        costs = np.repeat(nominal[:, None], len(users), axis=1).astype(np.float32)
        note = "Risk model not fitted; expected costs are nominal. " + " ".join(exc.problems)
        return None, costs, note
    return model, expected_costs(scenario, model, users), None


def user_frame(scenario: Scenario, population: Population, platform: dict | None = None):
    """Rating factors of every platform user (and platform features when given)."""
    frame = pd.DataFrame(
        {
            "segment": np.asarray(population.segment_names)[population.segment],
            "age_years": population.age_years,
            "city_tier": population.city_tier,
            "income_per_month": population.income_per_month,
            "consent_data_sharing": population.consent_data_sharing,
        }
    )
    for name, values in (platform or {}).items():
        frame[name] = np.where(population.consent_data_sharing, values, np.nan)
    return frame


def expected_costs(scenario: Scenario, model, users: pd.DataFrame) -> np.ndarray:
    """Predicted claim cost per year, (products × users)."""
    products = list(scenario.insurer.products)
    costs = np.empty((len(products), len(users)), np.float32)
    for code, name in enumerate(products):
        costs[code] = model.expected_cost(users.assign(product=name))
    return costs


@dataclass
class PolicyBook:
    """Platform policies the insurer writes during a run, as growing arrays."""

    user: list[np.ndarray] = field(default_factory=list)
    product: list[np.ndarray] = field(default_factory=list)
    arm: list[np.ndarray] = field(default_factory=list)
    start_day: list[np.ndarray] = field(default_factory=list)
    premium: list[np.ndarray] = field(default_factory=list)
    initial: list[np.ndarray] = field(default_factory=list)
    end_day: np.ndarray = field(default_factory=lambda: np.empty(0))
    reported_count: np.ndarray = field(default_factory=lambda: np.empty(0))
    reported_amount: np.ndarray = field(default_factory=lambda: np.empty(0))

    def add(self, users, product: int, arm: int, day: float, premium, initial: bool) -> None:
        n = len(users)
        for column, value in ((self.user, users), (self.product, np.full(n, product)),
                              (self.arm, np.full(n, arm)), (self.start_day, np.full(n, day)),
                              (self.premium, np.broadcast_to(premium, (n,)).copy()),
                              (self.initial, np.full(n, initial))):  # fmt: skip
            column.append(np.asarray(value))
        self.end_day = np.append(self.end_day, np.full(n, np.inf))
        self.reported_count = np.append(self.reported_count, np.zeros(n))
        self.reported_amount = np.append(self.reported_amount, np.zeros(n))

    def end(self, policy_ids: np.ndarray, day: float) -> None:
        self.end_day[policy_ids] = day

    def report(self, policy_ids: np.ndarray, amounts: np.ndarray) -> None:
        np.add.at(self.reported_count, policy_ids, 1)
        np.add.at(self.reported_amount, policy_ids, amounts)

    def table(self) -> pd.DataFrame:
        if not self.user:
            return pd.DataFrame(columns=["user", "product", "arm", "start_day", "premium"])
        return pd.DataFrame(
            {
                "user": np.concatenate(self.user),
                "product": np.concatenate(self.product),
                "arm": np.concatenate(self.arm),
                "start_day": np.concatenate(self.start_day),
                "premium": np.concatenate(self.premium),
                "initial": np.concatenate(self.initial),
                "end_day": self.end_day,
                "reported_count": self.reported_count,
                "reported_amount": self.reported_amount,
            }
        )


def cohort_status(
    scenario: Scenario, policies: pd.DataFrame, costs: np.ndarray, now: float
) -> pd.DataFrame:
    """Per arm: the cohort acquired in the experiment, its exposure, reported claims, A/E and
    projected loss ratio (see the module docstring)."""
    acquired = policies[~policies.initial.astype(bool)] if len(policies) else policies
    monitor = scenario.insurer.risk.monitor
    rows = []
    for arm_code, arm in enumerate(scenario.arms):
        cohort = acquired[acquired.arm == arm_code]
        rows.append({"arm": arm, **_cohort_numbers(scenario, cohort, costs, now, monitor)})
    return pd.DataFrame(rows)


def _cohort_numbers(scenario, cohort: pd.DataFrame, costs, now: float, monitor) -> dict:
    if len(cohort) == 0:
        return {"policies": 0, "exposure_years": 0.0, "reported_claims": 0,
                "actual_to_expected_raw": np.nan, "credibility": 0.0,
                "actual_to_expected": np.nan, "projected_loss_ratio": np.nan}  # fmt: skip
    product = cohort["product"].to_numpy().astype(int)
    predicted = costs[product, cohort.user.to_numpy().astype(int)].astype(float)
    elapsed = np.clip(np.minimum(cohort.end_day, now) - cohort.start_day, 0, None)
    exposure = elapsed.to_numpy() / DAYS_PER_YEAR
    expected = predicted * exposure * _reported_share(scenario, product, elapsed.to_numpy() / 2)
    actual, claims = cohort.reported_amount.sum(), cohort.reported_count.sum()
    raw = actual / expected.sum() if expected.sum() > 0 else np.nan
    z = claims / (claims + monitor.credibility_claims)
    ae = z * raw + (1 - z) * 1.0 if np.isfinite(raw) else 1.0
    model_loss_ratio = predicted.sum() / cohort.premium.sum()
    return {"policies": len(cohort), "exposure_years": float(exposure.sum()),
            "reported_claims": int(claims), "actual_to_expected_raw": float(raw),
            "credibility": float(z), "actual_to_expected": float(ae),
            "projected_loss_ratio": float(ae * model_loss_ratio)}  # fmt: skip


def _reported_share(scenario: Scenario, product: np.ndarray, lag_days: np.ndarray) -> np.ndarray:
    """P(reporting delay ≤ lag) under each product's log-normal reporting delay."""
    delays = [p.reporting_delay_days for p in scenario.insurer.products.values()]
    median = np.array([d.median for d in delays])[product]
    sigma = np.array([max(d.sigma, 1e-9) for d in delays])[product]
    return stats.norm.cdf(np.log(np.maximum(lag_days, 1e-9) / median) / sigma)


def refit_costs(
    scenario: Scenario,
    book: pd.DataFrame,
    population: Population,
    policies: pd.DataFrame,
    platform: dict[str, np.ndarray],
    day: int,
) -> np.ndarray | None:
    """Refit on the book plus the platform policies' experience so far (reported claims on
    earned exposure) and score every user again, with the partner's data where consented.
    None when no refit is possible (the previous scores stay)."""
    users = user_frame(scenario, population, platform)
    training = pd.concat([_book_rows(book), _platform_rows(scenario, users, policies, day)])
    # The partner's data enters once consenting policyholders have claims to learn from;
    # until then (or if the data cannot identify it) the refit uses the rating factors only.
    for with_platform in (True, False):
        try:
            model = fit_risk_model(scenario, training, platform=with_platform)
        except InputError:
            continue
        return expected_costs(scenario, model, users)
    return None


def platform_policy_table(
    scenario: Scenario, population: Population, policies: pd.DataFrame,
    platform: dict[str, np.ndarray], day: int,
) -> pd.DataFrame:  # fmt: skip
    """Platform policies as a risk-model training table: rating factors, the partner's data
    (NaN without consent), exposure to ``day`` and the claims reported by then."""
    return _platform_rows(scenario, user_frame(scenario, population, platform), policies, day)


def _book_rows(book: pd.DataFrame) -> pd.DataFrame:
    rows = book.drop(columns=["policy_id", "true_risk"]).assign(consent_data_sharing=False)
    return rows


def _platform_rows(scenario, users: pd.DataFrame, policies: pd.DataFrame, day: int):
    if len(policies) == 0:
        return users.iloc[:0]
    exposure = (np.minimum(policies.end_day, day) - policies.start_day) / DAYS_PER_YEAR
    keep = (exposure > 0).to_numpy()
    p = policies[keep]
    rows = users.iloc[p.user.to_numpy().astype(int)].reset_index(drop=True)
    products = np.asarray(list(scenario.insurer.products))
    return rows.assign(
        product=products[p["product"].to_numpy().astype(int)],
        exposure_years=exposure[keep].to_numpy(),
        claim_count=p.reported_count.to_numpy().astype(int),
        claim_amount=p.reported_amount.to_numpy(),
    )
