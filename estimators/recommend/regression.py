"""Regression recommender: purchase ~ user features × item features (statsmodels).

    η(u, i) = c + xᵤ·βᵤ + zᵢ·βᵢ + xᵤᵀ·B·zᵢ        (x, z standardised with the training moments)

`method="logit"`: logistic regression (statsmodels `Logit`, Newton; redundant columns such as
one-hot topics dropped first) and scores are purchase probabilities; `method="ols"`: the seed's
least-squares linear probability model (statsmodels `WLS`), scores are its predictions.
Training rows are every observed positive plus `negatives_per_positive` random unobserved
(user, item) pairs (case-control sampling, capped at `max_rows`); the logit intercept and the
OLS weights undo the sampling, so scores estimate the probability of the target over the
training window. An item never seen in training is scored from its features alone
(`with_new_items`): the cold start for new co-branded courses.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
import statsmodels.api as sm
from pydantic import Field
from scipy.special import expit
from statsmodels.tools.sm_exceptions import PerfectSeparationError

from xsim.core.errors import InputError

from .base import RecommenderSpecBase
from .interactions import Features, Interactions
from .ranking import Ranker, as_index


class RegressionSpec(RecommenderSpecBase):
    """Logistic (or OLS) regression of purchase on user and item features."""

    kind: Literal["regression"] = "regression"
    method: Literal["logit", "ols"] = Field("logit", description="logit GLM or the seed's OLS")
    target: Literal["purchases", "views"] = "purchases"
    cross_features: bool = Field(True, description="include user×item feature products")
    negatives_per_positive: int = Field(4, ge=1, description="sampled non-events per event")
    max_rows: int = Field(100_000, ge=100, description="cap on training rows (speed)")

    def fit(
        self,
        interactions: Interactions,
        features: Features | None,
        rng: np.random.Generator,
    ) -> FittedRegression:
        return fit_regression(self, interactions, features, rng)


@dataclass(frozen=True, eq=False)
class Standardiser:
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def of(cls, x: np.ndarray) -> Standardiser:
        sd = x.std(axis=0)
        return cls(x.mean(axis=0), np.where(sd > 0, sd, 1.0))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.mean) / self.scale


@dataclass(frozen=True, eq=False)
class FittedRegression(Ranker):
    """Coefficients plus standardised features; scores any (user, item) from features."""

    method: str
    intercept: float
    user_coef: np.ndarray  # p
    item_coef: np.ndarray  # q
    cross_coef: np.ndarray  # p × q
    user_x: np.ndarray  # n_users × p, standardised
    item_z: np.ndarray  # n_items × q, standardised
    item_scaler: Standardiser
    coef_table: pd.DataFrame
    owned: sp.csr_matrix | None = None

    @property
    def n_users(self) -> int:
        return self.user_x.shape[0]

    @property
    def n_items(self) -> int:
        return self.item_z.shape[0]

    def scores(self, users: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        users = as_index(users, self.n_users, "users")
        z = self.item_z if items is None else self.item_z[as_index(items, self.n_items, "items")]
        x = self.user_x[users]
        eta = (x @ self.cross_coef) @ z.T
        eta += (x @ self.user_coef)[:, None] + (z @ self.item_coef)[None, :] + self.intercept
        return expit(eta) if self.method == "logit" else eta

    def with_new_items(self, item_features: np.ndarray) -> FittedRegression:
        """A copy whose catalogue also holds these items (rows of raw item features).

        New item ids continue after the existing ones (n_items, n_items + 1, …).
        """
        new = np.atleast_2d(np.asarray(item_features, dtype=float))
        if new.shape[1] != self.item_z.shape[1] or not np.all(np.isfinite(new)):
            raise InputError(
                f"item_features: need finite rows of {self.item_z.shape[1]} features, "
                f"got shape {new.shape}"
            )
        owned = self.owned
        if owned is not None:
            pad = sp.csr_matrix((self.n_users, len(new)), dtype=bool)
            owned = sp.csr_matrix(sp.hstack([owned, pad]), dtype=bool)
        z = np.vstack([self.item_z, self.item_scaler(new)])
        return replace(self, item_z=z, owned=owned)


def _design(x: np.ndarray, z: np.ndarray, cross: bool) -> np.ndarray:
    cols = [np.ones((len(x), 1)), x, z]
    if cross:
        cols.append((x[:, :, None] * z[:, None, :]).reshape(len(x), -1))
    return np.hstack(cols)


def _names(features: Features, p: int, q: int, cross: bool) -> list[str]:
    users = list(features.user_names or [f"u{j}" for j in range(p)])
    items = list(features.item_names or [f"i{j}" for j in range(q)])
    names = ["const", *(f"user:{n}" for n in users), *(f"item:{n}" for n in items)]
    if cross:
        names += [f"user:{a}×item:{b}" for a in users for b in items]
    return names


def sample_pairs(
    target: sp.csr_matrix, spec: RegressionSpec, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]:
    """(users, items, y, (positive rate, negative rate)) for case-control training rows."""
    n_users, n_items = target.shape
    pos_u, pos_i = target.nonzero()
    n_pos = len(pos_u)
    budget = max(1, spec.max_rows // (1 + spec.negatives_per_positive))
    keep = rng.choice(n_pos, size=budget, replace=False) if n_pos > budget else np.arange(n_pos)
    pos_u, pos_i = pos_u[keep], pos_i[keep]
    n_neg = min(len(keep) * spec.negatives_per_positive, n_users * n_items - n_pos)
    draw = int(n_neg * 1.2) + 10
    neg_u, neg_i = rng.integers(0, n_users, draw), rng.integers(0, n_items, draw)
    free = np.asarray(target[neg_u, neg_i]).ravel() == 0
    neg_u, neg_i = neg_u[free][:n_neg], neg_i[free][:n_neg]
    rate_pos = len(keep) / max(n_pos, 1)
    rate_neg = max(len(neg_u), 1) / max(n_users * n_items - n_pos, 1)
    y = np.r_[np.ones(len(pos_u)), np.zeros(len(neg_u))]
    return np.r_[pos_u, neg_u], np.r_[pos_i, neg_i], y, (rate_pos, rate_neg)


def independent_columns(design: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Indices of a maximal set of linearly independent columns, the constant (0) first.

    Standardised one-hot features (topics) are collinear; dropping the redundant columns keeps
    Newton's method fast and well posed. Dropped coefficients are reported as 0.
    """
    rest = design[:, 1:] - design[:, 1:].mean(axis=0)
    if rest.shape[1] == 0:
        return np.array([0])
    _, r, piv = scipy.linalg.qr(rest.T @ rest, pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > tol * max(diag.max(), 1e-300)).sum()) if diag.max() > 0 else 0
    return np.r_[0, 1 + np.sort(piv[:rank])]


