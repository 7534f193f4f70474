"""Course slates: the recommender's scores turned into what each visitor sees.

Per visitor: the k best-scoring courses the user may see (not owned, visible in the user's
arm), the arm's pinned course first, and the last slot given up where an insurance slot is
reserved (item -1 marks an empty slot). Until a recommender has been trained, courses are
ranked by the ``prior`` (what the platform knows before any sale: the courses' ratings) with
ties broken at random through the seed tree, never by course id. A share of visitors
(``exploration_share``) sees a random course they may buy in the last model slot, so courses the
model has not learnt about yet still sell.
"""

from __future__ import annotations

import numpy as np

from xsim.estimators.recommend import FittedPopularity, top_k_from_scores
from xsim.world.state import WorldState

_CHUNK_USERS = 4096  # visitors scored per block: 4096 × courses float64


class Slates:
    """Holds the current fitted recommender(s): one for everyone (``None`` key) when pooled,
    or one per arm code when each arm learns only from its own users."""

    def __init__(self, prior: np.ndarray, slate_size: int, exploration_share: float = 0.0):
        self.n_courses, self.slate_size = len(prior), slate_size
        self.prior, self.exploration_share = prior, exploration_share
        self.models: dict[int | None, object] = {}

    def top_k(self, users: np.ndarray, arms: np.ndarray, state: WorldState,
              explore_u: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """Slates of ``users``; ``explore_u`` (one U(0,1) per user) decides who explores and
        which course they are shown."""
        slate = np.empty((len(users), self.slate_size), np.int64)
        for start in range(0, len(users), _CHUNK_USERS):
            block = slice(start, start + _CHUNK_USERS)
            slate[block] = self._block(users[block], arms[block], state)
        if explore_u is not None and self.exploration_share > 0:
            self._explore(slate, users, arms, state, explore_u)
        slate = self._pin(slate, users, arms, state)
        slate[state.slot_reserved[users], self.slate_size - 1] = -1
        return slate

    def _explore(self, slate, users, arms, state, u: np.ndarray) -> None:
        """Explorers' last slot becomes a uniformly drawn course (u / share is U(0,1) again)
        when they may see it, do not own it and it is not already on their slate."""
        rows = np.flatnonzero(u < self.exploration_share)
        if not len(rows):
            return
        course = np.minimum((u[rows] / self.exploration_share * self.n_courses).astype(np.int64),
                            self.n_courses - 1)  # fmt: skip
        ok = state.arms.course_visible[arms[rows], course]
        ok &= ~state.owned.contains(users[rows], course)
        ok &= ~(slate[rows] == course[:, None]).any(axis=1)
        slate[rows[ok], -1] = course[ok]

    def _block(self, users: np.ndarray, arms: np.ndarray, state: WorldState) -> np.ndarray:
        shortlist = self._shortlist()
        if shortlist is not None:
            return self._from_shortlist(users, arms, state, shortlist)
        scores = self.scores(users, arms)
        blocked = ~state.arms.course_visible[arms] | state.owned.rows(users)
        return top_k_from_scores(scores, self.slate_size, blocked)

    def _shortlist(self) -> np.ndarray | None:
        """With one popularity model everyone shares a ranking, so only its head matters
        (a user can own or miss only a few of it): the top 3k + 16 courses, best first."""
        model = self.models.get(None)
        if not isinstance(model, FittedPopularity) or len(self.models) != 1:
            return None
        scores = model.scores(np.zeros(1, np.int64))[0]
        return np.argsort(-scores, kind="stable")[: 3 * self.slate_size + 16]

    def _from_shortlist(self, users, arms, state, shortlist: np.ndarray) -> np.ndarray:
        hidden = ~state.arms.course_visible[arms[:, None], shortlist[None, :]]
        blocked = hidden | state.owned.rows(users)[:, shortlist]
        order = np.argsort(blocked, axis=1, kind="stable")[:, : self.slate_size]
        return np.where(np.take_along_axis(blocked, order, 1), -1, shortlist[order])

    def scores(self, users: np.ndarray, arms: np.ndarray) -> np.ndarray:
        """Scores of every course for ``users`` from the model that serves their arm (the
        prior before any model has been trained)."""
        if not self.models:
            return np.tile(self.prior, (len(users), 1))
        scores = np.zeros((len(users), self.n_courses))
        if None in self.models:
            return self.models[None].scores(users).astype(float)
        for arm, model in self.models.items():
            rows = np.flatnonzero(arms == arm)
            if len(rows):
                scores[rows] = model.scores(users[rows])
        return scores

    @staticmethod
    def _pin(slate: np.ndarray, users: np.ndarray, arms: np.ndarray, state) -> np.ndarray:
        pinned = state.arms.pinned_course[arms]
        rows = np.flatnonzero(pinned >= 0)
        rows = rows[~state.owned.contains(users[rows], pinned[rows])]
        if len(rows):
            rest = slate[rows]
            rest = np.where(rest == pinned[rows, None], -1, rest)  # no duplicate of the pin
            keep = np.argsort(rest == -1, axis=1, kind="stable")[:, :-1]
            slate[rows] = np.column_stack([pinned[rows], np.take_along_axis(rest, keep, 1)])
        return slate
