"""What every GLM risk model shares: the spec's `fit` and the fitted model's scoring API.

A spec (frozen pydantic model) only holds parameters. `spec.fit(data, ...)` checks the policy
table, learns the feature coding, fits the model's GLM parts and returns a fitted model whose
`expected_cost(data)` is the expected claim cost per exposure-year for each row of `data`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from xsim.core.errors import InputError

from .data import PolicyColumns, PolicyData, check_frame, read_policies, resolve_features
from .evaluation import RiskDiagnostics, evaluate
from .features import FeatureEncoder, fit_encoder
from .glm import GLMFit

ALL_COLUMNS = ("exposure", "claim_count", "claim_amount")


class GLMSpecBase(BaseModel):
    """Parameters common to the GLM risk models (iteration limit and convergence tolerance)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    max_iter: int = Field(100, ge=1, le=10_000, description="maximum Fisher-scoring iterations")
    tol: float = Field(1e-8, gt=0, lt=1, description="convergence tolerance on coefficients")

    needs: ClassVar[tuple[str, ...]] = ALL_COLUMNS

    def fit(
        self,
        data: pd.DataFrame,
        *,
        features: Sequence[str] | None = None,
        platform_features: Sequence[str] = (),
        consent: str | None = None,
        reference_levels: Mapping[str, object] | None = None,
        exposure: str = "exposure_years",
        claim_count: str = "claim_count",
        claim_amount: str = "claim_amount",
    ) -> FittedGLMRiskModel:
        """Fit on a policy table; see the package docstring for the arguments."""
        columns = PolicyColumns(exposure, claim_count, claim_amount)
        rating, platform = resolve_features(data, columns, features, platform_features, consent)
        policies = read_policies(data, columns, self.needs)
        _require_claims(policies, columns)
        encoder = fit_encoder(
            data,
            rating,
            platform_features=platform,
            consent=consent,
            reference_levels=reference_levels,
        )
        design = encoder.transform(data)
        parts = self._fit_parts(design, encoder.names, policies, columns)
        return self._fitted(encoder, columns, parts)

    def _fit_parts(
        self,
        design: np.ndarray,
        names: tuple[str, ...],
        policies: PolicyData,
        columns: PolicyColumns,
    ) -> dict[str, GLMFit]:
        raise NotImplementedError

    def _fitted(self, encoder, columns, parts) -> FittedGLMRiskModel:
        raise NotImplementedError


def _require_claims(policies: PolicyData, columns: PolicyColumns) -> None:
    """A risk model needs at least one claim (and a positive amount) to learn from."""
    if policies.counts is not None and policies.counts.sum() == 0:
        raise InputError(f"column '{columns.claim_count}': no claims in the data")
    if policies.amounts is not None and policies.amounts.sum() == 0:
        raise InputError(f"column '{columns.claim_amount}': all claim amounts are zero")


@dataclass(frozen=True, eq=False)
class FittedGLMRiskModel:
    """A fitted risk model: scores rows of a policy (or prospect) table.

    Scoring needs only the feature columns (and the consent column when platform features
    are used); `diagnostics` also needs exposure, claim count and claim amount.
    """

    spec: GLMSpecBase
    encoder: FeatureEncoder
    columns: PolicyColumns
    parts: Mapping[str, GLMFit]

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def features(self) -> tuple[str, ...]:
        """All feature columns the model reads (rating factors, then platform features)."""
        return self.encoder.features

    def design(self, data: pd.DataFrame) -> np.ndarray:
        """The design matrix of `data` (columns `self.encoder.names`)."""
        check_frame(data)
        return self.encoder.transform(data)

    def expected_frequency(self, data: pd.DataFrame) -> np.ndarray:
        """Expected number of claims per exposure-year for each row."""
        return self._frequency(self.design(data))

    def expected_severity(self, data: pd.DataFrame) -> np.ndarray:
        """Expected amount per claim for each row."""
        return self._severity(self.design(data))

    def expected_cost(self, data: pd.DataFrame) -> np.ndarray:
        """Expected claim cost per exposure-year (pure premium) for each row."""
        return self._cost(self.design(data))

    def claim_probability(self, data: pd.DataFrame) -> np.ndarray:
        """Probability of at least one claim in one exposure-year (Poisson claim counts)."""
        return -np.expm1(-self.expected_frequency(data))

    def coefficients(self) -> pd.DataFrame:
        """Coefficient tables of all parts, indexed by (part, term)."""
        tables = {name: fit.table() for name, fit in self.parts.items()}
        return pd.concat(tables, names=["part", "term"])

    def summary(self) -> str:
        """Model header and one statsmodels-like coefficient table per GLM part."""
        head = f"{self.kind} risk model; rating factors: {', '.join(self._rating()) or '-'}"
        platform = [t.column for t in self.encoder.terms if t.platform]
        if platform:
            head += f"; platform features (if '{self.encoder.consent}'): {', '.join(platform)}"
        return "\n\n".join([head, *(fit.summary() for fit in self.parts.values())])

    def diagnostics(self, data: pd.DataFrame) -> RiskDiagnostics:
        """Deviance, D², Ginis and actual-versus-expected tables on a policy table."""
        policies = read_policies(data, self.columns, ALL_COLUMNS)
        x = self.design(data)
        freq, cost = self._frequency(x), self._cost(x)
        return evaluate(freq, cost, policies.exposure, policies.counts, policies.amounts)

    def _rating(self) -> list[str]:
        return [t.column for t in self.encoder.terms if not t.platform]

    def _frequency(self, design: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _severity(self, design: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _cost(self, design: np.ndarray) -> np.ndarray:
        return self._frequency(design) * self._severity(design)
