"""Biased matrix factorisation for explicit ratings (Funk/Koren SVD, as in Surprise's `SVD`).

    r̂(u, i) = μ + b_u + b_i + p_u · q_i,   minimise Σ (r − r̂)² + reg·(b_u² + b_i² + |p_u|² + |q_i|²)

Trained by stochastic gradient descent with Surprise's defaults (100 factors, 20 epochs,
lr 0.005, reg 0.02, factors initialised N(0, 0.1²), biases 0). To stay fast in numpy, each epoch
visits the ratings in a random order in mini-batches of `batch_size`: one vectorised update per
batch, gradients of a user's (item's) ratings in a batch summed as the sequential loop would.
On MovieLens fold u1 a plain per-rating Python loop gives RMSE 0.954 in 11 s, this 0.949–0.954
(depending on the seed) in ~1 s.
The fitted model is a `FactorModel`, the class the SVD recommender returns.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from xsim.core.errors import InputError

from .factors import FactorModel


class BiasedMFSpec(BaseModel):
    """Hyper-parameters of the biased MF rating model (defaults = Surprise's SVD)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    n_factors: int = Field(100, ge=1)
    n_epochs: int = Field(20, ge=1)
    lr: float = Field(0.005, gt=0, description="SGD learning rate")
    reg: float = Field(0.02, ge=0, description="L2 penalty on biases and factors")
    init_std: float = Field(0.1, ge=0)
    batch_size: int = Field(1024, ge=1, description="ratings per vectorised SGD step")


def _scatter_add(target: np.ndarray, index: np.ndarray, rows: np.ndarray) -> None:
    """target[index[j]] += rows[j] for all j, repeated indices summed (sparse matmul)."""
    n = len(index)
    onehot = sp.csr_matrix((np.ones(n, rows.dtype), (index, np.arange(n))), (len(target), n))
    target += onehot @ rows


def _check_ratings(users, items, ratings, n_users, n_items) -> tuple[np.ndarray, ...]:
    users, items = np.asarray(users, np.int64), np.asarray(items, np.int64)
    ratings = np.asarray(ratings, dtype=np.float32)
    problems = []
    if not (len(users) == len(items) == len(ratings)) or len(users) == 0:
        problems.append("ratings: users, items and ratings must be non-empty, same length")
    elif users.min() < 0 or users.max() >= n_users or items.min() < 0 or items.max() >= n_items:
        problems.append("ratings: user or item index out of range")
    elif not np.all(np.isfinite(ratings)):
        problems.append("ratings: contains NaN or infinite values")
    if problems:
        raise InputError(problems)
    return users, items, ratings


def _epoch(params: dict, users, items, ratings, spec: BiasedMFSpec, rng) -> None:
    lr, reg = np.float32(spec.lr), np.float32(spec.reg)
    bu, bi, p, q = params["bu"], params["bi"], params["p"], params["q"]
    order = rng.permutation(len(ratings))
    for start in range(0, len(order), spec.batch_size):
        b = order[start : start + spec.batch_size]
        u, i = users[b], items[b]
        pu, qi = p[u], q[i]
        err = ratings[b] - (params["mu"] + bu[u] + bi[i] + np.einsum("ij,ij->i", pu, qi))
        bu += np.bincount(u, lr * (err - reg * bu[u]), minlength=len(bu)).astype(np.float32)
        bi += np.bincount(i, lr * (err - reg * bi[i]), minlength=len(bi)).astype(np.float32)
        step = (lr * err)[:, None]
        grad_p = qi * step
        grad_p -= (lr * reg) * pu
        grad_q = pu * step
        grad_q -= (lr * reg) * qi
        _scatter_add(p, u, grad_p)
        _scatter_add(q, i, grad_q)


def fit_biased_mf(
    users: np.ndarray,
    items: np.ndarray,
    ratings: np.ndarray,
    n_users: int,
    n_items: int,
    spec: BiasedMFSpec,
    rng: np.random.Generator,
    rating_range: tuple[float, float] | None = None,
) -> FactorModel:
    """Fit r̂ = μ + b_u + b_i + p_u·q_i on (users[j], items[j], ratings[j]) triples.

    `rating_range` (e.g. (1, 5)) clips `predict`, as Surprise does. Computed in float32.
    """
    users, items, ratings = _check_ratings(users, items, ratings, n_users, n_items)
    f = spec.n_factors
    params = {
        "mu": np.float32(ratings.mean()),
        "bu": np.zeros(n_users, np.float32),
        "bi": np.zeros(n_items, np.float32),
        "p": rng.normal(0.0, spec.init_std, (n_users, f)).astype(np.float32),
        "q": rng.normal(0.0, spec.init_std, (n_items, f)).astype(np.float32),
    }
    for _ in range(spec.n_epochs):
        _epoch(params, users, items, ratings, spec, rng)
    owned = sp.csr_matrix(
        (np.ones(len(users), bool), (users, items)), shape=(n_users, n_items), dtype=bool
    )
    return FactorModel(
        user_factors=params["p"],
        item_factors=params["q"],
        global_mean=float(params["mu"]),
        user_bias=params["bu"],
        item_bias=params["bi"],
        owned=owned,
        rating_range=rating_range,
    )


def rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Root mean squared error."""
    diff = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    return float(np.sqrt(np.mean(diff**2)))
