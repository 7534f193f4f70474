"""Vectorised course-platform behaviour for one day: visits, slates, choice, purchases,
engagement, insurance awareness, word of mouth, fatigue and churn.

All noise comes from common-random-number uniforms (`RandomStreams.uniforms`), one full-length
array per (draw, day), so the same user makes the same draw in every twin world.
"""

from __future__ import annotations

import numpy as np

from xsim.eventlog import EventLog
from xsim.population import CourseCatalogue, Population
from xsim.rng import RandomStreams
from xsim.scenario import Scenario
from xsim.state import WorldState, engagement_decay

_PURCHASE_ENGAGEMENT = 3.0  # a purchase counts as three visits towards stickiness
_BUZZ_HALFLIFE_DAYS = 3.0
_FATIGUE_HALFLIFE_DAYS = 7.0
_MAX_VISIT_PROBABILITY = 0.95


class PopularitySlates:
    """Slates from recent purchase counts: the same ranking for everyone, owned courses skipped.

    ``retrain`` is called by the engine's retraining process with the purchase counts the
    platform observed over its window.
    """

    def __init__(self, n_courses: int, slate_size: int):
        self.slate_size = slate_size
        self.ranking = np.arange(n_courses)

    def retrain(self, purchase_counts: np.ndarray) -> None:
        self.ranking = np.argsort(-purchase_counts, kind="stable")

    def top_k(self, users: np.ndarray, owned) -> np.ndarray:
        k = self.slate_size
        candidates = self.ranking[: min(len(self.ranking), 3 * k + 16)]
        is_owned = owned.contains(users[:, None], candidates[None, :])
        order = np.argsort(is_owned, axis=1, kind="stable")[:, :k]
        return candidates[order]


