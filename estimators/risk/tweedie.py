"""Tweedie GLM of the pure premium (claim amount per exposure-year), log link.

The response is claim amount / exposure with weights = exposure, so Var = φ·μᵖ / exposure with
1 < p < 2: a compound Poisson–Gamma model. The model scores the cost directly; its frequency and
severity are the ones implied by that parametrisation (Jørgensen; Smyth & Jørgensen 2002):
claims per year λ = μ^(2−p) / (φ(2−p)) and mean claim φ(2−p)·μ^(p−1), so λ × claim = μ. φ is
statsmodels' Pearson estimate; the implied split is only as good as the Tweedie assumption.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import statsmodels.api as sm
from pydantic import Field

from .base import FittedGLMRiskModel, GLMSpecBase
from .glm import fit_glm


class TweedieGLMSpec(GLMSpecBase):
    """Tweedie (compound Poisson–Gamma) GLM of the pure premium with log link."""

    kind: Literal["tweedie_glm"] = "tweedie_glm"
    power: float = Field(1.5, gt=1, lt=2, description="Tweedie variance power p, 1 < p < 2")

    needs: ClassVar[tuple[str, ...]] = ("exposure", "claim_amount")

    def _fit_parts(self, design, names, policies, columns):
        family = sm.families.Tweedie(link=sm.families.links.Log(), var_power=self.power)
        fit = fit_glm(
            policies.amounts / policies.exposure,
            design,
            names,
            family,
            title=f"pure premium: Tweedie GLM (p = {self.power}), log link, weights exposure",
            var_weights=policies.exposure,
            max_iter=self.max_iter,
            tol=self.tol,
        )
        return {"pure_premium": fit}

    def _fitted(self, encoder, columns, parts):
        return FittedTweedieGLM(self, encoder, columns, parts)


class FittedTweedieGLM(FittedGLMRiskModel):
    """Fitted Tweedie model; one part, 'pure_premium'."""

    spec: TweedieGLMSpec

    def _cost(self, design):
        return np.exp(self.parts["pure_premium"].linear_predictor(design))

    def _frequency(self, design):
        p, phi = self.spec.power, self.parts["pure_premium"].scale
        return self._cost(design) ** (2 - p) / (phi * (2 - p))

    def _severity(self, design):
        p, phi = self.spec.power, self.parts["pure_premium"].scale
        return phi * (2 - p) * self._cost(design) ** (p - 1)
