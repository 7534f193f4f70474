"""Sample-ratio mismatch: are the arm sizes what the assignment weights promise?

A chi-square goodness-of-fit test over all arms at once. The p-value comes from the chi-square
survival function, not ``1 - cdf``, so a gross mismatch reports p = 1e-40 rather than a
cancellation-made 0; ``log10_p_value`` stays finite even where the double itself underflows.
The conventional alarm threshold is p < 0.001: SRM checks run on every experiment, so a 5 %
threshold would cry wolf once in twenty healthy tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SRMResult:
    """Chi-square SRM test. ``counts`` and ``expected`` are keyed by arm."""

    chi2: float
    df: int
    p_value: float
    log10_p_value: float
    counts: dict[str, int]
    expected: dict[str, float]
    threshold: float = SRM_THRESHOLD

    @property
    def mismatch(self) -> bool:
        return self.p_value < self.threshold

    def note(self) -> str:
        arms = ", ".join(f"{arm} {n:,}" for arm, n in self.counts.items())
        p_text = _format_p(self.p_value, self.log10_p_value)
        head = f"SRM check (chi-square over {len(self.counts)} arms: {arms}): "
        head += f"chi2 = {self.chi2:.4g}, df = {self.df}, p = {p_text}"
        if self.mismatch:
            return head + (
                f" < {self.threshold:g}: SAMPLE RATIO MISMATCH. Assignment or logging is"
                " probably broken; do not trust the effects until the cause is found."
            )
        return head + f" (no mismatch at the {self.threshold:g} alarm threshold)."

    def to_dict(self) -> dict:
        return {
            "chi2": self.chi2,
            "df": self.df,
            "p_value": self.p_value,
            "log10_p_value": self.log10_p_value,
            "counts": dict(self.counts),
            "expected": dict(self.expected),
            "threshold": self.threshold,
            "mismatch": self.mismatch,
        }


def srm_test(
    counts: Mapping[str, int],
    weights: Mapping[str, float] | None = None,
    threshold: float = SRM_THRESHOLD,
) -> SRMResult:
    """Chi-square test of observed arm counts against weights (equal weights by default)."""
    arms = list(counts)
    observed = np.array([counts[a] for a in arms], dtype=float)
    w = np.array([1.0 if weights is None else float(weights[a]) for a in arms])
    expected = observed.sum() * w / w.sum()
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    df = len(arms) - 1
    return SRMResult(
        chi2=chi2,
        df=df,
        p_value=float(stats.chi2.sf(chi2, df)),
        log10_p_value=_log_chi2_sf(chi2, df) / math.log(10),
        counts={a: int(c) for a, c in zip(arms, observed, strict=True)},
        expected={a: float(e) for a, e in zip(arms, expected, strict=True)},
        threshold=threshold,
    )


def _log_chi2_sf(chi2: float, df: int) -> float:
    """log P(X > chi2) for X ~ chi2(df), finite even where the probability underflows."""
    log_sf = float(stats.chi2.logsf(chi2, df))
    return log_sf if np.isfinite(log_sf) else _log_chi2_sf_asymptotic(chi2, df)


def _log_chi2_sf_asymptotic(chi2: float, df: int) -> float:
    """Asymptotic series of the upper incomplete gamma function (Abramowitz & Stegun 6.5.32).

    ``Q(a, z) ~ z^(a-1) e^-z / Gamma(a) * sum_k (a-1)...(a-k) / z^k`` with a = df/2,
    z = chi2/2; used only where the double underflows (z > ~350), where it is exact to
    rounding for the few arms an experiment has.
    """
    a, z = df / 2.0, chi2 / 2.0
    term, series = 1.0, 1.0
    for k in range(1, 20):
        term *= (a - k) / z
        series += term
    return float((a - 1) * math.log(z) - z - special.gammaln(a) + math.log(series))


def _format_p(p_value: float, log10_p: float) -> str:
    if p_value > 0:
        return f"{p_value:.3g}"
    return f"10^{log10_p:.1f}"
