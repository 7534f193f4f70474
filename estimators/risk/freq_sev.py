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

from .base import FittedGLMRiskModel
from .severity import CountSeveritySpec, predict_severity


class FreqSevGLMSpec(CountSeveritySpec):
    """Poisson frequency GLM (log-exposure offset) × Gamma severity GLM (log link)."""

    kind: Literal["freq_sev_glm"] = "freq_sev_glm"

    def _fit_parts(self, design, names, policies, columns):
        title = "frequency: Poisson GLM, log link, offset log(exposure)"
        return self._count_and_severity("frequency", policies.counts, sm.families.Poisson(),
                                        title, design, names, policies, columns)  # fmt: skip

    def _fitted(self, encoder, columns, parts):
        return FittedFreqSevGLM(self, encoder, columns, parts)


class FittedFreqSevGLM(FittedGLMRiskModel):
    """Fitted frequency–severity model; parts 'frequency' and 'severity'."""

    spec: FreqSevGLMSpec

    def _frequency(self, design):
        return np.exp(self.parts["frequency"].linear_predictor(design))

    def _severity(self, design):
        return predict_severity(self.parts["severity"], design, self.spec.severity)
