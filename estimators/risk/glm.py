"""One GLM fit through statsmodels, kept as a small picklable result.

`fit_glm` wraps `statsmodels.api.GLM`. It fits by Newton steps with the expected information
(Fisher scoring, the same iteration as IRLS) from an intercept-only start, which is several
times faster than statsmodels' least-squares IRLS on a few hundred thousand rows and gives the
same estimates. Design columns that are all zero (a level never seen in the fitted rows) are
dropped and reported. Bad input, naming the columns at fault: any other linear dependence, and
for counts and claim indicators a level without claims (its coefficient would be −∞).

`GLMFit` keeps only what scoring and reporting need (names, coefficients, standard errors,
deviances), not the data, so a fitted risk model is small and can be pickled to workers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.stats
import statsmodels.api as sm

from xsim.core.errors import InputError

INTERCEPT = "Intercept"


@dataclass(frozen=True)
class GLMFit:
    """Coefficients and fit statistics of one GLM; `params` are 0 for dropped columns."""

    title: str
    names: tuple[str, ...]
    params: np.ndarray
    bse: np.ndarray
    dropped: tuple[str, ...]
    nobs: int
    df_resid: float
    deviance: float
    null_deviance: float
    scale: float
    converged: bool
    iterations: int

    def linear_predictor(self, design: np.ndarray) -> np.ndarray:
        """X·β for a design whose columns follow `names`."""
        return design @ self.params

    def table(self) -> pd.DataFrame:
        """Coefficient table: coef, std_err, z, p_value and the 95 % Wald interval."""
        z = self.params / self.bse
        half = scipy.stats.norm.ppf(0.975) * self.bse
        return pd.DataFrame(
            {
                "coef": self.params,
                "std_err": self.bse,
                "z": z,
                "p_value": 2 * scipy.stats.norm.sf(np.abs(z)),
                "ci_low": self.params - half,
                "ci_high": self.params + half,
            },
            index=pd.Index(self.names, name="term"),
        )

    def summary(self) -> str:
        """statsmodels-like text: a header of fit statistics and the coefficient table."""
        head = (
            f"{self.title}\n"
            f"  observations {self.nobs:,}  df resid {self.df_resid:,.0f}  "
            f"deviance {self.deviance:,.4f}  null deviance {self.null_deviance:,.4f}\n"
            f"  dispersion {self.scale:.6g}  converged {'yes' if self.converged else 'NO'} "
            f"({self.iterations} iterations)"
        )
        if self.dropped:
            head += "\n  dropped (no variation in the fitted rows): " + ", ".join(self.dropped)
        body = self.table().to_string(
            float_format=lambda v: f"{v:.6f}", na_rep="-", justify="right"
        )
        return f"{head}\n{body}"


def fit_glm(
    y: np.ndarray,
    design: np.ndarray,
    names: tuple[str, ...],
    family: sm.families.Family,
    *,
    title: str,
    offset: np.ndarray | None = None,
    var_weights: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-8,
) -> GLMFit:
    """Fit `y ~ design` (first column the intercept) with statsmodels and keep the result."""
    keep = np.r_[True, np.any(design[:, 1:] != 0.0, axis=0)]
    x = design if keep.all() else design[:, keep]
    kept = tuple(np.asarray(names)[keep])
    if isinstance(family, sm.families.Poisson | sm.families.Binomial):
        _check_events(x, y, kept, binary=isinstance(family, sm.families.Binomial))
    model = sm.GLM(y, x, family=family, offset=offset, var_weights=var_weights)
    if model.df_model + 1 < x.shape[1]:
        _raise_collinear(x, kept)
    start = np.zeros(x.shape[1])
    start[0] = _intercept_start(y, family, offset, var_weights)
    result = _run(model, start, max_iter, tol)
    params = np.zeros(len(names))
    bse = np.full(len(names), np.nan)
    params[keep] = result.params
    bse[keep] = result.bse
    converged, iterations = _convergence(result)
    return GLMFit(
        title=title,
        names=tuple(names),
        params=params,
        bse=bse,
        dropped=tuple(n for n, k in zip(names, keep, strict=True) if not k),
        nobs=int(result.nobs),
        df_resid=float(result.df_resid),
        deviance=float(result.deviance),
        null_deviance=_null_deviance(result, family, y, offset, var_weights),
        scale=float(result.scale),
        converged=converged,
        iterations=iterations,
    )


def _null_deviance(result, family, y, offset, var_weights) -> float:
    """Deviance of the intercept-only model. With a log link its fit is closed-form (the
    weighted mean, scaled by the offset), which saves statsmodels a second GLM fit."""
    if not isinstance(family.link, sm.families.links.Log):
        return float(result.null_deviance)
    w = np.ones_like(y, dtype=float) if var_weights is None else var_weights
    base = np.ones_like(y, dtype=float) if offset is None else np.exp(offset)
    mu = base * np.sum(w * y) / np.sum(w * base)
    return float(family.deviance(y, mu, var_weights=w))


def _convergence(result) -> tuple[bool, int]:
    """(converged, iterations) from a Newton (mle_retvals) or IRLS (fit_history) result."""
    retvals = getattr(result, "mle_retvals", None)
    if retvals:
        return bool(retvals["converged"]), int(retvals["iterations"])
    return bool(result.converged), int(result.fit_history["iteration"])


def _run(model: sm.GLM, start: np.ndarray, max_iter: int, tol: float):
    """Fisher scoring from `start`; falls back to statsmodels' IRLS if that does not converge."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.fit(
                method="newton",
                start_params=start,
                max_start_irls=0,
                maxiter=max_iter,
                tol=tol,
                disp=0,
                optim_hessian="eim",
                cov_type="eim",  # standard errors from the expected information, as R's glm
            )
        if result.mle_retvals.get("converged") and np.all(np.isfinite(result.params)):
            return result
    except (ValueError, np.linalg.LinAlgError):
        pass  # IRLS below gets a second chance
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = model.fit(maxiter=max_iter, tol=tol)
        except (ValueError, np.linalg.LinAlgError) as exc:  # too little data to estimate
            raise InputError(f"data: the GLM cannot be estimated ({exc})") from None
    if not np.all(np.isfinite(result.params)):
        raise InputError("data: the GLM cannot be estimated (non-finite coefficients)")
    if not result.converged:
        warnings.warn(f"GLM did not converge in {max_iter} iterations", stacklevel=3)
    return result


