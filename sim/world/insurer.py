"""Vectorised insurer behaviour: offers through channels, take-up, policies, claims, lapses.

Claims occur daily as a Poisson process in each policyholder's latent risk; their reporting and
settlement are delayed events that the engine schedules in batches (`ClaimBatch`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import expit, logit

from xsim.core.eventlog import INITIAL, ORGANIC, EventLog
from xsim.core.protocols import MESSAGES, Offers
from xsim.core.rng import RandomStreams
from xsim.core.units import DAYS_PER_YEAR
from xsim.schema.scenario import Scenario, Segment
from xsim.world.population import Population
from xsim.world.risk import PolicyBook
from xsim.world.state import WorldState

_AWARENESS_PER_OPEN = 0.03
# Awareness is set per segment; take-up is centred on the segment default so that a segment's
# own starting awareness still moves its take-up.
_REFERENCE_AWARENESS: float = Segment.model_fields["insurance_awareness"].default


@dataclass(frozen=True)
class Contact:
    """One batch of contacts: through which channel, carrying what, about which product."""

    channel: int
    message: str
    product: int
    payer: str

    @property
    def sells(self) -> bool:
        return self.message in ("quote", "referral")


@dataclass(frozen=True)
class ClaimBatch:
    """Claims that fall due together (same reporting or settlement day)."""

    product: int
    claim_ids: np.ndarray
    users: np.ndarray
    amounts: np.ndarray
    policy_ids: np.ndarray


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
        self.policies = PolicyBook()
        self.expected_cost = np.zeros((len(self.products), population.n_users), np.float32)
        self.n_claims = 0

    # --- offers -------------------------------------------------------------------------
    def deliver(self, state: WorldState, day: int, arm: int, offers: Offers) -> None:
        """Send a strategy's contacts, one batch per (channel, message, product), paid by the
        payer the engine recorded for ``arm``."""
        payer = state.arms.payer[arm]
        keys = np.stack([offers.channel, offers.message, offers.product], axis=1)
        for channel, message, product in np.unique(keys, axis=0):
            sel = (offers.channel == channel) & (offers.message == message)
            sel &= offers.product == product
            batch = Contact(int(channel), MESSAGES[message], int(product), payer)
            discount = float(offers.discount[sel][0])
            self._deliver_one(state, day, arm, batch, np.unique(offers.users[sel]), discount)

    def _deliver_one(self, state, day, arm, batch: Contact, users, discount: float) -> None:
        channel, product = batch.channel, batch.product
        users = self._reachable(state, users, arm, channel, product if batch.sells else -1)
        if len(users) == 0:
            return
        ch = self.channels[channel]
        self.log.append("contact", day, users, arm, product, channel, ch.cost_per_send, batch.payer)
        state.arms.spent[arm] += ch.cost_per_send * len(users)
        state.week_contacts[channel, users] += 1
        fatigue_before = state.fatigue[users].copy()
        state.fatigue[users] += ch.fatigue_per_send
        sub = (channel * len(MESSAGES) + MESSAGES.index(batch.message)) * 64 + max(product, 0)
        n = self.pop.n_users
        p_open = ch.open_rate * np.exp(-ch.fatigue_open_effect * fatigue_before)
        opened = self.streams.uniforms("open", day, n, sub)[users] < p_open
        self._unsubscribe(state, day, arm, users, channel, fatigue_before, sub)
        readers = users[opened]
        self.log.append("open", day, readers, arm, product, channel)
        if batch.message == "service":  # service content works by being read, not clicked
            self.log.append("service", day, readers, arm, product, channel)
            _raise(state.trust, readers, self.scenario.insurer.trust_per_service_contact)
            return
        _raise(state.awareness, readers, _AWARENESS_PER_OPEN)
        clicked = readers[self.streams.uniforms("click", day, n, sub)[readers] < ch.click_rate]
        self.log.append("click", day, clicked, arm, product, channel)
        self._respond(state, day, arm, batch, clicked, discount, sub)

    def _respond(self, state, day, arm, batch: Contact, clicked, discount, sub) -> None:
        """What a click does: quotes (and referrals) may sell; lectures are attended."""
        spec = self.scenario.insurer
        if batch.message == "lecture":
            self.log.append("attend", day, clicked, arm, -1, batch.channel)
            _raise(state.awareness, clicked, spec.awareness_per_lecture)
            _raise(state.trust, clicked, spec.trust_per_lecture)
            if batch.product < 0:
                return
            clicked = clicked[state.holder[batch.product, clicked] < 0]
        if state.arms.paused[arm]:
            return  # the risk monitor stopped this arm's insurance offers
        clicked, price = self._underwrite(day, arm, batch, clicked, discount)
        self.log.append("quote", day, clicked, arm, batch.product, batch.channel, discount)
        p_take = self.take_up_probability(state, clicked, batch.product, price)
        u = self.streams.uniforms("take_up", day, self.pop.n_users, sub)[clicked]
        take = u < p_take
        # a platform payer covers the discount (of the loaded price): the insurer gets it whole
        covered = price[take] * discount / (1 - discount) if batch.payer == "platform" else 0.0
        self._write_policies(state, day, clicked[take], arm, batch.product, batch.channel,
                             price[take], covered)  # fmt: skip

    def _underwrite(self, day, arm, batch: Contact, users, discount: float):
        """Decline or load quotes whose predicted cost exceeds the allowed loss ratio; returns
        the users still quoted and each one's price as a share of the list premium."""
        risk = self.scenario.insurer.risk
        price = np.full(len(users), 1.0 - discount)
        if risk.underwriting == "none" or len(users) == 0:
            return users, price
        premium = self.products[batch.product].premium_per_year * price
        ratio = self.expected_cost[batch.product, users] / premium / risk.max_expected_loss_ratio
        if risk.underwriting == "decline":
            self.log.append("declined", day, users[ratio > 1], arm, batch.product, batch.channel)
            return users[ratio <= 1], price[ratio <= 1]
        return users, price * np.maximum(ratio, 1.0)

    def write_initial_policies(self, state: WorldState, holders: list[np.ndarray]) -> None:
        """Policies platform users already hold at t=0 (``holders[product]`` lists users)."""
        for product, users in enumerate(holders):
            arms = self.arm[users]
            for arm in np.unique(arms):
                self._write_policies(state, 0, users[arms == arm], int(arm), product, INITIAL, 1.0)

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
        if product >= 0:
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

    def take_up_probability(self, state, users, product: int, price) -> np.ndarray:
        """Logit model: need, awareness, trust and risk aversion raise take-up; a premium that
        is large against income lowers it; a discount (``price`` < 1, the share of the list
        premium asked) raises it and a loading (> 1) lowers it. The product's
        ``take_up_probability`` is that of a user at the scenario's initial trust and the
        default initial awareness of a segment (segments that start more aware take up more)."""
        m = self.scenario.insurer.purchase_model
        initial_trust = self.scenario.insurer.initial_trust
        spec = self.products[product]
        share = spec.premium_per_year * price / (12 * self.pop.income_per_month[users])
        score = (
            logit(spec.take_up_probability)
            + m.need * self.pop.insurance_need[users]
            + m.awareness * (state.awareness[users] - _REFERENCE_AWARENESS)
            + m.trust * (state.trust[users] - initial_trust)
            + m.risk_aversion * self.pop.risk_aversion[users]
            - m.discount * np.log(price)
            - m.affordability * share / m.reference_premium_share_of_income
        )
        return expit(score)

    def _write_policies(self, state, day, buyers, arm, product, channel, price,
                        subsidy=0.0) -> None:  # fmt: skip
        """Policies at ``price`` × list premium; channel `INITIAL` marks those held at t=0 and
        `ORGANIC` those bought without the partnership. ``subsidy`` (a share of the premium)
        is what a platform payer covers of it: the insurer gets the premium before it."""
        if len(buyers) == 0:
            return
        ids = self.n_policies + np.arange(len(buyers))
        self.n_policies += len(buyers)
        state.holder[product, buyers] = ids
        price = np.asarray(price, dtype=float)
        premium = self.products[product].premium_per_year * (price + subsidy)
        self.policies.add(buyers, product, arm, day, premium, initial=channel == INITIAL)
        self.log.append("policy", day, buyers, arm, product, channel, premium, "user", ids)
        if np.any(np.asarray(subsidy) > 0):  # per year, paid by the platform while it runs
            amount = self.products[product].premium_per_year * np.broadcast_to(subsidy, price.shape)
            self.log.append("subsidy", day, buyers, arm, product, channel, amount, "platform", ids)

    def organic_sales(self, state: WorldState, day: int) -> None:
        """Policies bought without the partnership this month: a hazard driven by need,
        awareness, age and income (`organic_take_up_per_year` for an average user)."""
        for product, spec in enumerate(self.products):
            if spec.organic_take_up_per_year == 0:
                continue
            users = np.flatnonzero(state.holder[product] < 0)
            monthly = -np.expm1(np.log1p(-spec.organic_take_up_per_year) / 12)
            score = self._organic_score(state, users, product)
            u = self.streams.uniforms("organic", day, self.pop.n_users, product)[users]
            buyers = users[u < np.minimum(monthly * np.exp(score), 1.0)]
            arms = self.arm[buyers]
            for arm in np.unique(arms):
                self._write_policies(state, day, buyers[arms == arm], int(arm), product,
                                     ORGANIC, 1.0)  # fmt: skip

    def _organic_score(self, state, users, product: int) -> np.ndarray:
        """Log hazard ratio of organic purchase against an average user (population means of
        the traits, fixed before any treatment)."""
        m, pop = self.scenario.insurer.purchase_model, self.pop
        share = self.products[product].premium_per_year / (12 * pop.income_per_month)
        return (
            m.need * (pop.insurance_need[users] - pop.insurance_need.mean())
            + m.awareness * (state.awareness[users] - pop.insurance_awareness.mean())
            + m.age_per_decade * (pop.age_years[users] - pop.age_years.mean()) / 10
            - m.affordability * (share[users] - share.mean()) / m.reference_premium_share_of_income
        )

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
        policies = state.holder[product, users].copy()
        self.log.append("claim_policy", day, users, arms, product, amount=policies, ref=ids)
        report_day = np.ceil(day + delay)
        batch = ClaimBatch(product, ids, users, amounts, policies)
        return [(float(d - day), _subset(batch, report_day == d)) for d in np.unique(report_day)]

    def report(self, day: float, batch: ClaimBatch) -> list[tuple[float, ClaimBatch]]:
        """Log reported claims; return (settlement delay, batch) pairs to schedule."""
        arms = self.arm[batch.users]
        self.log.append("claim_reported", day, batch.users, arms, -1, -1, batch.amounts,
                        "insurer", batch.claim_ids)  # fmt: skip
        self.policies.report(batch.policy_ids, batch.amounts)
        spec = self.products[batch.product].settlement_delay_days
        u = self.streams.uniforms("settle_delay", int(day), self.pop.n_users, batch.product)
        settle = np.ceil(lognormal_ppf(u[batch.users], spec))
        return [(float(d), _subset(batch, settle == d)) for d in np.unique(settle)]

    def settle(self, state: WorldState, day: float, batch: ClaimBatch) -> None:
        arms = self.arm[batch.users]
        self.log.append("claim_paid", day, batch.users, arms, -1, -1, batch.amounts,
                        "insurer", batch.claim_ids)  # fmt: skip
        _raise(state.trust, batch.users, self.scenario.insurer.trust_per_settled_claim)

    def lapse(self, state: WorldState, day: int) -> None:
        """Monthly lapse: each policy ends with its product's monthly hazard, less if trusted."""
        for product, spec in enumerate(self.products):
            holders = np.flatnonzero(state.holder[product] >= 0)
            u = self.streams.uniforms("lapse", day, self.pop.n_users, product)[holders]
            hazard = spec.lapse_probability_per_month * (1.5 - state.trust[holders])
            leaving = holders[u < hazard]
            ids = state.holder[product, leaving]
            state.holder[product, leaving] = -1
            self.policies.end(ids, day)
            self.log.append("lapse", day, leaving, self.arm[leaving], product, -1, 0.0, "none", ids)


def _raise(level: np.ndarray, users: np.ndarray, step: float) -> None:
    """Move a 0–1 state (awareness, trust) a share ``step`` of the way to 1."""
    level[users] += step * (1 - level[users])


def lognormal_ppf(u: np.ndarray, spec) -> np.ndarray:
    return spec.median * np.exp(spec.sigma * _norm_ppf(u))


def _norm_ppf(u: np.ndarray) -> np.ndarray:
    return stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12))


def _subset(batch: ClaimBatch, mask: np.ndarray) -> ClaimBatch:
    return ClaimBatch(batch.product, batch.claim_ids[mask], batch.users[mask],
                      batch.amounts[mask], batch.policy_ids[mask])  # fmt: skip
