"""Units shared by every layer, and the one rule for how long a policy was held.

Time is in days (float); money is per year for premiums and claim costs. The experiment period
runs from the end of the warm-up to the horizon; earned premium, exposure and expected claims
all use `held_days`, so the user table, the objective and the report agree to the last digit.
"""

from __future__ import annotations

import numpy as np

DAYS_PER_YEAR = 365.0


def held_days(
    sold_day: np.ndarray,
    sold_ref: np.ndarray,
    lapse_day: np.ndarray,
    lapse_ref: np.ndarray,
    horizon_days: float,
    warmup_days: float,
) -> np.ndarray:
    """Days each sold policy was in force inside the experiment period.

    A policy runs from its sale (or the end of the warm-up, for policies older than that) to its
    lapse (matched by policy id ``ref``) or the horizon. Policies held at t=0 count only from
    the warm-up's end too, so every arm's exposure covers the same calendar.
    """
    end = np.full(len(sold_ref), float(horizon_days))
    order = np.argsort(sold_ref, kind="stable")
    position = order[np.searchsorted(sold_ref[order], lapse_ref)]
    end[position] = lapse_day
    start = np.maximum(sold_day, warmup_days)
    return np.maximum(end - start, 0.0)
