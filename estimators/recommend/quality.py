"""Ranking quality of slates: precision@k, NDCG@k, catalogue coverage.

`top_items` is always an (n_rows × k) integer array of item ids, best first, -1 for an empty
slot (as `top_k` returns). Relevance and gains come per row, aligned with `top_items`:
a boolean / 0-1 matrix (dense or scipy.sparse, n_rows × n_items). In the simulation the truth
is the users' true utilities; `relevant_top_n` and `utility_gains` turn them into relevance
sets or graded gains. Exclude what a user already owns by zeroing those entries first.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from xsim.core.errors import InputError


def _rows(matrix, top_items: np.ndarray, name: str) -> np.ndarray:
    """matrix[r, top_items[r, j]] as an (n_rows × k) float array; 0 for -1 slots."""
    top = np.asarray(top_items)
    if top.ndim != 2:
        raise InputError(f"top_items: must be 2-D (rows × k), got {top.ndim} dims")
    if matrix.shape[0] != top.shape[0]:
        raise InputError(f"{name}: has {matrix.shape[0]} rows, top_items has {top.shape[0]}")
    if top.size and top.max() >= matrix.shape[1]:
        raise InputError(f"top_items: item id {top.max()} >= {name} columns {matrix.shape[1]}")
    rows = np.repeat(np.arange(top.shape[0]), top.shape[1])
    cols = np.where(top >= 0, top, 0).ravel()
    vals = matrix[rows, cols]
    vals = np.asarray(vals.todense() if sp.issparse(vals) else vals, dtype=float).reshape(top.shape)
    return np.where(top >= 0, vals, 0.0)


def _as_matrix(values, name: str):
    if sp.issparse(values):
        return sp.csr_matrix(values, dtype=float)
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 2:
        raise InputError(f"{name}: must be a 2-D (rows × items) matrix")
    return arr


def _row_mask(matrix, skip_empty: bool) -> np.ndarray:
    counts = np.asarray((matrix != 0).sum(axis=1)).ravel()
    return counts > 0 if skip_empty else np.ones(len(counts), dtype=bool)


def precision_at_k(top_items: np.ndarray, relevant, skip_empty: bool = True) -> float:
    """Mean over rows of (relevant items among the k slots) / k.

    `relevant`: n_rows × n_items, nonzero = relevant. Rows without any relevant item are left
    out when `skip_empty` (the usual convention for held-out test sets).
    """
    rel = _as_matrix(relevant, "relevant")
    hits = _rows(rel, top_items, "relevant") != 0
    keep = _row_mask(rel, skip_empty)
    if not keep.any():
        return float("nan")
    return float(hits[keep].sum(axis=1).mean() / np.shape(top_items)[1])


def ndcg_at_k(top_items: np.ndarray, gains, skip_empty: bool = True) -> float:
    """Mean over rows of DCG@k / ideal DCG@k, DCG = Σ_j gain[item_j] / log2(j + 2).

    `gains`: n_rows × n_items, >= 0 — binary relevance, or graded gains such as
    `utility_gains(true_utility)`. The ideal ranking is the k largest gains of the row.
    """
    g = _as_matrix(gains, "gains")
    data = g.data if sp.issparse(g) else g
    if data.size and data.min() < 0:
        raise InputError("gains: must be >= 0 (turn utilities into gains with utility_gains)")
    k = np.shape(top_items)[1]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = _rows(g, top_items, "gains") @ discount
    ideal = _top_gains(g, k) @ discount
    keep = _row_mask(g, skip_empty) & (ideal > 0)
    if not keep.any():
        return float("nan")
    return float(np.mean(dcg[keep] / ideal[keep]))


def _top_gains(g, k: int) -> np.ndarray:
    """Each row's k largest gains, descending (n_rows × k)."""
    if sp.issparse(g):
        out = np.zeros((g.shape[0], k))
        lengths = np.diff(g.indptr)
        rows = np.repeat(np.arange(g.shape[0]), lengths)
        order = np.lexsort((-g.data, rows))  # by row, then gain descending
        rank = np.arange(len(order)) - np.repeat(g.indptr[:-1], lengths)
        keep = rank < k
        out[rows[order][keep], rank[keep]] = g.data[order][keep]
        return out
    kk = min(k, g.shape[1])
    top = -np.sort(-np.partition(g, g.shape[1] - kk, axis=1)[:, g.shape[1] - kk :], axis=1)
    return np.hstack([top, np.zeros((g.shape[0], k - kk))])


def catalogue_coverage(top_items: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in at least one slate."""
    top = np.asarray(top_items)
    shown = np.unique(top[top >= 0])
    return float(len(shown) / n_items)


def relevant_top_n(true_utility: np.ndarray, n: int, exclude=None) -> np.ndarray:
    """Boolean matrix marking each row's n highest-utility items (ignoring `exclude`d ones).

    `exclude` (n_rows × n_items, nonzero = excluded, e.g. owned items) is never relevant.
    """
    u = np.array(true_utility, dtype=float)
    if exclude is not None:
        u[np.asarray(exclude.todense() if sp.issparse(exclude) else exclude) != 0] = -np.inf
    n = min(n, u.shape[1])
    idx = np.argpartition(-u, n - 1, axis=1)[:, :n]
    out = np.zeros(u.shape, dtype=bool)
    np.put_along_axis(out, idx, True, axis=1)
    return out & np.isfinite(u)


def utility_gains(true_utility: np.ndarray, temperature: float = 1.0, exclude=None) -> np.ndarray:
    """Graded gains exp((u − row max) / temperature) in (0, 1]: multinomial-logit choice weights.

    With logit choice the gain of an item is proportional to its chance of being bought, so
    NDCG on these gains measures how much purchase probability the slate captures.
    `exclude`d entries (e.g. owned items) get gain 0.
    """
    u = np.array(true_utility, dtype=float)
    if exclude is not None:
        u[np.asarray(exclude.todense() if sp.issparse(exclude) else exclude) != 0] = -np.inf
    top = np.max(u, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.exp((u - top) / temperature)
