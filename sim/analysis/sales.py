"""Where an arm's policies come from: partnership sales, organic sales and cannibalisation.

A partnership sale to someone who would have bought anyway takes an organic sale away from the
insurer's baseline. Per user, with the control arm as the counterfactual:

    partnership = policies sold through a partnership channel (commission is due on these)
    displaced   = organic sales per user in control - organic sales per user in the arm
    cannibalised_share = displaced / partnership    (of the arm's partnership sales)

``displaced`` is a difference of two independent means, so its CI is Welch's normal interval;
the twin worlds give its truth (every user in the arm vs every user in control). A negative
``displaced`` is a halo: the partnership made organic buying likelier.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

SALES_COLUMNS = ("policies_partnership", "policies_organic")


def sales_attribution(users: pd.DataFrame, in_arm: np.ndarray, in_control: np.ndarray,
                      truth: dict | None, confidence: float) -> dict:  # fmt: skip
    """Per user sales of the arm and the organic sales it displaced, with CI and truth.
    ``truth``: {"arm": {column: mean}, "control": {column: mean}} from the twin worlds."""
    organic = users["policies_organic"].to_numpy(dtype=float)
    partnership = float(users["policies_partnership"].to_numpy(dtype=float)[in_arm].mean())
    a, c = organic[in_arm], organic[in_control]
    displaced = float(c.mean() - a.mean())
    se = math.sqrt(_var_of_mean(a) + _var_of_mean(c))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    record = {
        "partnership_per_user": partnership,
        "organic_per_user": float(a.mean()),
        "organic_per_user_control": float(c.mean()),
        "displaced_per_user": displaced,
        "displaced_low": displaced - z * se,
        "displaced_high": displaced + z * se,
        "cannibalised_share": displaced / partnership if partnership > 0 else math.nan,
        "displaced_true": math.nan,
        "cannibalised_share_true": math.nan,
    }
    if truth and all(c in truth.get(k, {}) for k in ("arm", "control") for c in SALES_COLUMNS):
        true_displaced = truth["control"]["policies_organic"] - truth["arm"]["policies_organic"]
        true_partnership = truth["arm"]["policies_partnership"]
        record["displaced_true"] = true_displaced
        record["cannibalised_share_true"] = (
            true_displaced / true_partnership if true_partnership > 0 else math.nan
        )
    return record


def _var_of_mean(x: np.ndarray) -> float:
    return float(np.var(x, ddof=1) / len(x)) if len(x) > 1 else math.nan
