"""Tests that stay valid where the normal approximation does not: Fisher's exact test for two
proportions, and a permutation test of Welch's t for two means.

Both broadcast over a leading batch of data sets, so the calibration tests push thousands of
simulated experiments through the very code `analyze` runs on one.

- Fisher: `scipy.stats.fisher_exact`, called once per distinct 2x2 table (a batch of
  replications holds few distinct tables). Boschloo's test is more powerful on small tables,
  but scipy's version took 41 s on an 18,000 x 15 table, and its two-sided p-value was not
  uniformly below Fisher's on the tables we tried, so Fisher it is.
- Permutation: the statistic is Welch's t (studentised), which makes the test exact under
  exchangeability (an A/A test) and still asymptotically valid for equal means when the arms'
  variances differ (Janssen 1997). The p-value is scipy's: ``2 min(p_less, p_greater)`` with
  the ``+1`` adjustment of Monte-Carlo permutation tests, equal to
  ``scipy.stats.permutation_test(..., alternative="two-sided")``; when every partition fits
  into ``n_resamples`` all are enumerated (the exact test, without the adjustment), as scipy
  does. Ours draws only the membership of the smaller arm (a uniformly random subset is a
  uniformly random permutation as far as the groups go) and reads each resample's Welch t off
  the subset's sum and sum of squares, so an 18,000 vs 15 test costs 15 values per resample
  rather than 18,015 permuted ones.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import sparse, stats

from xsim.core.rng import RandomStreams

N_RESAMPLES = 1999  # Monte-Carlo SE of a p-value near 0.05 is 0.005; size 0.049 at alpha 0.05
PERMUTATION_SEED = 20261123  # fixed, so the same data always give the same p-value
_CHUNK_VALUES = 4_000_000  # work and memory bound per batch of resamples (32 MB of float64)
_TIES = np.finfo(float).eps * 100  # scipy's relative tolerance for "equal" statistics


def fisher_exact_p(k_c, n_c, k_t, n_t) -> np.ndarray:
    """Two-sided Fisher exact p-value of each table (successes and sizes of both arms)."""
    arrays = np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in (k_c, n_c, k_t, n_t)))
    tables = np.stack([a.ravel() for a in arrays], axis=1)
    unique, inverse = np.unique(tables, axis=0, return_inverse=True)
    p = np.array(
        [
            stats.fisher_exact([[kt, kc], [nt - kt, nc - kc]]).pvalue
            for kc, nc, kt, nt in unique.tolist()
        ]
    )
    return p[inverse.ravel()].reshape(arrays[0].shape)


def permutation_welch_p(control, treatment, n_resamples: int = N_RESAMPLES, rng=None):
    """Two-sided permutation p-value of Welch's t, ``treatment - control``, per data set.

    ``control`` is ``(..., n_c)`` and ``treatment`` ``(..., n_t)``; every data set of the batch
    is tested with the same resampled partitions (scipy does the same). ``rng`` defaults to a
    fixed stream, so results are reproducible.
    """
    x_c, x_t = np.asarray(control, dtype=float), np.asarray(treatment, dtype=float)
    batch = np.broadcast_shapes(x_c.shape[:-1], x_t.shape[:-1])
    n_c, n_t = x_c.shape[-1], x_t.shape[-1]
    pooled = np.concatenate(
        [np.broadcast_to(x_c, (*batch, n_c)), np.broadcast_to(x_t, (*batch, n_t))], axis=-1
    ).reshape(-1, n_c + n_t)
    small_is_treatment = n_t <= n_c
    m = min(n_c, n_t)
    pooled = _Pooled(pooled)
    observed = _welch_from_subset(pooled, _observed_subset(n_c, n_t), small_is_treatment)[:, 0]
    exact = math.comb(n_c + n_t, m) <= n_resamples
    counts = np.zeros((2, pooled.n_sets))
    for subsets in _subset_batches(n_c + n_t, m, n_resamples, exact, rng, pooled.n_sets):
        null = _welch_from_subset(pooled, subsets, small_is_treatment)
        tolerance = _TIES * np.abs(observed)[:, None]
        counts[0] += np.count_nonzero(null <= observed[:, None] + tolerance, axis=1)
        counts[1] += np.count_nonzero(null >= observed[:, None] - tolerance, axis=1)
    total = math.comb(n_c + n_t, m) if exact else n_resamples
    adjust = 0 if exact else 1
    p = np.minimum(2.0 * (counts.min(axis=0) + adjust) / (total + adjust), 1.0)
    return _scalar(p.reshape(batch))


def _observed_subset(n_c: int, n_t: int) -> np.ndarray:
    """Indices of the smaller arm in the pooled order (control first)."""
    return np.arange(n_c, n_c + n_t)[None, :] if n_t <= n_c else np.arange(n_c)[None, :]


class _Pooled:
    """Both arms of every data set, centred (t is shift-invariant, and centring keeps sums of
    squares free of cancellation), stored unit-major for the sparse product, with totals."""

    def __init__(self, pooled: np.ndarray) -> None:
        centred = pooled - pooled.mean(axis=1, keepdims=True)
        self.n_sets, self.n_total = centred.shape
        self.values = np.ascontiguousarray(centred.T)
        self.squares = self.values**2
        self.total, self.total_sq = self.values.sum(axis=0), self.squares.sum(axis=0)


def _welch_from_subset(pooled: _Pooled, subsets: np.ndarray, small_is_treatment: bool):
    """Welch's t of every (data set, subset) pair, the subset being the smaller arm.

    ``subsets`` are index rows ``(resamples, m)``. The subset sums are one sparse 0/1 matrix
    product (single-threaded C, so it does not fight other work for the cores as a threaded
    dense product does)."""
    count, m = subsets.shape
    n_total = pooled.n_total
    indicator = sparse.csr_matrix(
        (np.ones(count * m), subsets.ravel(), np.arange(0, count * m + 1, m)),
        shape=(count, n_total),
    )
    s_small, q_small = (indicator @ pooled.values).T, (indicator @ pooled.squares).T
    s_large = pooled.total[:, None] - s_small
    q_large = pooled.total_sq[:, None] - q_small
    n_large = n_total - m
    mean_s, mean_l = s_small / m, s_large / n_large
    var_s = np.maximum(q_small - s_small * mean_s, 0.0) / (m - 1)
    var_l = np.maximum(q_large - s_large * mean_l, 0.0) / (n_large - 1)
    diff = mean_s - mean_l if small_is_treatment else mean_l - mean_s
    se = np.sqrt(var_s / m + var_l / n_large)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    return t


def _subset_batches(n_total: int, m: int, n_resamples: int, exact: bool, rng, n_sets: int):
    """The smaller arm's index sets, in batches that bound memory: the keys of large subsets
    (resamples x n) and the product's output (resamples x data sets)."""
    per_batch = max(1, _CHUNK_VALUES // max(n_total, n_sets))
    if exact:
        combos = itertools.combinations(range(n_total), m)
        while block := list(itertools.islice(combos, per_batch)):
            yield np.array(block, dtype=np.int64)
        return
    rng = rng if rng is not None else RandomStreams(PERMUTATION_SEED).generator("estimators")
    for start in range(0, n_resamples, per_batch):
        yield _random_subsets(rng, n_total, m, min(per_batch, n_resamples - start))


def _random_subsets(rng, n_total: int, m: int, count: int) -> np.ndarray:
    """``count`` uniformly random m-subsets of range(n_total), one per row.

    Small subsets: draw m indices with replacement and redraw any row holding a repeat
    (rejection keeps rows uniform over subsets; when m^2 <= n_total fewer than half the rows
    repeat). Otherwise: the positions of the m smallest of n_total uniform keys per row.
    """
    if m * m > n_total:
        keys = rng.random((count, n_total))
        return np.argpartition(keys, m - 1, axis=1)[:, :m]
    rows = rng.integers(0, n_total, (count, m))
    while True:
        ordered = np.sort(rows, axis=1)
        repeated = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
        if repeated.size == 0:
            return rows
        rows[repeated] = rng.integers(0, n_total, (repeated.size, m))


def _scalar(x):
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x
