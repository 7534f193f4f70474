"""CUPED / regression adjustment with pre-period covariates (ANCOVA, HC1 standard errors).

For one control/treatment pair we fit ``y ~ 1 + treated + (X - mean(X))`` by OLS on the units of
those two arms only, so theta (the covariate slopes) is estimated per pair. With one covariate
this is CUPED with the within-arm pooled slope; with several it is the multi-covariate
generalisation. Centring the covariates at the pair's mean makes the intercept the adjusted
control mean and ``intercept + treated`` the adjusted treatment mean, which is what the
relative lift needs. Standard errors are heteroskedasticity-robust (HC1, as Stata's
``robust`` and statsmodels' ``cov_type="HC1"``): under unequal arm variances the classical OLS
SE is wrong even in a randomised experiment. Tests use t with the residual df.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .frequentist import DiffTest, finish_test


@dataclass(frozen=True)
class AdjustedEffect:
    """Regression-adjusted comparison of one pair.

    ``var_mean_*`` and ``cov_means`` describe the adjusted arm means (for Fieller).
    """

    test: DiffTest
    mean_control: float
    mean_treatment: float
    var_mean_control: float
    var_mean_treatment: float
    cov_means: float
    n_covariates: int


def covariate_matrix(frame: pd.DataFrame, covariates: Sequence[str]) -> np.ndarray:
    """Numeric covariates as they are; text, categorical and boolean ones as 0/1 dummies.

    The first level of each categorical is dropped (it would be collinear with the intercept).
    """
    parts = []
    for name in covariates:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            parts.append(column.to_numpy(dtype=float)[:, None])
        else:
            dummies = pd.get_dummies(column.astype("category"), drop_first=True, dtype=float)
            parts.append(dummies.to_numpy())
    if not parts:
        return np.empty((len(frame), 0))
    return np.hstack(parts)


def ols_hc1(y: np.ndarray, x: np.ndarray):
    """OLS with HC1 covariance; broadcasts over leading batch dimensions.

    ``y`` is ``(..., n)``, ``x`` is ``(..., n, k)``. Returns ``(beta, cov, df_resid)``. The
    pseudo-inverse keeps rank-deficient designs (a dummy absent from a segment) usable; the
    rank, not the column count, sets the degrees of freedom.
    """
    xtx_inv = np.linalg.pinv(np.swapaxes(x, -1, -2) @ x)
    beta = xtx_inv @ (np.swapaxes(x, -1, -2) @ y[..., None])
    resid = y - (x @ beta)[..., 0]
    n = x.shape[-2]
    rank = np.linalg.matrix_rank(x)
    meat = np.swapaxes(x, -1, -2) @ (x * resid[..., None] ** 2)
    scale = n / np.maximum(n - rank, 1)
    cov = xtx_inv @ meat @ xtx_inv * np.asarray(scale)[..., None, None]
    return beta[..., 0], cov, n - rank


def regression_adjusted(
    y: np.ndarray, treated: np.ndarray, covariates: np.ndarray, alpha: float = 0.05
) -> AdjustedEffect:
    """Adjusted treatment effect of one pair. ``covariates`` is ``(n, q)``, already numeric."""
    centred = covariates - covariates.mean(axis=0)
    # Constant columns (a category absent from this pair) carry no information; dropping them
    # keeps X'X well conditioned.
    centred = centred[:, centred.std(axis=0) > 0]
    design = np.column_stack([np.ones(len(y)), treated.astype(float), centred])
    beta, cov, df_resid = ols_hc1(y.astype(float), design)
    test = finish_test(beta[1], np.sqrt(cov[1, 1]), df_resid, alpha, "ols_hc1")
    return AdjustedEffect(
        test=test,
        mean_control=float(beta[0]),
        mean_treatment=float(beta[0] + beta[1]),
        var_mean_control=float(cov[0, 0]),
        var_mean_treatment=float(cov[0, 0] + 2 * cov[0, 1] + cov[1, 1]),
        cov_means=float(cov[0, 0] + cov[0, 1]),
        n_covariates=centred.shape[1],
    )


def variance_reduction(se_raw: float, se_adjusted: float) -> float:
    """Share of the effect's variance the covariates removed: ``1 - (se_adj / se_raw)^2``.

    Negative when adjustment made things worse (useless covariates cost degrees of freedom).
    """
    if not np.isfinite(se_raw) or se_raw <= 0:
        return float("nan")
    return float(1.0 - (se_adjusted / se_raw) ** 2)
