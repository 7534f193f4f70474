"""Claim probability: binomial GLM of "at least one claim", times a Gamma severity.

The response is 1 when a policy had a claim in its exposure period. The exposure enters as the
offset log(exposure): with ``link="cloglog"`` this is exact when claims are Poisson
(P(claim) = 1 − exp(−λ·exposure)); with ``link="logit"`` (the default) it makes the odds
proportional to exposure, a good approximation for rare claims. Scores are for one exposure-year:
q = inverse link(x·β); the implied frequency is −log(1 − q) and the expected cost that
frequency × the severity GLM (see `severity.py`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import statsmodels.api as sm
from pydantic import Field

from .base import FittedGLMRiskModel
from .severity import CountSeveritySpec, predict_severity

LINKS = {"logit": sm.families.links.Logit, "cloglog": sm.families.links.CLogLog}


class LogisticSpec(CountSeveritySpec):
    """Binomial GLM of P(at least one claim) with log-exposure offset × Gamma severity GLM."""

    kind: Literal["logistic"] = "logistic"
    link: Literal["logit", "cloglog"] = Field("logit", description="binomial link function")

    def _fit_parts(self, design, names, policies, columns):
        family = sm.families.Binomial(LINKS[self.link]())
        title = f"claim probability: binomial GLM, {self.link} link, offset log(exposure)"
        any_claim = (policies.counts > 0).astype(float)
        return self._count_and_severity("claim_probability", any_claim, family, title, design,
                                        names, policies, columns)  # fmt: skip

    def _fitted(self, encoder, columns, parts):
        return FittedLogistic(self, encoder, columns, parts)


class FittedLogistic(FittedGLMRiskModel):
    """Fitted claim-probability model; parts 'claim_probability' and 'severity'."""

    spec: LogisticSpec

    def claim_probability(self, data):
        """Probability of at least one claim in one exposure-year, from the binomial GLM."""
        return self._probability(self.design(data))

    def _probability(self, design):
        eta = self.parts["claim_probability"].linear_predictor(design)
        return LINKS[self.spec.link]().inverse(eta)

    def _frequency(self, design):
        return -np.log1p(-self._probability(design))

    def _severity(self, design):
        return predict_severity(self.parts["severity"], design, self.spec.severity)
