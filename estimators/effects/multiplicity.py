"""Multiple testing across metrics x arms, and non-inferiority tests for guardrails.

The family is every primary (non-guardrail) comparison in one table: all metrics x all
treatment arms. Raw and CUPED tables, and each segment's table, are separate families (CUPED
re-tests the same hypotheses with another estimator; segments are exploratory breakdowns).
Guardrails are outside the family: they ask a different question (is the treatment not worse
than a margin?) and a guardrail failing must never be hidden by the family's correction.

- Holm (default): step-down Bonferroni; controls the family-wise error rate under any
  dependence between the tests.
- Benjamini-Hochberg ("bh"): controls the false discovery rate under independence or
  positive dependence; more power when many metrics are tested.
- "none": p-values as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .metrics import Metric

CORRECTIONS = ("holm", "bh", "none")


def adjust_pvalues(p_values, method: str = "holm") -> np.ndarray:
    """Adjusted p-values; NaN entries stay NaN and do not count towards the family size."""
    if method not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {method!r}")
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if method == "none" or finite.size == 0:
        out[finite] = p[finite]
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    m = order.size
    ranked = p[order]
    if method == "holm":
        adjusted = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adjusted = np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
    out[order] = np.minimum(adjusted, 1.0)
    return out


@dataclass(frozen=True)
class Guardrail:
    """A metric that must not get worse by more than ``margin``.

    ``relative=True`` reads the margin as a share of the control mean (0.02 = 2 %), treated as
    fixed; otherwise it is in the metric's own units. ``metric`` is a `Metric` or a spec that
    `analyze` reads with the data; the direction comes from its ``higher_is_better`` unless
    ``higher_is_better`` is given here (``False`` for unsubscribes, churn, claims...).
    """

    metric: Metric | str | Mapping
    margin: float
    relative: bool = True
    higher_is_better: bool | None = None


def margin_in_units(guardrail: Guardrail, control_mean: float) -> float:
    """The guardrail margin in the metric's units."""
    if guardrail.relative:
        return abs(guardrail.margin * control_mean)
    return abs(guardrail.margin)


def non_inferiority(diff, se, df, margin: float, higher_is_better: bool, alpha: float = 0.05):
    """One-sided test of H0 "treatment is worse by at least `margin`"; returns (p, passed).

    The test runs at level alpha/2, so it passes exactly when the two-sided (1 - alpha) CI
    printed in the table stays on the good side of ``-margin`` (or ``+margin`` when lower is
    better): one reading of the table, one verdict.
    """
    sign = 1.0 if higher_is_better else -1.0
    diff, se = np.asarray(diff, dtype=float), np.asarray(se, dtype=float)
    gap = sign * diff + margin  # distance from the inferiority boundary; > 0 is the good side
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, gap / se, np.sign(gap) * np.inf)
    statistic = np.where((se == 0) & (gap == 0), 0.0, statistic)
    p_value = stats.t.sf(statistic, df)
    passed = p_value < alpha / 2.0
    return _scalar(p_value), _scalar(passed)


def guardrail_verdict(ci_low, ci_high, margin: float, higher_is_better: bool) -> str:
    """The guardrail's verdict from the two-sided CI: it holds when the CI clears the margin on
    the good side, is breached only when the CI lies wholly beyond the margin on the bad side,
    and is inconclusive when the CI straddles the margin; "insufficient data" without a CI."""
    if ci_low is None or ci_high is None or not np.isfinite([ci_low, ci_high]).all():
        return "insufficient data"
    # Orient so that larger is better; the boundary of inferiority is then -margin.
    low, high = (ci_low, ci_high) if higher_is_better else (-ci_high, -ci_low)
    if low > -margin:
        return "holds"
    if high < -margin:
        return "breached"
    return "inconclusive"


def _scalar(x):
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x
