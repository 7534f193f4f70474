"""Retraining the platform's recommender on what the platform observed, and judging it.

The platform sees views (the course each visitor browsed), purchases with amounts, and the
social graph; never tastes. Pooled retraining learns from every arm at once (so a treatment
arm's behaviour leaks into the control arm's slates); per-arm retraining learns each arm's
model from that arm's users only. After each retraining the slates of a fixed sample of users
are scored against their *true* utilities: precision@k, NDCG@k and catalogue coverage.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from xsim.estimators.recommend import (
    Features,
    Interactions,
    catalogue_coverage,
    event_matrix,
    ndcg_at_k,
    popularity_from_counts,
    precision_at_k,
    relevant_top_n,
    utility_gains,
)
from xsim.schema.scenario import Scenario
from xsim.world.population import CourseCatalogue, Population
from xsim.world.state import OwnedCourses

QUALITY_K = 10


class ObservedLog:
    """What the platform has seen so far, as cumulative sparse user × course matrices."""

    def __init__(self, n_users: int, n_courses: int):
        self.shape = (n_users, n_courses)
        self.pre = True  # set by the platform each day; the full matrices keep every period
        empty = sp.csr_matrix(self.shape)
        self.views, self.purchases, self.amounts = empty, empty, empty
        self._buffer: dict[str, list[np.ndarray]] = {"u": [], "i": [], "bu": [], "bi": [], "ba": []}

    def add_views(self, users: np.ndarray, items: np.ndarray) -> None:
        self._buffer["u"].append(users)
        self._buffer["i"].append(items)

    def add_purchases(self, users: np.ndarray, items: np.ndarray, amounts: np.ndarray) -> None:
        self._buffer["bu"].append(users)
        self._buffer["bi"].append(items)
        self._buffer["ba"].append(amounts)

    def models(self, scenario, social, features, arms, rng_for) -> dict:
        """Fold the buffered events into the matrices and fit the scenario's recommender."""
        b, (n, c) = self._buffer, self.shape
        if b["u"]:
            self.views = self.views + event_matrix(
                np.concatenate(b["u"]), np.concatenate(b["i"]), n, c
            )
        if b["bu"]:
            users, items = np.concatenate(b["bu"]), np.concatenate(b["bi"])
            self.purchases = self.purchases + event_matrix(users, items, n, c)
            self.amounts = self.amounts + event_matrix(users, items, n, c, np.concatenate(b["ba"]))
        for values in b.values():
            values.clear()
        if not (self.views.nnz or self.purchases.nnz):
            return {}  # nothing to learn from yet (day 0)
        data = Interactions(n_users=n, n_items=c, views=self.views, purchases=self.purchases,
                            amounts=self.amounts, social=social)  # fmt: skip
        return fit_models(scenario, data, features, arms, rng_for)


class CountLog:
    """Per-arm counts of distinct viewers and buyers per course: all a popularity ranking
    needs, in O(courses) memory plus one bit per (user, course) seen — never a user × course
    matrix, so popularity scales to millions of users.

    Counts of the warm-up (``pre`` true) are kept apart from the experiment's: a per-arm model
    starts from everyone's warm-up counts and adds only its own arm's experiment counts, scaled
    up by the arm's share so both weigh as the whole population would. Arms then diverge only
    through what happened after treatment began."""

    def __init__(self, spec, n_users: int, n_courses: int, arm: np.ndarray, n_arms: int):
        self.spec, self.arm, self.n_users = spec, arm, n_users
        self.viewed = OwnedCourses(n_users, n_courses)
        # [period, arm, course]: period 0 is the warm-up, 1 the experiment
        self.view_counts = np.zeros((2, n_arms, n_courses))
        self.buyer_counts = np.zeros((2, n_arms, n_courses))
        self.share = np.bincount(arm, minlength=n_arms) / max(len(arm), 1)
        self.pre = True

    def add_views(self, users: np.ndarray, items: np.ndarray) -> None:
        pairs = np.unique(users.astype(np.int64) * self.view_counts.shape[2] + items)
        users, items = np.divmod(pairs, self.view_counts.shape[2])
        first = ~self.viewed.contains(users, items)
        self.viewed.add(users[first], items[first])
        np.add.at(self.view_counts[self._period], (self.arm[users[first]], items[first]), 1)

    def add_purchases(self, users: np.ndarray, items: np.ndarray, amounts: np.ndarray) -> None:
        # nobody buys a course twice
        np.add.at(self.buyer_counts[self._period], (self.arm[users], items), 1)

    @property
    def _period(self) -> int:
        return 0 if self.pre else 1

    def models(self, scenario, social, features, arms, rng_for) -> dict:
        if not (self.view_counts.any() or self.buyer_counts.any()):
            return {}
        if scenario.recommender.pooling == "pooled":
            views, buyers = self.view_counts.sum(axis=(0, 1)), self.buyer_counts.sum(axis=(0, 1))
            return {None: popularity_from_counts(self.spec, buyers, views, self.n_users)}
        return {int(code): self._arm_model(int(code)) for code in np.unique(arms)}

    def _arm_model(self, code: int):
        share = max(self.share[code], 1e-12)
        views = self.view_counts[0].sum(axis=0) + self.view_counts[1, code] / share
        buyers = self.buyer_counts[0].sum(axis=0) + self.buyer_counts[1, code] / share
        return popularity_from_counts(self.spec, buyers, views, self.n_users)