def _intercept_start(y, family, offset, var_weights) -> float:
    """Link of the (weighted) mean response, corrected for the offset."""
    w = np.ones_like(y, dtype=float) if var_weights is None else var_weights
    if offset is not None and isinstance(family, sm.families.Poisson):
        return float(np.log(np.sum(w * y) / np.sum(w * np.exp(offset))))
    mean = float(np.clip(np.sum(w * y) / np.sum(w), 1e-10, None))
    if isinstance(family, sm.families.Binomial):
        mean = min(mean, 1 - 1e-6)
        shift = 0.0 if offset is None else float(np.mean(offset))
        return float(family.link(np.array([mean]))[0]) - shift
    return float(np.log(mean))


def _check_events(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], binary: bool) -> None:
    """InputError for a 0/1 term whose policies have no claim (or, binary, only claims).

    Its maximum-likelihood coefficient would be infinite: the level must be merged or dropped.
    """
    indicator = np.all((x == 0) | (x == 1), axis=0)
    indicator[0] = False
    none = indicator & (y @ x == 0)
    every = indicator & ((1 - y) @ x == 0) if binary else np.zeros_like(none)
    problems = [
        f"features: no claims among the policies with '{names[i]}'" for i in np.flatnonzero(none)
    ]
    problems += [
        f"features: every policy with '{names[i]}' has a claim" for i in np.flatnonzero(every)
    ]
    if problems:
        raise InputError(
            [p + "; merge that level with another or drop the feature" for p in problems]
        )


def _raise_collinear(x: np.ndarray, names: tuple[str, ...]) -> None:
    """Raise InputError naming the columns that are linear combinations of others."""
    xtx = x.T @ x
    d = np.sqrt(np.diag(xtx))
    corr = xtx / np.outer(d, d)
    _, r, piv = scipy.linalg.qr(corr, pivoting=True)
    diag = np.abs(np.diag(r))
    rank = min(int(np.sum(diag > 1e-9 * diag[0])), len(names) - 1)
    bad = ", ".join(f"'{names[i]}'" for i in sorted(piv[rank:]))
    raise InputError(f"features: the design is collinear; dependent columns: {bad}")
