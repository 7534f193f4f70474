"""MovieLens 100K checks: biased-MF rating RMSE and top-k ranking on the official u1–u5 folds.

The data stay in the shared folder (their terms forbid redistribution); these functions only
read them. `uX.base` is rebuilt as "u.data minus uX.test", which the data README verifies is
byte-identical to the official file. Ids become 0-based indices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from xsim.core.errors import InputError

from .base import Recommender
from .interactions import Interactions, event_matrix
from .mf import BiasedMFSpec, fit_biased_mf, rmse
from .quality import catalogue_coverage, ndcg_at_k, precision_at_k

N_USERS, N_ITEMS = 943, 1682
_COLUMNS = ["user", "item", "rating", "timestamp"]


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: MovieLens 100K file not found")
    df = pd.read_csv(path, sep="\t", names=_COLUMNS)
    df["user"] -= 1
    df["item"] -= 1
    return df


def official_fold(folder: Path | str, fold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) of the official fold u1–u5 (0-based user/item indices)."""
    folder = Path(folder)
    ratings = _read(folder / "u.data")
    test = _read(folder / f"u{fold}.test")
    key = ratings["user"] * N_ITEMS + ratings["item"]
    train = ratings[~key.isin(test["user"] * N_ITEMS + test["item"])]
    return train.reset_index(drop=True), test


def rating_rmse(
    folder: Path | str, spec: BiasedMFSpec, rng: np.random.Generator, folds=(1, 2, 3, 4, 5)
) -> list[float]:
    """Test RMSE of the biased MF model on each fold (predictions clipped to [1, 5])."""
    out = []
    for fold in folds:
        train, test = official_fold(folder, fold)
        model = fit_biased_mf(
            train["user"], train["item"], train["rating"], N_USERS, N_ITEMS, spec, rng, (1, 5)
        )
        out.append(rmse(model.predict(test["user"], test["item"]), test["rating"]))
    return out


def implicit_interactions(train: pd.DataFrame) -> Interactions:
    """Ratings as implicit feedback: a rating is a view and a purchase; amount = the rating."""
    users, items = train["user"].to_numpy(), train["item"].to_numpy()
    seen = event_matrix(users, items, N_USERS, N_ITEMS)
    amounts = event_matrix(users, items, N_USERS, N_ITEMS, train["rating"].to_numpy())
    return Interactions(
        n_users=N_USERS, n_items=N_ITEMS, views=seen, purchases=seen, amounts=amounts
    )


def ranking_scores(
    folder: Path | str,
    specs: dict[str, Recommender],
    rng: np.random.Generator,
    k: int = 10,
    folds=(1, 2, 3, 4, 5),
) -> pd.DataFrame:
    """precision@k, NDCG@k, coverage per fold and model; every held-out rating is relevant.

    Slates exclude the user's training items; users without test ratings are skipped.
    """
    rows = []
    for fold in folds:
        train, test = official_fold(folder, fold)
        data = implicit_interactions(train)
        relevant = sp.csr_matrix(event_matrix(test["user"], test["item"], N_USERS, N_ITEMS) > 0)
        users = np.arange(N_USERS)
        for name, spec in specs.items():
            top = spec.fit(data, None, rng).top_k(users, k)
            rows.append(
                {
                    "fold": fold,
                    "model": name,
                    f"precision@{k}": precision_at_k(top, relevant),
                    f"ndcg@{k}": ndcg_at_k(top, relevant),
                    "coverage": catalogue_coverage(top, N_ITEMS),
                }
            )
    return pd.DataFrame(rows)