def observed_log(scenario: Scenario, n_users: int, n_courses: int, arm: np.ndarray):
    """The compact counts for a purchase-ranked popularity model, the full matrices otherwise."""
    spec = scenario.recommender
    if spec.kind == "popularity" and spec.signal == "purchases":
        return CountLog(spec, n_users, n_courses, arm, len(scenario.arms))
    return ObservedLog(n_users, n_courses)


def observable_features(population: Population, catalogue: CourseCatalogue) -> Features:
    """What the platform knows of users (demographics, segment) and courses (topic, price,
    rating) — the inputs of the regression recommender and of cold starts."""
    segments = np.eye(len(population.segment_names))[population.segment]
    users = np.column_stack([population.age_years / 10, np.log(population.income_per_month),
                             population.city_tier, segments])  # fmt: skip
    topics = np.eye(len(catalogue.topic_names))[catalogue.topic]
    items = np.column_stack([np.log(catalogue.price), catalogue.quality, topics])
    return Features(users=users, items=items)


def fit_models(scenario: Scenario, data: Interactions, features: Features, arms: np.ndarray,
               rng_for) -> dict:  # fmt: skip
    """One model for everyone (key None) or one per arm, as the scenario asks."""
    spec = scenario.recommender
    if spec.pooling == "pooled":
        return {None: spec.fit(data, features, rng_for(len(scenario.arms)))}
    return {
        code: spec.fit(data.only_users(np.flatnonzero(arms == code)), features, rng_for(code))
        for code in range(len(scenario.arms))
        if np.any(arms == code)
    }


def quality_sample(n_users: int, size: int) -> np.ndarray:
    """A fixed, evenly spread sample of users whose slates are judged after each retraining."""
    return np.unique(np.linspace(0, n_users - 1, min(size, n_users)).astype(int))


def slate_quality(scenario, population, catalogue, slates, state, arms, day: int) -> dict:
    """Top-10 of the current model(s) for the sample, against the sample's true utilities."""
    users = quality_sample(population.n_users, scenario.outputs.recommender_quality_users)
    regular = np.flatnonzero(~catalogue.partner)
    owned = state.owned.rows(users)[:, regular]
    utility = true_utility(scenario, population, catalogue, users)[:, regular]
    scores = slates.scores(users, arms[users])[:, regular]
    scores[owned] = -np.inf
    k = min(QUALITY_K, len(regular))
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    relevant = relevant_top_n(utility, k, exclude=owned)
    return {
        "day": day,
        "kind": scenario.recommender.kind,
        "pooling": scenario.recommender.pooling,
        f"precision_at_{k}": precision_at_k(top, relevant),
        f"ndcg_at_{k}": ndcg_at_k(top, utility_gains(utility, exclude=owned)),
        "coverage": catalogue_coverage(top, len(regular)),
    }


def true_utility(scenario, population, catalogue, users: np.ndarray) -> np.ndarray:
    """The simulation's utility of each course for ``users`` at list price (no position)."""
    s = scenario.platform
    taste = population.taste[users] @ catalogue.vector.T
    price = (
        s.price_weight_per_100 * population.price_sensitivity[users, None] * catalogue.price / 100
    )
    return s.taste_weight * taste + catalogue.quality[None, :] - price
