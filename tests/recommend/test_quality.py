"""Ranking metrics on hand-computed examples."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from xsim.core.errors import InputError
from xsim.estimators.recommend import (
    catalogue_coverage,
    ndcg_at_k,
    precision_at_k,
    relevant_top_n,
    utility_gains,
)

TOP = np.array([[0, 1, 2], [3, -1, -1]])
RELEVANT = np.array([[1, 0, 1, 0, 1], [0, 0, 0, 1, 0]], dtype=bool)


def test_precision_counts_hits_over_k_and_pads_as_misses():
    assert precision_at_k(TOP, RELEVANT) == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert precision_at_k(TOP, sp.csr_matrix(RELEVANT)) == pytest.approx(0.5)


def test_rows_without_relevant_items_are_skipped_unless_asked():
    relevant = RELEVANT.copy()
    relevant[1] = False
    assert precision_at_k(TOP, relevant) == pytest.approx(2 / 3)
    assert precision_at_k(TOP, relevant, skip_empty=False) == pytest.approx(1 / 3)


def test_ndcg_binary_and_graded():
    d = 1 / np.log2([2, 3, 4])
    first = (d[0] + d[2]) / (d[0] + d[1] + d[2])
    assert ndcg_at_k(TOP, RELEVANT) == pytest.approx((first + 1.0) / 2)
    gains = np.array([[0.0, 1.0, 3.0, 0.0, 0.0]])
    want = (1 * d[1] + 3 * d[2]) / (3 * d[0] + 1 * d[1])
    assert ndcg_at_k(TOP[:1], gains) == pytest.approx(want)
    assert ndcg_at_k(TOP[:1], sp.csr_matrix(gains)) == pytest.approx(want)
    assert ndcg_at_k(np.array([[2, 1, 0]]), gains) == pytest.approx(1.0)


def test_ndcg_rejects_negative_gains():
    with pytest.raises(InputError, match="gains"):
        ndcg_at_k(TOP[:1], np.array([[-1.0, 0, 0, 0, 0]]))


def test_coverage():
    assert catalogue_coverage(TOP, 8) == pytest.approx(4 / 8)


def test_utility_helpers_exclude_owned():
    utility = np.array([[3.0, 2.0, 1.0, 0.0]])
    owned = sp.csr_matrix(np.array([[1, 0, 0, 0]], dtype=bool))
    np.testing.assert_array_equal(relevant_top_n(utility, 2, exclude=owned), [[0, 1, 1, 0]])
    gains = utility_gains(utility, exclude=owned)
    np.testing.assert_allclose(gains, [[0.0, 1.0, np.exp(-1), np.exp(-2)]])


def test_shape_mismatch_is_an_input_error():
    with pytest.raises(InputError, match="relevant"):
        precision_at_k(TOP, RELEVANT[:1])
