"""What the partner's data is worth to the insurer's risk model.

Fit the same spec twice on the training book, once on the insurer's own rating factors and once
adding the platform features (used only where users consented), and compare both on a held-out
book. Lower deviance and higher Gini with the platform features are the value of the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .protocols import RiskModel


def partner_data_value(
    spec: RiskModel,
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    features: Sequence[str],
    platform_features: Sequence[str],
    consent: str,
    **columns: str,
) -> pd.DataFrame:
    """Held-out diagnostics without and with platform features, and their difference.

    `columns` passes `exposure`, `claim_count`, `claim_amount` names on to `spec.fit`.
    Rows: 'insurer_only', 'with_platform', 'difference'; columns: Poisson deviance per policy,
    D² of frequency, Gini of frequency and of cost, and actual/expected cost.
    """
    variants = {
        "insurer_only": spec.fit(train, features=features, **columns),
        "with_platform": spec.fit(
            train,
            features=features,
            platform_features=platform_features,
            consent=consent,
            **columns,
        ),
    }
    rows = {}
    for name, fitted in variants.items():
        d = fitted.diagnostics(test)
        rows[name] = {
            "poisson_deviance": d.poisson_deviance,
            "d2_frequency": d.d2_frequency,
            "gini_frequency": d.gini_frequency,
            "gini_cost": d.gini_cost,
            "cost_actual_to_expected": d.claim_cost / d.expected_claim_cost,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.loc["difference"] = table.loc["with_platform"] - table.loc["insurer_only"]
    return table
