"""The claim-severity part shared by the frequency–severity and logistic models.

A Gamma GLM with log link for the mean amount per claim of each policy with claims
(claim amount / claim count), weighted by its claim count: the mean of n claims has variance
φμ²/n. Policies with claims but a zero amount (claims closed without payment, or amounts not
yet known) are left out. With ``severity="constant"`` the model has an intercept only: every
policy gets the book's mean claim amount.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import statsmodels.api as sm
from pydantic import Field

from xsim.core.errors import InputError

from .base import GLMSpecBase
from .data import PolicyColumns, PolicyData
from .glm import GLMFit, fit_glm

Severity = Literal["gamma_glm", "constant"]


class CountSeveritySpec(GLMSpecBase):
    """A claim-count GLM (subclasses say which) with the severity GLM beside it."""

    severity: Severity = Field(
        "gamma_glm", description="'gamma_glm' on the same features, or 'constant' (mean only)"
    )

    def _count_and_severity(
        self, name: str, response, family, title: str, design, names, policies: PolicyData,
        columns: PolicyColumns,
    ) -> dict[str, GLMFit]:  # fmt: skip
        """Parts ``name`` (the count GLM, offset log(exposure)) and 'severity'."""
        count = fit_glm(response, design, names, family, title=title,
                        offset=np.log(policies.exposure), max_iter=self.max_iter,
                        tol=self.tol)  # fmt: skip
        severity = fit_severity(design, names, policies, columns, severity=self.severity,
                                max_iter=self.max_iter, tol=self.tol)  # fmt: skip
        return {name: count, "severity": severity}


def fit_severity(
    design: np.ndarray,
    names: tuple[str, ...],
    policies: PolicyData,
    columns: PolicyColumns,
    *,
    severity: Severity,
    max_iter: int,
    tol: float,
) -> GLMFit:
    """Gamma GLM of mean claim amount on the rows with claims and a positive amount."""
    rows = (policies.counts > 0) & (policies.amounts > 0)
    n = int(rows.sum())
    x = severity_design(design[rows], severity)
    if n <= x.shape[1]:
        hint = " (or use severity: constant)" if severity == "gamma_glm" else ""
        raise InputError(
            f"column '{columns.claim_amount}': {n} policies with claims and a positive amount; "
            f"the severity model needs more than {x.shape[1]}{hint}"
        )
    counts = policies.counts[rows]
    return fit_glm(
        policies.amounts[rows] / counts,
        x,
        names[: x.shape[1]],
        sm.families.Gamma(sm.families.links.Log()),
        title="severity: Gamma GLM, log link; mean claim amount weighted by claim count",
        var_weights=counts,
        max_iter=max_iter,
        tol=tol,
    )


def severity_design(design: np.ndarray, severity: Severity) -> np.ndarray:
    """The columns the severity part uses: all of them, or the intercept only."""
    return design if severity == "gamma_glm" else design[:, :1]


def predict_severity(fit: GLMFit, design: np.ndarray, severity: Severity) -> np.ndarray:
    """Expected amount per claim."""
    return np.exp(fit.linear_predictor(severity_design(design, severity)))
