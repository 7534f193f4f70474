"""Course slates: the recommender's scores turned into what each visitor sees.

Per visitor: the k best-scoring courses the user may see (not owned, visible in the user's
arm), the arm's pinned course first, and the last slot given up where an insurance slot is
reserved (item -1 marks an empty slot). Until a recommender has been trained, every course
scores the same and ties go to the lower course id.
"""

from __future__ import annotations

import numpy as np

from xsim.estimators.recommend import FittedPopularity, top_k_from_scores
from xsim.world.state import WorldState

_CHUNK_USERS = 4096  # visitors scored per block: 4096 × courses float64


class Slates:
    """Holds the current fitted recommender(s): one for everyone (``None`` key) when pooled,
    or one per arm code when each arm learns only from its own users."""

    def __init__(self, n_courses: int, slate_size: int):
        self.n_courses, self.slate_size = n_courses, slate_size
        self.models: dict[int | None, object] = {}

    def top_k(self, users: np.ndarray, arms: np.ndarray, state: WorldState) -> np.ndarray:
        slate = np.empty((len(users), self.slate_size), np.int64)
        for start in range(0, len(users), _CHUNK_USERS):
            block = slice(start, start + _CHUNK_USERS)
            slate[block] = self._block(users[block], arms[block], state)
        slate = self._pin(slate, users, arms, state)
        slate[state.slot_reserved[users], self.slate_size - 1] = -1
        return slate

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
        """Scores of every course for ``users`` from the model that serves their arm."""
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
