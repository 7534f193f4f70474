"""Top-k slates from a score matrix: vectorised, chunked, owned items excluded.

Every fitted recommender inherits `top_k` from `Ranker`: it only has to provide
`scores(users, items=None)`, `n_users`, `n_items` and `owned` (CSR bool or None).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from xsim.core.errors import InputError

#: users scored per block in `top_k`; 4096 × 300 float64 scores ≈ 10 MB.
CHUNK_USERS = 4096


def as_index(values, n: int, name: str) -> np.ndarray:
    """Validate an index array (users or items) against range [0, n); returns int64."""
    idx = np.asarray(values)
    if idx.ndim != 1:
        idx = idx.reshape(-1)
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise InputError(f"{name}: must be integer indices, got dtype {idx.dtype}")
    idx = idx.astype(np.int64, copy=False)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise InputError(f"{name}: indices must be in [0, {n}), got [{idx.min()}, {idx.max()}]")
    return idx


def top_k_from_scores(
    scores: np.ndarray, k: int, exclude: sp.csr_matrix | np.ndarray | None = None
) -> np.ndarray:
    """Best k columns per row of `scores` (modified in place), best first.

    `exclude` (CSR or dense bool, same shape) marks columns a row may not get. Rows with
    fewer than k allowed columns are padded with -1. Ties are broken towards the lower item id.
    """
    m, n = scores.shape
    scores[np.isnan(scores)] = -np.inf
    if isinstance(exclude, np.ndarray):
        scores[exclude] = -np.inf
    elif exclude is not None and exclude.nnz:
        rows = np.repeat(np.arange(m), np.diff(exclude.indptr))
        scores[rows, exclude.indices] = -np.inf
    kk = min(k, n)
    cand = _best_columns(scores, kk) if kk < n else np.broadcast_to(np.arange(n), (m, n))
    vals = np.take_along_axis(scores, cand, axis=1)
    order = np.lexsort((cand, -vals), axis=1)
    top = np.take_along_axis(cand, order, axis=1)
    top = np.where(np.take_along_axis(vals, order, axis=1) == -np.inf, -1, top)
    if kk < k:
        top = np.hstack([top, np.full((m, k - kk), -1, dtype=top.dtype)])
    return top.astype(np.int64, copy=False)


def _best_columns(scores: np.ndarray, kk: int) -> np.ndarray:
    """The kk best columns of each row in id order, ties at the cut going to lower ids
    (argpartition alone would pick tied columns arbitrarily)."""
    negated = -scores
    kth = np.partition(negated, kk - 1, axis=1)[:, kk - 1 : kk]
    better = negated < kth
    tied = negated == kth
    room = kk - better.sum(axis=1, keepdims=True)
    keep = better | (tied & (np.cumsum(tied, axis=1) <= room))
    return np.nonzero(keep)[1].reshape(len(scores), kk)


class Ranker:
    """Mixin: `top_k` on top of a subclass's `scores`, in blocks of `CHUNK_USERS` users."""

    n_users: int
    n_items: int
    owned: sp.csr_matrix | None

    def scores(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def top_k(
        self,
        users: np.ndarray,
        k: int,
        exclude_owned: bool = True,
        owned=None,
    ) -> np.ndarray:
        """len(users) × k item ids, best first; -1 pads rows with fewer than k candidates.

        With `exclude_owned`, items the user owns are never returned: by default the
        ownership seen at fit time, or `owned` when given — the engine passes its current
        ownership, which moves between retrainings: an (n_users × n_items) sparse bool matrix,
        or any object with ``contains(users, items) -> bool`` broadcasting like numpy (the
        engine's owned-course bitset).
        """
        users = as_index(users, self.n_users, "users")
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise InputError(f"k: must be an integer >= 1, got {k!r}")
        excl = self._exclusion(owned) if exclude_owned else None
        out = np.empty((len(users), int(k)), dtype=np.int64)
        items = np.arange(self.n_items)
        for start in range(0, len(users), CHUNK_USERS):
            block = users[start : start + CHUNK_USERS]
            scores = np.array(self.scores(block), dtype=float)
            if excl is None:
                rows = None
            elif sp.issparse(excl):
                rows = excl[block]
            else:
                rows = np.asarray(excl.contains(block[:, None], items[None, :]), dtype=bool)
            out[start : start + len(block)] = top_k_from_scores(scores, int(k), rows)
        return out

    def _exclusion(self, owned):
        mat = self.owned if owned is None else owned
        if mat is None or (hasattr(mat, "contains") and not sp.issparse(mat)):
            return mat
        if not sp.issparse(mat) or mat.shape != (self.n_users, self.n_items):
            shape = getattr(mat, "shape", None)
            raise InputError(
                f"owned: must be a sparse ({self.n_users}, {self.n_items}) matrix or have "
                f"contains(users, items), got {type(mat).__name__} of shape {shape}"
            )
        return sp.csr_matrix(mat, dtype=bool)
