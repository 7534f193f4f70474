"""Vectorised course-platform behaviour for one day: visits, slates, choice, purchases,
engagement, insurance awareness, word of mouth, fatigue and churn.

All noise comes from common-random-number uniforms (`RandomStreams.uniforms`), one full-length
array per (draw, day), so the same user makes the same draw in every twin world.
"""

from __future__ import annotations

import numpy as np

from xsim.core.eventlog import EventLog
from xsim.core.rng import RandomStreams
from xsim.schema.scenario import Scenario
from xsim.world.population import CourseCatalogue, Population
from xsim.world.recommending import observed_log
from xsim.world.slates import Slates
from xsim.world.state import WorldState, engagement_decay

_PURCHASE_ENGAGEMENT = 3.0  # a purchase counts as three visits towards stickiness
_BUZZ_HALFLIFE_DAYS = 3.0
_FATIGUE_HALFLIFE_DAYS = 7.0
_MAX_VISIT_PROBABILITY = 0.95


def cold_start_prior(catalogue: CourseCatalogue, streams: RandomStreams) -> np.ndarray:
    """Course scores before any sale: the rating the platform shows (quality), ties broken by
    a random jitter far below any rating difference, drawn once from the seed tree."""
    jitter = streams.generator("estimators", 7).random(catalogue.n_courses)
    return catalogue.quality + 1e-9 * jitter


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
        self.slates = Slates(cold_start_prior(catalogue, streams), self.spec.slate_size,
                             scenario.recommender.exploration_share)  # fmt: skip
        self.observed = observed_log(scenario, population.n_users, catalogue.n_courses, arm)
        regular = ~catalogue.partner
        self.topic_courses = [
            np.flatnonzero(regular & (catalogue.topic == t))
            for t in range(len(catalogue.topic_names))
        ]
        self.favourite_topic = np.argmax(population.taste @ catalogue.topic_centroids.T, axis=1)
        literacy = [catalogue.topic_names.index(t) for t in self.spec.literacy_topics]
        self.is_literacy_course = np.isin(catalogue.topic, literacy)
        self.decay = engagement_decay(self.spec.engagement_halflife_days)
        self.log_visits = scenario.outputs.log_visits

    def step(self, state: WorldState, day: int) -> np.ndarray:
        """Simulate day ``day`` for all users; return the day's visitors."""
        self._decay(state)
        self.observed.pre = day < self.warmup_days
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
        state.visited_today[:] = False
        state.visited_today[visitors] = True
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
        arms = self.arm[visitors]
        explore = self.streams.uniforms("explore", day, self.pop.n_users)[visitors]
        slate = self.slates.top_k(visitors, arms, state, explore)
        item = np.maximum(slate, 0)  # -1 marks an empty slot; it gets zero probability below
        cut = state.arms.course_discount[arms[:, None], item]
        utility = self._utility(visitors, item, self.cat.price[item] * (1 - cut))
        utility = np.where(slate >= 0, utility, -np.inf)
        utility = np.concatenate(
            [np.full((len(visitors), 1), self.spec.no_purchase_utility), utility], axis=1
        )
        utility -= utility.max(axis=1, keepdims=True)
        prob = np.exp(utility)
        cdf = np.cumsum(prob, axis=1) / prob.sum(axis=1, keepdims=True)
        self._browse(visitors, slate, prob[:, 1:], day)
        searchers, opened = self._search(state, visitors, day)
        u = self.streams.uniforms("choice", day, self.pop.n_users)[visitors]
        choice = (u[:, None] > cdf[:, :-1]).sum(axis=1)  # 0 = no purchase
        rows = np.flatnonzero(choice > 0)
        buyers, items = visitors[rows], slate[rows, choice[rows] - 1]
        more, found = self._search_purchases(state, searchers, opened, buyers, day)
        return np.concatenate([buyers, more]), np.concatenate([items, found])

    def _search_purchases(self, state, searchers, opened, slate_buyers, day: int):
        """A searcher who bought nothing from the slate may buy the course they opened: a
        binary logit of its utility (at the arm's price) against not buying. Courses sell
        beyond the slates, so a recommender's blind spots are not the market's."""
        u = self.streams.uniforms("search_buy", day, self.pop.n_users)[searchers]
        keep = ~np.isin(searchers, slate_buyers)
        users, items, u = searchers[keep], opened[keep], u[keep]
        cut = state.arms.course_discount[self.arm[users], items]
        utility = self._utility(users, items[:, None], (self.cat.price[items] * (1 - cut))[:, None])
        buy = u < 1 / (1 + np.exp(self.spec.no_purchase_utility - utility[:, 0]))
        return users[buy], items[buy]

    def _browse(self, visitors, slate, weight, day: int) -> None:
        """Each visitor opens one shown course (logit weights among the slate): the platform's
        behaviour signal, observed whether or not anything is bought."""
        cdf = np.cumsum(weight, axis=1)
        total = cdf[:, -1:]
        cdf = cdf / np.where(total > 0, total, 1.0)
        u = self.streams.uniforms("browse", day, self.pop.n_users)[visitors]
        pick = np.minimum((u[:, None] > cdf).sum(axis=1), slate.shape[1] - 1)
        items = slate[np.arange(len(visitors)), pick]
        seen = (items >= 0) & (total[:, 0] > 0)
        self.observed.add_views(visitors[seen], items[seen])

    def _search(self, state: WorldState, visitors: np.ndarray, day: int):
        """Some visitors also search their favourite topic and open a course they like (logit
        over that topic's visible courses they do not own): the signal recommenders get from
        beyond their own slates. Returns (searchers who opened a course, the course)."""
        u = self.streams.uniforms("search", day, self.pop.n_users)[visitors]
        share = self.spec.search_share_of_visits
        searchers, u = visitors[u < share], u[u < share] / share  # u/share is U(0,1) again
        topics = self.favourite_topic[searchers]
        opened = np.full(len(searchers), -1, np.int64)
        for topic, courses in enumerate(self.topic_courses):
            rows = np.flatnonzero(topics == topic)
            if len(rows) and len(courses):
                opened[rows] = self._search_topic(state, searchers[rows], courses, u[rows])
        found = opened >= 0
        return searchers[found], opened[found]

    def _search_topic(self, state, users, courses, u) -> None:
        utility = self.pop.taste[users] @ self.cat.vector[courses].T * self.spec.taste_weight
        utility += self.cat.quality[courses]
        price = (self.spec.price_weight_per_100 / 100) * self.cat.price[courses].astype(np.float32)
        utility -= self.pop.price_sensitivity[users, None] * price
        utility -= utility.max(axis=1, keepdims=True)
        weight = np.exp(utility, out=utility)
        weight[
            state.owned.rows(users)[:, courses]
            | ~state.arms.course_visible[self.arm[users]][:, courses]
        ] = 0
        cdf = np.cumsum(weight, axis=1, out=weight)
        found = cdf[:, -1] > 0
        pick = np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), len(courses) - 1)
        self.observed.add_views(users[found], courses[pick[found]])
        return np.where(found, courses[pick], -1)

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
        cut = _within_budget(state, arms, list_price * state.arms.course_discount[arms, items],
                             state.arms.course_discount[arms, items])  # fmt: skip
        paid = list_price * (1 - cut)
        self.log.append("purchase", day, buyers, arms, items, amount=paid, payer="user")
        self.observed.add_purchases(buyers, items, paid)
        discounted = cut > 0
        for arm in np.unique(arms[discounted]):
            sel = discounted & (arms == arm)
            cost = (list_price * cut)[sel]
            payer = state.arms.payer[arm]
            self.log.append("discount", day, buyers[sel], arm, items[sel], amount=cost, payer=payer)
            state.arms.spent[arm] += cost.sum()
        state.owned.add(buyers, items)
        state.engagement[buyers] += _PURCHASE_ENGAGEMENT
        state.last_purchase_day[buyers] = day
        state.purchased_today_item[buyers] = items
        state.course_purchases[buyers] += 1
        literacy = buyers[self.is_literacy_course[items]]
        state.literacy_purchases[literacy] += 1
        aware = state.awareness[literacy]
        state.awareness[literacy] = aware + self.spec.awareness_per_literacy_purchase * (1 - aware)

    def _word_of_mouth(self, state: WorldState, buyers: np.ndarray, day: int) -> None:
        u = self.streams.uniforms("share", day, self.pop.n_users)[buyers]
        boost = state.arms.share_boost[self.arm[buyers]]
        sharers = buyers[u < np.minimum(self.pop.social_activity[buyers] * boost, 1.0)]
        state.shared_today[:] = False
        if len(sharers) == 0:
            return
        state.shared_today[sharers] = True
        arms = self.arm[sharers]
        self.log.append("share", day, sharers, arms)
        self._pay_rewards(state, sharers, arms, day)
        # friends are symmetric: each sharer's row lists whom the word reaches
        reached = self.pop.friends[sharers]
        np.add.at(state.buzz, reached.indices, reached.data)

    def _pay_rewards(self, state: WorldState, sharers, arms, day: int) -> None:
        reward = state.arms.share_reward[arms]
        for arm in np.unique(arms[reward > 0]):
            sel = arms == arm
            amount = state.arms.share_reward[arm]
            sel[sel] = state.arms.affordable(arm, np.full(int(sel.sum()), amount))
            self.log.append(
                "reward", day, sharers[sel], arm, amount=amount, payer=state.arms.payer[arm]
            )
            state.arms.spent[arm] += amount * sel.sum()

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


def _within_budget(state, arms: np.ndarray, cost: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """The price cuts each arm's remaining budget still pays for (in purchase order); buyers
    past it pay the list price: a budget is a hard limit, also for discounts."""
    cut = cut.copy()
    for arm in np.unique(arms[cut > 0]):
        sel = np.flatnonzero((arms == arm) & (cut > 0))
        cut[sel[~state.arms.affordable(int(arm), cost[sel])]] = 0.0
    return cut
