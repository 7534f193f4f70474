"""The SimPy calendar of one world: a handful of processes over arrays, never one per user.

Processes and their place within a day (time is in days; fractions order same-day work):

    +0.0  daily tick      platform behaviour for all users; new claims occur
    +0.5  campaigns       one process per arm runs its strategy on its own schedule
    +0.6  retraining      the recommender is refitted every ``retrain_every_days``
    +0.7  claim batches   reporting and settlement, one event per batch of claims
    +0.8  insurer cycle   monthly lapses; risk monitor and risk-model refits
    +0.9  snapshot        daily per-arm counters; weekly contact caps reset

Everything the analysis reads goes into the event log, the state too: daily per-arm counters,
the risk monitor's rows and, at the horizon, each user's final state (`xsim.core.eventlog`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import simpy

from xsim.core.eventlog import MONITOR_FIELDS, EventLog
from xsim.core.protocols import Offers, WorldView, read_only
from xsim.world.inputs import WorldInputs
from xsim.world.insurer import ClaimBatch, Insurer
from xsim.world.platform import Platform
from xsim.world.recommending import observable_features, slate_quality
from xsim.world.risk import cohort_status, refit_costs
from xsim.world.state import ArmSettings, WorldState

CAMPAIGN, RETRAIN, CLAIMS, INSURER, SNAPSHOT = 0.5, 0.6, 0.7, 0.8, 0.9
_DAYS_PER_MONTH = 30


@dataclass
class WorldResult:
    """What a finished world hands back besides its event log, which holds everything the
    metrics read: the recommender's quality at each retraining, measured against the users'
    latent tastes (an evaluation of the model inside the world, not an outcome of the
    experiment)."""

    recommender: list[dict]


@dataclass
class _ArmLevers:
    """The `ArmLevers` an offer effect gets: one arm's settings, the users' slot reservations,
    and spending booked to the arm's payer on the decision's day."""

    arm: int
    settings: ArmSettings
    slot_reserved: np.ndarray
    user_arm: np.ndarray
    log: EventLog
    day: int
    payer: str
    share: float  # the arm's share of the users: 1 in a twin world

    def spend(self, kind: str, amount: float) -> None:
        """Book a roll-out amount (a launch fee, a lecture) at the arm's share of the users:
        what the strategy costs per user when launched to everyone, in the experiment and in
        the twin worlds alike (DESIGN §3a, the roll-out estimand)."""
        amount *= self.share
        self.log.append(kind, self.day, -1, self.arm, amount=amount, payer=self.payer)
        self.settings.spent[self.arm] += amount


class Engine:
    """Runs one world: ``arm`` gives each user's arm code (a twin world passes one code for
    all). Reads the scenario, writes only to its `WorldState` and the `EventLog`."""

    def __init__(self, inputs: WorldInputs, arm: np.ndarray, log: EventLog,
                 progress: Callable[[int], None] | None = None):  # fmt: skip
        scenario, population, catalogue = inputs.scenario, inputs.population, inputs.catalogue
        self.scenario, self.pop, self.cat, self.arm = scenario, population, catalogue, arm
        self.streams, self.log, self.progress = inputs.streams, log, progress
        self.inputs = inputs
        self.initial_holders = inputs.initial_holders
        streams = inputs.streams
        self.state = WorldState.initial(scenario, population, catalogue)
        # roll-out estimand: absolute amounts (budgets, fixed costs) scale with the arm's share
        self.share = np.bincount(arm, minlength=len(scenario.arms)) / max(len(arm), 1)
        for code, spec in enumerate(scenario.arms.values()):
            if spec.strategy.budget is not None:
                self.state.arms.budget[code] = spec.strategy.budget * self.share[code]
        self.platform = Platform(scenario, population, catalogue, arm, streams, log)
        self.insurer = Insurer(scenario, population, arm, streams, log)
        # the engine's own copy: refits change it, twin worlds must not see that
        self.expected_claim_cost = self.insurer.expected_cost
        self.expected_claim_cost[:] = inputs.expected_claim_cost
        self._partner_cache: tuple = (None, None, None)
        self.horizon = scenario.horizon_days
        self.env = simpy.Environment()
        self.features = observable_features(population, catalogue)
        self.recommender_history: list[dict] = []

    def run(self) -> WorldResult:
        env = self.env
        self.insurer.write_initial_policies(self.state, self.initial_holders)
        env.process(self._daily())
        for arm_code, arm in enumerate(self.scenario.arms.values()):
            if arm.strategy.kind != "none" and np.any(self.arm == arm_code):
                env.process(self._campaign(arm_code, arm.strategy))
        env.process(self._retraining())
        env.process(self._insurer_cycle())
        env.process(self._risk_monitor())
        if self.scenario.insurer.risk.refit_every_days:
            env.process(self._risk_refit())
        env.run(until=self.horizon)
        self._final_state()
        self.log.flush()
        return WorldResult(self.recommender_history)

    # --- processes ----------------------------------------------------------------------
    def _daily(self):
        for day in range(self.horizon):
            visitors = self.platform.step(self.state, day)
            for delay, batch in self.insurer.occur_claims(self.state, day):
                self._after(delay + CLAIMS, self._report, batch)
            yield self.env.timeout(SNAPSHOT)
            self._snapshot(day, visitors)
            if (day + 1) % 7 == 0:
                self.state.week_contacts[:] = 0
            if self.progress:
                self.progress(day + 1)
            yield self.env.timeout(1 - SNAPSHOT)

    def _campaign(self, arm_code: int, strategy):
        warmup = self.scenario.experiment.warmup_days
        yield self.env.timeout(warmup + strategy.start_day + CAMPAIGN)
        users = np.flatnonzero(self.arm == arm_code)
        end = warmup + (strategy.end_day if strategy.end_day is not None else self.horizon)
        call = 0
        while self.env.now < min(end, self.horizon) and self._budget_left(arm_code, strategy) > 0:
            day = int(self.env.now)
            rng = self.streams.generator("strategies", arm_code, call)
            view = self.view(day, users, arm_code, strategy)
            self._apply(day, arm_code, strategy, strategy.decide(view, rng))
            call += 1
            yield self.env.timeout(strategy.every_days)
        self.state.arms.reset(arm_code, self.cat)

    def _retraining(self):
        every = self.scenario.recommender.retrain_every_days
        yield self.env.timeout(RETRAIN)
        for round_no in itertools.count():

            def rng_for(key: int, round_no=round_no):
                return self.streams.generator("estimators", 0, round_no, key)

            models = self.platform.observed.models(
                self.scenario, self.pop.friends, self.features, self.arm, rng_for
            )
            if models:  # nothing to learn from on day 0
                self.platform.slates.models = models
            if models and self.scenario.outputs.recommender_quality_users:
                self.recommender_history.append(slate_quality(
                    self.scenario, self.pop, self.cat, self.platform.slates, self.state,
                    self.arm, int(self.env.now),
                ))  # fmt: skip
            yield self.env.timeout(every)

    def _insurer_cycle(self):
        yield self.env.timeout(_DAYS_PER_MONTH + INSURER)
        while True:
            self.insurer.lapse(self.state, int(self.env.now))
            self.insurer.organic_sales(self.state, int(self.env.now))
            yield self.env.timeout(_DAYS_PER_MONTH)

    def _risk_monitor(self):
        monitor = self.scenario.insurer.risk.monitor
        yield self.env.timeout(self.scenario.experiment.warmup_days + monitor.every_days + INSURER)
        while True:
            self._check_cohorts(int(self.env.now), monitor)
            yield self.env.timeout(monitor.every_days)

    def _check_cohorts(self, day: int, monitor) -> None:
        """Project each arm's acquired-cohort loss ratio; alert (and pause) above the guardrail."""
        status = cohort_status(self.scenario, self.insurer.policies.table(),
                               self.expected_claim_cost, day)  # fmt: skip
        for code, row in enumerate(status.to_dict("records")):
            alert = row["policies"] >= monitor.min_policies and (
                row["projected_loss_ratio"] > monitor.guardrail_loss_ratio
            )
            values = [float(row[name]) for name in MONITOR_FIELDS[:-1]] + [float(alert)]
            fields = np.arange(len(MONITOR_FIELDS))
            self.log.append("monitor", day, np.full(len(fields), -1), code, fields, amount=values)
            if alert:
                self.log.append("risk_alert", day, -1, code, amount=row["projected_loss_ratio"])
            if alert and monitor.auto_pause and not self.state.arms.paused[code]:
                self.state.arms.paused[code] = True
                self.log.append("pause", day, -1, code, amount=row["projected_loss_ratio"])

    def _risk_refit(self):
        every = self.scenario.insurer.risk.refit_every_days
        yield self.env.timeout(self.scenario.experiment.warmup_days + every + INSURER)
        while True:
            costs = refit_costs(
                self.scenario, self.inputs.book, self.pop, self.insurer.policies.table(),
                self._platform_features(), int(self.env.now),
            )  # fmt: skip
            if costs is not None:
                self.expected_claim_cost[:] = costs
            yield self.env.timeout(every)

    # --- helpers ------------------------------------------------------------------------
    def _partner_data(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Cross-partner data for strategies (the insurer's cost scores, the platform's interest
        score), NaN for users who did not consent to sharing, so no strategy can rank or target
        them by the other partner's data. Computed once a day, shared by every strategy."""
        if self._partner_cache[0] != day:
            consent = self.pop.consent_data_sharing
            costs = np.where(consent, self.expected_claim_cost, np.nan)
            interest = np.where(consent, _percentile(self.state.engagement), np.nan)
            self._partner_cache = (day, read_only(costs), read_only(interest))
        return self._partner_cache[1:]

    def _platform_features(self) -> dict[str, np.ndarray]:
        """What the platform knows of each user (shared only where the user consented)."""
        s = self.state
        return {"literacy_purchases": s.literacy_purchases, "course_purchases": s.course_purchases,
                "engagement": s.engagement}  # fmt: skip

    def _after(self, delay: float, action: Callable[[ClaimBatch], None], batch: ClaimBatch):
        """Schedule ``action(batch)`` as one SimPy event ``delay`` days from now."""
        event = self.env.timeout(delay)
        event.callbacks.append(lambda _event: action(batch))

    def _report(self, batch: ClaimBatch) -> None:
        for delay, due in self.insurer.report(self.env.now, batch):
            self._after(delay, self._settle, due)

    def _settle(self, batch: ClaimBatch) -> None:
        self.insurer.settle(self.state, self.env.now, batch)

    def _apply(self, day: int, arm: int, strategy, offers: Offers) -> None:
        """Record who pays, apply the decision's effects to the arm, deliver the contacts the
        remaining budget affords."""
        self.state.arms.payer[arm] = strategy.payer
        levers = _ArmLevers(arm, self.state.arms, self.state.slot_reserved, read_only(self.arm),
                            self.log, day, strategy.payer, self.share[arm])  # fmt: skip
        for effect in offers.effects:
            effect.apply(levers)
        if len(offers):
            self.insurer.deliver(self.state, day, arm, self._affordable(arm, strategy, offers))

    def _budget_left(self, arm: int, strategy) -> float:
        return self.state.arms.left(arm)

    def _affordable(self, arm: int, strategy, offers: Offers) -> Offers:
        """Keep the strategy's first contacts up to its remaining budget (order = priority)."""
        cost = np.array([c.cost_per_send for c in self.scenario.channels.values()])[offers.channel]
        within = self.state.arms.affordable(arm, cost)
        if within.all():
            return offers
        return replace(offers, users=offers.users[within], product=offers.product[within],
                       channel=offers.channel[within], discount=offers.discount[within],
                       message=offers.message[within])  # fmt: skip

    def view(self, day: int, arm_users: np.ndarray, arm: int, strategy) -> WorldView:
        """What ``strategy`` (serving arm ``arm``, users ``arm_users``) may see on ``day``."""
        s, scenario, pop = self.state, self.scenario, self.pop
        return WorldView(
            day=day,
            experiment_day=day - scenario.experiment.warmup_days,
            n_users=pop.n_users,
            arm_users=read_only(arm_users),
            active=read_only(s.active),
            consent_data_sharing=read_only(pop.consent_data_sharing),
            segment=read_only(pop.segment),
            engagement=read_only(s.engagement),
            last_purchase_day=read_only(s.last_purchase_day),
            purchased_today_item=read_only(s.purchased_today_item),
            holds_product=read_only(s.holder >= 0),
            course_topic=read_only(self.cat.topic),
            course_price=read_only(self.cat.price),
            visited_today=read_only(s.visited_today),
            shared_today=read_only(s.shared_today),
            friends=pop.friends,
            partner_data=lambda: self._partner_data(day),
            partner_course=self.cat.partner_of_arm.get(arm, -1),
            budget_left=self._budget_left(arm, strategy),
            products=tuple(scenario.insurer.products),
            channels=tuple(scenario.channels),
            topics=self.cat.topic_names,
            segments=pop.segment_names,
            premium_per_year=tuple(p.premium_per_year for p in scenario.insurer.products.values()),
            cost_per_send=tuple(c.cost_per_send for c in scenario.channels.values()),
        )

    def _snapshot(self, day: int, visitors: np.ndarray) -> None:
        """Log the day's counters of each arm with users (`SNAPSHOT_FIELDS`, in that order)."""
        n_arms = len(self.scenario.arms)
        visits = np.bincount(self.arm[visitors], minlength=n_arms)
        active = np.bincount(self.arm, weights=self.state.active, minlength=n_arms)
        engagement = np.bincount(self.arm, weights=self.state.engagement, minlength=n_arms)
        insured = np.bincount(
            self.arm, weights=(self.state.holder >= 0).any(axis=0), minlength=n_arms
        )
        users = np.bincount(self.arm, minlength=n_arms)
        arms = np.flatnonzero(users > 0)
        counters = np.column_stack(
            [active, visits, engagement / np.maximum(users, 1), insured]
        )[arms]  # fmt: skip
        self.log.append("snapshot", day, np.full(counters.size, -1),
                        np.repeat(arms, counters.shape[1]),
                        np.tile(np.arange(counters.shape[1]), len(arms)),
                        amount=counters.ravel())  # fmt: skip

    def _final_state(self) -> None:
        """At the horizon: each user's visits, activity and engagement, and the awareness and
        trust of those whose values moved from their start (encoding in `xsim.core.eventlog`)."""
        s, day, users = self.state, float(self.horizon), np.arange(self.pop.n_users)
        self.log.append("final_state", day, users, self.arm, s.visits, s.active,
                        amount=s.engagement, ref=s.visits_pre)  # fmt: skip
        moved = np.flatnonzero(s.awareness != self.pop.insurance_awareness)
        self.log.append("final_awareness", day, moved, self.arm[moved], amount=s.awareness[moved])
        start = np.float32(self.scenario.insurer.initial_trust)
        moved = np.flatnonzero(s.trust != start)
        self.log.append("final_trust", day, moved, self.arm[moved], amount=s.trust[moved])


def _percentile(values: np.ndarray) -> np.ndarray:
    """Rank of each value in [0, 1] (ties share the lower rank)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks / max(len(values) - 1, 1)
