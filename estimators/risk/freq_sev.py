"""Frequency × severity: Poisson GLM of claim counts times Gamma GLM of claim amounts.

Frequency: claim count ~ Poisson(exposure · exp(x·β)), i.e. a log link with offset
log(exposure), so exp(x·β) is the expected number of claims per exposure-year. Severity: see
`severity.py`. Expected annual cost = frequency × severity (counts and amounts independent
given the features, the classical actuarial assumption).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import statsmodels.api as sm
from pydantic import Field

from .base import FittedGLMRiskModel, GLMSpecBase
from .glm import fit_glm
from .severity import Severity, fit_severity, predict_severity


class FreqSevGLMSpec(GLMSpecBase):
    """Poisson frequency GLM (log-exposure offset) × Gamma severity GLM (log link)."""

    kind: Literal["freq_sev_glm"] = "freq_sev_glm"
    severity: Severity = Field(
        "gamma_glm", description="'gamma_glm' on the same features, or 'constant' (mean only)"
    )

    def _fit_parts(self, design, names, policies, columns):
        frequency = fit_glm(
            policies.counts,
            design,
            names,
            sm.families.Poisson(),
            title="frequency: Poisson GLM, log link, offset log(exposure)",
            offset=np.log(policies.exposure),
            max_iter=self.max_iter,
            tol=self.tol,
        )
        severity = fit_severity(
            design,
            names,
            policies,
            columns,
            severity=self.severity,
            max_iter=self.max_iter,
            tol=self.tol,
        )
        return {"frequency": frequency, "severity": severity}

    def _fitted(self, encoder, columns, parts):
        return FittedFreqSevGLM(self, encoder, columns, parts)


class FittedFreqSevGLM(FittedGLMRiskModel):
    """Fitted frequency–severity model; parts 'frequency' and 'severity'."""

    spec: FreqSevGLMSpec

    def _frequency(self, design):
        return np.exp(self.parts["frequency"].linear_predictor(design))

    def _severity(self, design):
        return predict_severity(self.parts["severity"], design, self.spec.severity)