class Platform:
    """Applies one day of platform behaviour to a `WorldState` and logs what happened."""

    def __init__(
        self,
        scenario: Scenario,
        population: Population,
        catalogue: CourseCatalogue,
        arm: np.ndarray,
        streams: RandomStreams,
        log: EventLog,
    ):
        self.spec = scenario.platform
        self.warmup_days = scenario.experiment.warmup_days
        self.pop, self.cat, self.arm, self.streams, self.log = (
            population, catalogue, arm, streams, log,
        )  # fmt: skip
        self.slates = PopularitySlates(catalogue.n_courses, self.spec.slate_size)
        literacy = [catalogue.topic_names.index(t) for t in self.spec.literacy_topics]
        self.is_literacy_course = np.isin(catalogue.topic, literacy)
        self.decay = engagement_decay(self.spec.engagement_halflife_days)
        self.log_visits = scenario.outputs.log_visits

    def step(self, state: WorldState, day: int) -> np.ndarray:
        """Simulate day ``day`` for all users; return the day's visitors."""
        self._decay(state)
        visitors = self._visitors(state, day)
        buyers, items = self._choose(state, visitors, day)
        self._after_purchase(state, buyers, items, day)
        self._word_of_mouth(state, buyers, day)
        self._churn(state, day)
        return visitors

    def _decay(self, state: WorldState) -> None:
        state.engagement *= self.decay
        state.fatigue *= 0.5 ** (1 / _FATIGUE_HALFLIFE_DAYS)
        state.buzz *= 0.5 ** (1 / _BUZZ_HALFLIFE_DAYS)
        state.purchased_today_item[:] = -1

    def _visitors(self, state: WorldState, day: int) -> np.ndarray:
        s = self.spec
        p = (
            self.pop.visit_probability_per_day
            * (1 + s.engagement_visit_effect * state.engagement)
            * (1 + s.word_of_mouth_visit_effect * state.buzz)
            * np.exp(-s.fatigue_visit_effect * state.fatigue)
        )
        u = self.streams.uniforms("visit", day, len(p))
        visitors = np.flatnonzero(state.active & (u < np.minimum(p, _MAX_VISIT_PROBABILITY)))
        state.engagement[visitors] += 1.0
        state.last_visit_day[visitors] = day
        counter = state.visits_pre if day < self.warmup_days else state.visits
        counter[visitors] += 1
        if self.log_visits:
            self.log.append("visit", day, visitors, self.arm[visitors])
        return visitors

    def _choose(self, state: WorldState, visitors: np.ndarray, day: int):
        """Multinomial logit over the slate plus a no-purchase option, with position bias."""
        if len(visitors) == 0:
            return visitors, visitors
        slate = self.slates.top_k(visitors, state.owned)
        price = self.cat.price[slate] * (
            1 - state.course_discount[self.arm[visitors][:, None], slate]
        )
        utility = self._utility(visitors, slate, price)
        utility = np.concatenate(
            [np.full((len(visitors), 1), self.spec.no_purchase_utility), utility], axis=1
        )
        utility -= utility.max(axis=1, keepdims=True)
        prob = np.exp(utility)
        cdf = np.cumsum(prob, axis=1) / prob.sum(axis=1, keepdims=True)
        u = self.streams.uniforms("choice", day, self.pop.n_users)[visitors]
        choice = (u[:, None] > cdf[:, :-1]).sum(axis=1)  # 0 = no purchase
        bought = choice > 0
        rows = np.flatnonzero(bought)
        items = slate[rows, choice[rows] - 1]
        owned = state.owned.contains(visitors[rows], items)  # rare: slate fell back to owned
        rows, items = rows[~owned], items[~owned]
        return visitors[rows], items

    def _utility(self, users: np.ndarray, slate: np.ndarray, price: np.ndarray) -> np.ndarray:
        s = self.spec
        taste = np.einsum("ud,ukd->uk", self.pop.taste[users], self.cat.vector[slate])
        position = s.position_bias_per_slot * np.arange(slate.shape[1])
        price_term = s.price_weight_per_100 * self.pop.price_sensitivity[users, None] * price / 100
        return s.taste_weight * taste + self.cat.quality[slate] - price_term - position

    def _after_purchase(self, state, buyers, items, day) -> None:
        if len(buyers) == 0:
            return
        arms = self.arm[buyers]
        list_price = self.cat.price[items]
        cut = state.course_discount[arms, items]
        self.log.append(
            "purchase", day, buyers, arms, items, amount=list_price * (1 - cut), payer="user"
        )
        discounted = cut > 0
        for arm in np.unique(arms[discounted]):
            sel = discounted & (arms == arm)
            payer = state.course_discount_payer[arm]
            self.log.append("discount", day, buyers[sel], arm, items[sel],
                            amount=(list_price * cut)[sel], payer=payer)  # fmt: skip
        state.owned.add(buyers, items)
        state.engagement[buyers] += _PURCHASE_ENGAGEMENT
        state.last_purchase_day[buyers] = day
        state.purchased_today_item[buyers] = items
        literacy = buyers[self.is_literacy_course[items]]
        aware = state.awareness[literacy]
        state.awareness[literacy] = aware + self.spec.awareness_per_literacy_purchase * (1 - aware)

    def _word_of_mouth(self, state: WorldState, buyers: np.ndarray, day: int) -> None:
        u = self.streams.uniforms("share", day, self.pop.n_users)[buyers]
        sharers = buyers[u < self.pop.social_activity[buyers]]
        if len(sharers) == 0:
            return
        self.log.append("share", day, sharers, self.arm[sharers])
        shared = np.zeros(self.pop.n_users, np.float32)
        shared[sharers] = 1.0
        state.buzz += self.pop.friends @ shared

    def _churn(self, state: WorldState, day: int) -> None:
        s = self.spec
        idle_days = day - state.last_visit_day
        hazard = (
            s.churn_probability_per_day
            * np.exp(s.churn_fatigue_effect * state.fatigue)
            * (1 + idle_days / s.churn_inactivity_scale_days)
        )
        u = self.streams.uniforms("churn", day, self.pop.n_users)
        churned = np.flatnonzero(state.active & (u < hazard))
        state.active[churned] = False
        self.log.append("churn", day, churned, self.arm[churned])
