"""MovieLens 100K acceptance: biased-MF RMSE over u1–u5 and top-10 SVD vs popularity.

Reads ../shared/data/movielens-100k in place (its terms forbid copying it); skips when absent.
"""

from __future__ import annotations

import numpy as np
import pytest

from xsim.estimators.recommend import BiasedMFSpec, PopularitySpec, SVDSpec
from xsim.estimators.recommend.movielens import official_fold, ranking_scores, rating_rmse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def movielens(shared_data):
    folder = shared_data / "movielens-100k"
    if not (folder / "u.data").is_file():
        pytest.skip(f"{folder} is absent")
    return folder


def test_official_folds_are_rebuilt(movielens):
    train, test = official_fold(movielens, 1)
    assert (len(train), len(test)) == (80_000, 20_000)
    assert train["user"].min() == 0 and train["item"].max() <= 1681


def test_biased_mf_rmse_matches_surprise(movielens):
    errors = rating_rmse(movielens, BiasedMFSpec(), np.random.default_rng(20261123))
    assert len(errors) == 5
    assert 0.92 <= np.mean(errors) <= 0.96, errors


def test_svd_ranks_better_than_popularity(movielens):
    specs = {"popularity": PopularitySpec(), "svd": SVDSpec(rank=16)}
    table = ranking_scores(movielens, specs, np.random.default_rng(20261123), k=10)
    means = table.drop(columns="fold").groupby("model").mean()
    assert means.loc["svd", "precision@10"] > means.loc["popularity", "precision@10"] + 0.05
    assert means.loc["svd", "ndcg@10"] > means.loc["popularity", "ndcg@10"] + 0.05
