"""The interfaces the simulation relies on: a risk-model spec and the model it fits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from .evaluation import RiskDiagnostics


@runtime_checkable
class FittedRiskModel(Protocol):
    """Scores rows of a table: expected claims, claim size and claim cost per exposure-year."""

    @property
    def kind(self) -> str: ...

    @property
    def features(self) -> tuple[str, ...]: ...

    def expected_frequency(self, data: pd.DataFrame) -> np.ndarray: ...

    def expected_severity(self, data: pd.DataFrame) -> np.ndarray: ...

    def expected_cost(self, data: pd.DataFrame) -> np.ndarray: ...

    def claim_probability(self, data: pd.DataFrame) -> np.ndarray: ...

    def coefficients(self) -> pd.DataFrame: ...

    def summary(self) -> str: ...

    def diagnostics(self, data: pd.DataFrame) -> RiskDiagnostics: ...


@runtime_checkable
class RiskModel(Protocol):
    """A risk-model spec: frozen parameters with a `kind`, and `fit` on a policy table."""

    kind: str

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
    ) -> FittedRiskModel: ...
