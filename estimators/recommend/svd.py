"""Multi-view SVD recommender: truncated SVD of a weighted combination of user×item views.

    X = w_b·B + w_p·P + w_a·A + w_s·S,     X ≈ U·diag(s)·Vᵀ,     θ = U·diag(s) = X·V

B: behaviour (views/visits), P: purchases, A: amounts spent, S: social — the share of a user's
neighbours who bought each item. Each view is first transformed (implicit-feedback weighting:
binary, log1p or raw counts) and scaled so its nonzero entries average 1, so the weights compare
views, not units. Scores are the rank-r reconstruction θ·Vᵀ; θ (`user_profiles`) is the user
profile that strategies and risk models may use as features.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.sparse.linalg import svds

from xsim.core.errors import InputError

from .base import RecommenderSpecBase
from .factors import FactorModel
from .interactions import Features, Interactions


class ViewWeights(BaseModel):
    """Relative weight of each view in the combined matrix (all >= 0, at least one > 0)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    behaviour: float = Field(1.0, ge=0, description="item views / visits")
    purchases: float = Field(1.0, ge=0, description="purchase counts")
    amounts: float = Field(0.0, ge=0, description="money spent per user and item")
    social: float = Field(0.0, ge=0, description="share of neighbours who bought the item")

    @model_validator(mode="after")
    def _some_weight(self) -> ViewWeights:
        if not any(getattr(self, f) > 0 for f in type(self).model_fields):
            raise ValueError("at least one view weight must be > 0")
        return self


class SVDSpec(RecommenderSpecBase):
    """Truncated SVD (scipy.sparse.linalg.svds) of the weighted multi-view matrix."""

    kind: Literal["svd"] = "svd"
    rank: int = Field(16, ge=1, description="number of latent factors; < number of courses")
    weights: ViewWeights = Field(default_factory=ViewWeights)
    weighting: Literal["binary", "log", "raw"] = Field(
        "log", description="implicit-feedback transform of counts/amounts: x>0, log1p(x) or x"
    )
    item_damping: float = Field(
        0.0,
        ge=0,
        le=1,
        description="divide item columns by their norm to this power (0: none, 1: all equal); "
        "counters popularity bias and widens catalogue coverage",
    )

    def fit(
        self,
        interactions: Interactions,
        features: Features | None,
        rng: np.random.Generator,
    ) -> FactorModel:
        return fit_svd(self, interactions, rng)


def _transform(mat: sp.csr_matrix, weighting: str) -> sp.csr_matrix:
    out = sp.csr_matrix(mat, dtype=float, copy=True)
    out.eliminate_zeros()
    if weighting == "binary":
        out.data[:] = 1.0
    elif weighting == "log":
        np.log1p(out.data, out=out.data)
    if out.nnz:
        out.data /= out.data.mean()
    return out


def social_view(social: sp.csr_matrix, purchases: sp.csr_matrix) -> sp.csr_matrix:
    """Share of each user's neighbours who bought each item (row-normalised adjacency · P>0)."""
    adj = sp.csr_matrix(social, dtype=float)
    adj.data[:] = 1.0
    degree = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    bought = sp.csr_matrix(purchases > 0, dtype=float)
    return sp.csr_matrix(sp.diags(inv) @ (adj @ bought))


def combined_matrix(spec: SVDSpec, data: Interactions) -> sp.csr_matrix:
    """The weighted sum of the transformed views (n_users × n_items, CSR)."""
    w = spec.weights
    views = [(w.behaviour, data.views), (w.purchases, data.purchases), (w.amounts, data.amounts)]
    total = sp.csr_matrix((data.n_users, data.n_items))
    for weight, mat in views:
        if weight > 0 and mat is not None:
            total = total + weight * _transform(mat, spec.weighting)
    if w.social > 0 and data.social is not None:
        total = total + w.social * _transform(social_view(data.social, data.purchases), "raw")
    if spec.item_damping > 0:
        norms = np.sqrt(np.asarray(total.multiply(total).sum(axis=0)).ravel())
        scale = np.divide(1.0, norms**spec.item_damping, out=np.zeros_like(norms), where=norms > 0)
        total = total @ sp.diags(scale)
    return sp.csr_matrix(total)


def truncated_svd(
    mat: sp.csr_matrix, rank: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-`rank` (U, s, V) of `mat`, s descending, signs fixed (each V column sums >= 0).

    ARPACK's start vector is drawn from `rng`, so a seed gives the same factors every time.
    Computed in float32: ARPACK's time goes into ~100–200 sparse matrix-vector products and
    float32 halves their memory traffic (singular values agree with float64 to ~1e-7).
    Returned as float64.
    An all-zero matrix (nothing observed yet) gives zero factors.
    """
    n_users, n_items = mat.shape
    if mat.nnz == 0:
        return np.zeros((n_users, rank)), np.zeros(rank), np.zeros((n_items, rank))
    v0 = rng.standard_normal(min(mat.shape)).astype(np.float32)
    u, s, vt = svds(sp.csr_matrix(mat, dtype=np.float32), k=rank, v0=v0)
    order = np.argsort(-s, kind="stable")
    u, s, v = u[:, order].astype(float), s[order].astype(float), vt[order].T.astype(float)
    signs = np.where(v.sum(axis=0) < 0, -1.0, 1.0)
    return u * signs, s, v * signs


def fit_svd(spec: SVDSpec, data: Interactions, rng: np.random.Generator) -> FactorModel:
    """Fit the multi-view SVD recommender; `user_profiles` of the result is θ = U·diag(s)."""
    limit = min(data.n_users, data.n_items)
    if spec.rank >= limit:
        raise InputError(
            f"recommender.rank: must be < min(number of users, number of courses) ({limit}), "
            f"got {spec.rank}"
        )
    mat = combined_matrix(spec, data)
    u, s, v = truncated_svd(mat, spec.rank, rng)
    popularity = np.asarray((mat > 0).sum(axis=0), dtype=float).ravel()
    tie_break = 1e-9 * popularity / max(popularity.max(), 1.0)
    return FactorModel(
        user_factors=u * s,
        item_factors=v,
        item_bias=tie_break,
        owned=data.owned_matrix,
        singular_values=s,
    )
