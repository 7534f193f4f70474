"""Vectorised insurer behaviour: offers through channels, take-up, policies, claims, lapses.

Claims occur daily as a Poisson process in each policyholder's latent risk; their reporting and
settlement are delayed events that the engine schedules in batches (`ClaimBatch`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import expit, logit

from xsim.eventlog import EventLog
from xsim.population import Population
from xsim.protocols import Offers
from xsim.rng import RandomStreams
from xsim.scenario import Scenario
from xsim.state import WorldState

DAYS_PER_YEAR = 365.0
_AWARENESS_PER_OPEN = 0.03


@dataclass(frozen=True)
class ClaimBatch:
    """Claims that fall due together (same reporting or settlement day)."""

    product: int
    claim_ids: np.ndarray
    users: np.ndarray
    amounts: np.ndarray


class Insurer:
    """Sells policies to users who take up quotes and runs their claims and lapses."""

    def __init__(self, scenario: Scenario, population: Population, arm: np.ndarray,
                 streams: RandomStreams, log: EventLog):  # fmt: skip
        self.scenario, self.pop, self.arm, self.streams, self.log = (
            scenario, population, arm, streams, log,
        )  # fmt: skip
        self.products = list(scenario.insurer.products.values())
        self.channels = list(scenario.channels.values())
        self.n_policies = 0
        self.n_claims = 0

    # --- offers -------------------------------------------------------------------------
    def deliver(self, state: WorldState, day: int, arm: int, offers: Offers) -> None:
        """Send a strategy's quotes: filter, cost, open, click, take up, write policies."""
        for channel in np.unique(offers.channel):
            for product in np.unique(offers.product[offers.channel == channel]):
                sel = (offers.channel == channel) & (offers.product == product)
                self._deliver_one(state, day, arm, int(channel), int(product), offers, sel)

    def _deliver_one(self, state, day, arm, channel, product, offers, sel) -> None:
        users = np.unique(offers.users[sel])
        discount = float(offers.discount[sel][0]) if len(users) else 0.0
        users = self._reachable(state, users, arm, channel, product)
        if len(users) == 0:
            return
        ch = self.channels[channel]
        self.log.append(
            "contact", day, users, arm, product, channel, ch.cost_per_send, offers.payer
        )
        state.week_contacts[channel, users] += 1
        fatigue_before = state.fatigue[users].copy()
        state.fatigue[users] += ch.fatigue_per_send
        sub = channel * len(self.products) + product
        n = self.pop.n_users
        opened = self.streams.uniforms("open", day, n, sub)[users] < ch.open_rate * np.exp(
            -ch.fatigue_open_effect * fatigue_before
        )
        self._unsubscribe(state, day, arm, users, channel, fatigue_before, sub)
        readers = users[opened]
        self.log.append("open", day, readers, arm, product, channel)
        aware = state.awareness[readers]
        state.awareness[readers] = aware + _AWARENESS_PER_OPEN * (1 - aware)
        clicked = readers[self.streams.uniforms("click", day, n, sub)[readers] < ch.click_rate]
        self.log.append("click", day, clicked, arm, product, channel)
        self.log.append("quote", day, clicked, arm, product, channel, discount)
        p_take = self.take_up_probability(state, clicked, product, discount)
        buyers = clicked[self.streams.uniforms("take_up", day, n, sub)[clicked] < p_take]
        self._write_policies(state, day, buyers, arm, product, channel, discount)

    def _reachable(self, state, users, arm, channel, product) -> np.ndarray:
        """Users the channel may contact: in the arm, active, opted in, consenting when the
        channel needs it, under the weekly cap, and not already holding the product."""
        ch = self.channels[channel]
        ok = (self.arm[users] == arm) & state.active[users]
        if ch.opt_in == "email":
            ok &= state.email_opt_in[users]
        elif ch.opt_in == "push":
            ok &= state.push_opt_in[users]
        if ch.needs_consent:
            ok &= self.pop.consent_data_sharing[users]
        ok &= state.week_contacts[channel, users] < ch.cap_per_week
        ok &= state.holder[product, users] < 0
        return users[ok]

    def _unsubscribe(self, state, day, arm, users, channel, fatigue, sub) -> None:
        ch = self.channels[channel]
        if ch.opt_in == "none" or ch.unsubscribe_rate == 0:
            return
        u = self.streams.uniforms("unsubscribe", day, self.pop.n_users, sub)[users]
        leaving = users[u < ch.unsubscribe_rate * (1 + fatigue)]
        opt_in = state.email_opt_in if ch.opt_in == "email" else state.push_opt_in
        opt_in[leaving] = False
        self.log.append("unsubscribe", day, leaving, arm, -1, channel)

    def take_up_probability(self, state, users, product: int, discount: float) -> np.ndarray:
        """Logit model: need, awareness, trust and risk aversion raise take-up; a premium that
        is large against income lowers it; a discount raises it."""
        m = self.scenario.insurer.purchase_model
        spec = self.products[product]
        share = spec.premium_per_year * (1 - discount) / (12 * self.pop.income_per_month[users])
        score = (
            logit(spec.take_up_probability)
            + m.need * self.pop.insurance_need[users]
            + m.awareness * (state.awareness[users] - 0.2)
            + m.trust * (state.trust[users] - 0.5)
            + m.risk_aversion * self.pop.risk_aversion[users]
            + m.discount * -np.log1p(-discount)
            - m.affordability * share / m.reference_premium_share_of_income
        )
        return expit(score)

    def _write_policies(self, state, day, buyers, arm, product, channel, discount) -> None:
        if len(buyers) == 0:
            return
        ids = self.n_policies + np.arange(len(buyers))
        self.n_policies += len(buyers)
        state.holder[product, buyers] = ids
        premium = self.products[product].premium_per_year * (1 - discount)
        self.log.append("policy", day, buyers, arm, product, channel, premium, "user", ids)

    # --- claims and lapses ----------------------------------------------------------------
    def occur_claims(self, state: WorldState, day: int) -> list[tuple[float, ClaimBatch]]:
        """Claims occurring on ``day``; returns (reporting delay in days, batch) pairs."""
        due = []
        n = self.pop.n_users
        for product, spec in enumerate(self.products):
            holders = np.flatnonzero(state.holder[product] >= 0)
            if len(holders) == 0 or spec.claim_frequency_per_year == 0:
                continue
            rate = spec.claim_frequency_per_year * self.pop.latent_risk[holders] / DAYS_PER_YEAR
            u = self.streams.uniforms("claim", day, n, product)[holders]
            claimants = holders[u < -np.expm1(-rate)]
            if len(claimants):
                due += self._new_claims(state, day, product, claimants)
        return due

    def _new_claims(self, state, day, product, users) -> list[tuple[float, ClaimBatch]]:
        spec = self.products[product]
        n = self.pop.n_users
        shape = 1 / spec.severity.cv**2
        u_sev = self.streams.uniforms("severity", day, n, product)[users]
        amounts = stats.gamma.ppf(u_sev, shape, scale=spec.severity.mean / shape)
        u_delay = self.streams.uniforms("report_delay", day, n, product)[users]
        delay = lognormal_ppf(u_delay, spec.reporting_delay_days)
        ids = self.n_claims + np.arange(len(users))
        self.n_claims += len(users)
        arms = self.arm[users]
        self.log.append("claim", day, users, arms, product, -1, amounts, "insurer", ids)
        report_day = np.ceil(day + delay)
        return [
            (float(d - day), _subset(ClaimBatch(product, ids, users, amounts), report_day == d))
            for d in np.unique(report_day)
        ]

    def report(self, day: float, batch: ClaimBatch) -> list[tuple[float, ClaimBatch]]:
        """Log reported claims; return (settlement delay, batch) pairs to schedule."""
        arms = self.arm[batch.users]
        self.log.append("claim_reported", day, batch.users, arms, -1, -1, batch.amounts,
                        "insurer", batch.claim_ids)  # fmt: skip
        spec = self.products[batch.product].settlement_delay_days
        u = self.streams.uniforms("settle_delay", int(day), self.pop.n_users, batch.product)
        settle = np.ceil(lognormal_ppf(u[batch.users], spec))
        return [(float(d), _subset(batch, settle == d)) for d in np.unique(settle)]

    def settle(self, state: WorldState, day: float, batch: ClaimBatch) -> None:
        arms = self.arm[batch.users]
        self.log.append("claim_paid", day, batch.users, arms, -1, -1, batch.amounts,
                        "insurer", batch.claim_ids)  # fmt: skip
        gain = self.scenario.insurer.trust_per_settled_claim
        state.trust[batch.users] += gain * (1 - state.trust[batch.users])

    def lapse(self, state: WorldState, day: int) -> None:
        """Monthly lapse: each policy ends with its product's monthly hazard, less if trusted."""
        for product, spec in enumerate(self.products):
            holders = np.flatnonzero(state.holder[product] >= 0)
            u = self.streams.uniforms("lapse", day, self.pop.n_users, product)[holders]
            hazard = spec.lapse_probability_per_month * (1.5 - state.trust[holders])
            leaving = holders[u < hazard]
            ids = state.holder[product, leaving]
            state.holder[product, leaving] = -1
            self.log.append("lapse", day, leaving, self.arm[leaving], product, -1, 0.0, "none", ids)


def lognormal_ppf(u: np.ndarray, spec) -> np.ndarray:
    return spec.median * np.exp(spec.sigma * _norm_ppf(u))


def _norm_ppf(u: np.ndarray) -> np.ndarray:
    return stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12))


def _subset(batch: ClaimBatch, mask: np.ndarray) -> ClaimBatch:
    return ClaimBatch(batch.product, batch.claim_ids[mask], batch.users[mask], batch.amounts[mask])
