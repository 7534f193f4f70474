"""A fitted risk model judged on a policy table: the numbers a pricing actuary looks at."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .diagnostics import actual_vs_expected, d2_score, gini, lorenz_curve, unit_deviance


@dataclass(frozen=True)
class RiskDiagnostics:
    """Fit and discrimination of a risk model on one policy table (training or held out).

    `poisson_deviance` is the mean claim-count deviance per policy (Noll et al.'s loss is 100×
    it); `poisson_deviance_per_year` divides the same total by the exposure instead
    (scikit-learn's ``mean_poisson_deviance`` of frequencies weighted by exposure). Ginis are
    exposure-weighted, ordering policies by predicted frequency or predicted annual cost.
    """

    policies: int
    exposure: float
    claims: float
    expected_claims: float
    claim_cost: float
    expected_claim_cost: float
    poisson_deviance: float
    poisson_deviance_per_year: float
    d2_frequency: float
    gini_frequency: float
    gini_cost: float
    lorenz_cost: pd.DataFrame
    ae_claims: pd.DataFrame
    ae_cost: pd.DataFrame

    def summary(self) -> str:
        """Totals, deviance, D², Ginis and the actual-versus-expected cost table as text."""
        lines = [
            f"policies {self.policies:,}  exposure {self.exposure:,.1f} years",
            f"claims actual {self.claims:,.0f}  expected {self.expected_claims:,.1f}  "
            f"A/E {self.claims / self.expected_claims:.4f}",
            f"claim cost actual {self.claim_cost:,.0f}  expected {self.expected_claim_cost:,.0f}  "
            f"A/E {self.claim_cost / self.expected_claim_cost:.4f}",
            f"Poisson deviance per policy {self.poisson_deviance:.6f}  per year "
            f"{self.poisson_deviance_per_year:.6f}  D² {self.d2_frequency:.4f}",
            f"Gini frequency {self.gini_frequency:.4f}  cost {self.gini_cost:.4f}",
            "actual vs expected cost by decile of predicted cost:",
            self.ae_cost.to_string(float_format=lambda v: f"{v:,.3f}"),
        ]
        return "\n".join(lines)


def evaluate(
    frequency: np.ndarray,
    cost: np.ndarray,
    exposure: np.ndarray,
    counts: np.ndarray,
    amounts: np.ndarray,
) -> RiskDiagnostics:
    """Diagnostics from annual predicted frequency and cost and the observed outcomes."""
    expected_claims = frequency * exposure
    expected_cost = cost * exposure
    deviance = float(np.sum(unit_deviance(counts, expected_claims, 1.0)))
    return RiskDiagnostics(
        policies=len(exposure),
        exposure=float(exposure.sum()),
        claims=float(counts.sum()),
        expected_claims=float(expected_claims.sum()),
        claim_cost=float(amounts.sum()),
        expected_claim_cost=float(expected_cost.sum()),
        poisson_deviance=deviance / len(exposure),
        poisson_deviance_per_year=deviance / float(exposure.sum()),
        d2_frequency=d2_score(counts / exposure, frequency, power=1.0, weights=exposure),
        gini_frequency=gini(counts, frequency, exposure),
        gini_cost=gini(amounts, cost, exposure),
        lorenz_cost=lorenz_curve(amounts, cost, exposure, points=101),
        ae_claims=actual_vs_expected(counts, expected_claims, exposure),
        ae_cost=actual_vs_expected(amounts, expected_cost, exposure),
    )
