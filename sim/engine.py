"""The SimPy calendar of one world: a handful of processes over arrays, never one per user.

Processes and their place within a day (time is in days; fractions order same-day work):

    +0.0  daily tick      platform behaviour for all users; new claims occur
    +0.5  campaigns       one process per arm runs its strategy on its own schedule
    +0.6  retraining      the recommender is refitted every ``retrain_every_days``
    +0.7  claim batches   reporting and settlement, one event per batch of claims
    +0.8  insurer cycle   monthly lapses
    +0.9  snapshot        daily per-arm counters; weekly contact caps reset
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from xsim.eventlog import EventLog
from xsim.insurer import ClaimBatch, Insurer
from xsim.platform import Platform
from xsim.population import CourseCatalogue, Population
from xsim.protocols import Offers, WorldView, read_only
from xsim.rng import RandomStreams
from xsim.scenario import Scenario
from xsim.state import WorldState

CAMPAIGN, RETRAIN, CLAIMS, INSURER, SNAPSHOT = 0.5, 0.6, 0.7, 0.8, 0.9
_DAYS_PER_MONTH = 30


@dataclass
class WorldResult:
    """What a finished world hands to metrics: final state and daily per-arm snapshots."""

    state: WorldState
    snapshots: list[dict]
    n_policies: int
    n_claims: int


class Engine:
    """Runs one world: ``arm`` gives each user's arm code (a twin world passes one code for
    all). Reads the scenario, writes only to its `WorldState` and the `EventLog`."""

    def __init__(self, scenario: Scenario, population: Population, catalogue: CourseCatalogue,
                 arm: np.ndarray, streams: RandomStreams, log: EventLog,
                 progress: Callable[[int], None] | None = None):  # fmt: skip
        self.scenario, self.pop, self.cat, self.arm = scenario, population, catalogue, arm
        self.streams, self.log, self.progress = streams, log, progress
        self.state = WorldState.initial(scenario, population, catalogue)
        self.platform = Platform(scenario, population, catalogue, arm, streams, log)
        self.insurer = Insurer(scenario, population, arm, streams, log)
        self.horizon = scenario.horizon_days
        self.env = simpy.Environment()
        window = scenario.platform.popularity_window_days
        self.recent_purchases = np.zeros((window, catalogue.n_courses))
        self.snapshots: list[dict] = []

    def run(self) -> WorldResult:
        env = self.env
        env.process(self._daily())
        for arm_code, arm in enumerate(self.scenario.arms.values()):
            if arm.strategy.kind != "none" and np.any(self.arm == arm_code):
                env.process(self._campaign(arm_code, arm.strategy))
        env.process(self._retraining())
        env.process(self._insurer_cycle())
        env.run(until=self.horizon)
        self.log.flush()
        return WorldResult(
            self.state, self.snapshots, self.insurer.n_policies, self.insurer.n_claims
        )

    # --- processes ----------------------------------------------------------------------
    def _daily(self):
        for day in range(self.horizon):
            visitors = self.platform.step(self.state, day)
            self._remember_purchases(day)
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
        while self.env.now < min(end, self.horizon):
            day = int(self.env.now)
            rng = self.streams.generator("strategies", arm_code, call)
            offers = strategy.decide(self._view(day, users), rng)
            self._apply(day, arm_code, offers)
            call += 1
            yield self.env.timeout(strategy.every_days)
        self.state.course_discount[arm_code] = 0.0

    def _retraining(self):
        every = self.scenario.recommender.retrain_every_days
        yield self.env.timeout(RETRAIN)
        while True:
            self.platform.slates.retrain(self.recent_purchases.sum(axis=0))
            yield self.env.timeout(every)

    def _insurer_cycle(self):
        yield self.env.timeout(_DAYS_PER_MONTH + INSURER)
        while True:
            self.insurer.lapse(self.state, int(self.env.now))
            yield self.env.timeout(_DAYS_PER_MONTH)

    # --- helpers ------------------------------------------------------------------------
    def _after(self, delay: float, action: Callable[[ClaimBatch], None], batch: ClaimBatch):
        """Schedule ``action(batch)`` as one SimPy event ``delay`` days from now."""
        event = self.env.timeout(delay)
        event.callbacks.append(lambda _event: action(batch))

    def _report(self, batch: ClaimBatch) -> None:
        for delay, due in self.insurer.report(self.env.now, batch):
            self._after(delay, self._settle, due)

    def _settle(self, batch: ClaimBatch) -> None:
        self.insurer.settle(self.state, self.env.now, batch)

    def _apply(self, day: int, arm_code: int, offers: Offers) -> None:
        if offers.course_discount is not None:
            self.state.course_discount[arm_code] = offers.course_discount
            self.state.course_discount_payer[arm_code] = offers.payer
        if len(offers):
            self.insurer.deliver(self.state, day, arm_code, offers)

    def _remember_purchases(self, day: int) -> None:
        bought = self.state.purchased_today_item
        row = day % len(self.recent_purchases)
        self.recent_purchases[row] = np.bincount(bought[bought >= 0], minlength=self.cat.n_courses)

    def _view(self, day: int, arm_users: np.ndarray) -> WorldView:
        s, scenario = self.state, self.scenario
        return WorldView(
            day=day,
            experiment_day=day - scenario.experiment.warmup_days,
            n_users=self.pop.n_users,
            arm_users=read_only(arm_users),
            active=read_only(s.active),
            consent_data_sharing=read_only(self.pop.consent_data_sharing),
            segment=read_only(self.pop.segment),
            engagement=read_only(s.engagement),
            insurance_awareness=read_only(s.awareness),
            last_purchase_day=read_only(s.last_purchase_day),
            purchased_today_item=read_only(s.purchased_today_item),
            holds_product=read_only(s.holder >= 0),
            course_topic=read_only(self.cat.topic),
            course_price=read_only(self.cat.price),
            products=tuple(scenario.insurer.products),
            channels=tuple(scenario.channels),
            topics=self.cat.topic_names,
        )

    def _snapshot(self, day: int, visitors: np.ndarray) -> None:
        n_arms = len(self.scenario.arms)
        visits = np.bincount(self.arm[visitors], minlength=n_arms)
        active = np.bincount(self.arm, weights=self.state.active, minlength=n_arms)
        engagement = np.bincount(self.arm, weights=self.state.engagement, minlength=n_arms)
        insured = np.bincount(
            self.arm, weights=(self.state.holder >= 0).any(axis=0), minlength=n_arms
        )
        users = np.bincount(self.arm, minlength=n_arms)
        for code in range(n_arms):
            if users[code] == 0:
                continue
            self.snapshots.append({"day": day, "arm": code, "active_users": int(active[code]),
                                   "visits": int(visits[code]),
                                   "mean_engagement": engagement[code] / users[code],
                                   "insured_users": int(insured[code])})  # fmt: skip