def _estimate(spec: RegressionSpec, design: np.ndarray, y: np.ndarray, rates: tuple):
    """(params, standard errors) with the case-control sampling undone."""
    cols = independent_columns(design)
    params, bse = np.zeros(design.shape[1]), np.full(design.shape[1], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation/convergence: coefficients still usable
        if spec.method == "ols":
            weights = np.where(y == 1, 1.0 / rates[0], 1.0 / rates[1])
            res = sm.WLS(y, design[:, cols], weights=weights).fit(method="qr")
        else:
            try:
                res = sm.Logit(y, design[:, cols], check_rank=False).fit(
                    method="newton", maxiter=50, disp=0
                )
            except (np.linalg.LinAlgError, PerfectSeparationError):
                res = sm.GLM(y, design[:, cols], family=sm.families.Binomial()).fit()
    params[cols], bse[cols] = np.asarray(res.params), np.asarray(res.bse)
    if spec.method == "logit":  # case-control sampling shifts only the intercept
        params[0] -= np.log(rates[0] / rates[1])
    return params, bse


def _check_features(features: Features | None, data: Interactions) -> Features:
    if features is None or features.items is None:
        raise InputError("features.items: the regression recommender needs item features")
    features.check_rows(data.n_users, data.n_items)
    return features


def fit_regression(
    spec: RegressionSpec,
    data: Interactions,
    features: Features | None,
    rng: np.random.Generator,
) -> FittedRegression:
    features = _check_features(features, data)
    users_raw = features.users if features.users is not None else np.zeros((data.n_users, 0))
    x, item_scaler = Standardiser.of(users_raw)(users_raw), Standardiser.of(features.items)
    z = item_scaler(features.items)
    target = sp.csr_matrix(getattr(data, spec.target) > 0, dtype=float)
    u, i, y, rates = sample_pairs(target, spec, rng)
    p, q = x.shape[1], z.shape[1]
    names = _names(features, p, q, spec.cross_features)
    if y.sum() == 0:  # nothing observed yet: a flat model
        params, bse = np.zeros(len(names)), np.full(len(names), np.nan)
    else:
        params, bse = _estimate(spec, _design(x[u], z[i], spec.cross_features), y, rates)
    cross = params[1 + p + q :].reshape(p, q) if spec.cross_features else np.zeros((p, q))
    return FittedRegression(
        method=spec.method,
        intercept=float(params[0]),
        user_coef=params[1 : 1 + p],
        item_coef=params[1 + p : 1 + p + q],
        cross_coef=cross,
        user_x=x,
        item_z=z,
        item_scaler=item_scaler,
        coef_table=pd.DataFrame({"coef": params, "std_err": bse}, index=names),
        owned=data.owned_matrix,
    )
