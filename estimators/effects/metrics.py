"""Metric kinds: what to compare, read from one row per randomisation unit.

A metric names its columns, summarises one arm (`ArmStats`) and compares two summaries with
the test that fits its kind:

- `Proportion("conversion")`: a 0/1 column; pooled two-proportion z test with Newcombe's
  interval, Fisher's exact test when an arm has fewer than 10 successes or failures.
- `Mean("spend")`: any numeric column; Welch t test, a permutation test of Welch's t when an
  arm is small or the data too skewed for its size (see validity.py).
- `Ratio("revenue", "visits")`: sum of a numerator over sum of a denominator per arm, with
  the delta-method variance (units, not visits, are randomised, so visits are not independent);
  "insufficient data" below 30 units in an arm.

Each kind is a frozen, validated pydantic dataclass with a ``kind`` tag and does what the
`Metric` protocol says; `metric_spec.py` holds the registry (the union on ``kind``) and the one
reader of the shorthand ``name[:kind]`` / ``numerator/denominator``.
"""

from __future__ import annotations

from dataclasses import dataclass as plain_dataclass
from dataclasses import field, replace
from typing import Annotated, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from .frequentist import DiffTest, ratio_delta, welch_test, z_test
from .validity import (
    INSUFFICIENT,
    SMALL_N,
    mean_comparison,
    proportion_comparison,
    skewness_rule_holds,
)

Column = Annotated[str, Field(min_length=1)]
_PARAMETERS = ConfigDict(extra="forbid", allow_inf_nan=False)


@plain_dataclass(frozen=True)
class ArmStats:
    """One metric in one arm. For every kind ``se = sd / sqrt(n)``."""

    n: int
    mean: float
    sd: float
    successes: int | None = None  # proportions: for the Beta posterior and the exact test
    skewness: float = float("nan")  # means: for the heavy-tail check
    nonnegative: bool = False  # every unit value >= 0, so the true relative lift is >= -100 %
    # means: the unit values, for the permutation test (not part of the summary's identity)
    values: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def se(self) -> float:
        return self.sd / np.sqrt(self.n) if self.n > 0 else float("nan")


@runtime_checkable
class Metric(Protocol):
    """What every metric kind does.

    `name` labels its rows (and keys covariates and the truth); `columns` are the data columns
    it reads; `higher_is_better` orients the Bayesian read-out and guardrails. `arm_stats`
    summarises one arm's rows, `compare` tests treatment against control from two summaries,
    and `unit_values` is the per-unit outcome for regression adjustment (None when the kind
    has none, as for ratios).
    """

    kind: str
    higher_is_better: bool

    @property
    def name(self) -> str: ...

    @property
    def columns(self) -> tuple[str, ...]: ...

    def unit_values(self, frame: pd.DataFrame) -> np.ndarray | None: ...

    def arm_stats(self, frame: pd.DataFrame) -> ArmStats: ...

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest: ...


class _OneColumn:
    """Name, columns and per-unit values of the kinds that read one column, `column`."""

    @property
    def name(self) -> str:
        return self.column

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def unit_values(self, frame: pd.DataFrame) -> np.ndarray | None:
        return frame[self.column].to_numpy(dtype=float)


@dataclass(frozen=True, config=_PARAMETERS)
class Proportion(_OneColumn):
    """A 0/1 outcome. ``pooled_test=False`` gives the unpooled Wald test and interval (the
    method of earlier versions); the default tests with the pooled rate and reports Newcombe's
    interval."""

    column: Column
    higher_is_better: bool = True
    pooled_test: bool = True
    kind: Literal["proportion"] = "proportion"

    def arm_stats(self, frame: pd.DataFrame) -> ArmStats:
        values = frame[self.column].to_numpy(dtype=float)
        n = len(values)
        successes = int(round(values.sum()))
        rate = successes / n if n else float("nan")
        # sd = sqrt(p(1-p)) (ddof 0): the Wald variance p(1-p)/n is then sd^2 / n.
        sd = float(np.sqrt(rate * (1 - rate)))
        return ArmStats(n=n, mean=rate, sd=sd, successes=successes, nonnegative=True)

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        return proportion_comparison(
            _successes(control), control.n, _successes(treatment), treatment.n, alpha,
            pooled=self.pooled_test,
        )  # fmt: skip


@dataclass(frozen=True, config=_PARAMETERS)
class Mean(_OneColumn):
    """A numeric outcome per unit, compared with Welch's t test (or its permutation test)."""

    column: Column
    higher_is_better: bool = True
    kind: Literal["mean"] = "mean"

    def arm_stats(self, frame: pd.DataFrame) -> ArmStats:
        values = frame[self.column].to_numpy(dtype=float)
        n = len(values)
        mean = float(values.mean()) if n else float("nan")
        sd = float(values.std(ddof=1)) if n > 1 else float("nan")
        nonnegative = bool(n) and bool(values.min() >= 0)
        skew = _skewness(values)
        return ArmStats(n, mean, sd, skewness=skew, nonnegative=nonnegative, values=values)

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        if control.values is not None and treatment.values is not None:
            return mean_comparison(control.values, treatment.values, alpha)
        # Summaries only (no unit values to permute): Welch, withheld where it is not valid.
        test = welch_test(control.mean, control.sd**2, control.n,
                          treatment.mean, treatment.sd**2, treatment.n, alpha)  # fmt: skip
        valid = min(control.n, treatment.n) >= SMALL_N and skewness_rule_holds(
            control.sd, control.skewness, control.n, treatment.sd, treatment.skewness, treatment.n
        )
        return test if valid else replace(test, validity=INSUFFICIENT)


@dataclass(frozen=True, config=_PARAMETERS)
class Ratio:
    """``sum(numerator) / sum(denominator)`` per arm, e.g. revenue per visit; its name is
    ``"numerator/denominator"``. No per-unit outcome, so no regression adjustment."""

    numerator: Column
    denominator: Column
    higher_is_better: bool = True
    kind: Literal["ratio"] = "ratio"

    @property
    def name(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)

    def unit_values(self, frame: pd.DataFrame) -> np.ndarray | None:
        return None

    def arm_stats(self, frame: pd.DataFrame) -> ArmStats:
        num = frame[self.numerator].to_numpy(dtype=float)
        den = frame[self.denominator].to_numpy(dtype=float)
        n = len(num)
        nonnegative = bool(n) and bool(num.min() >= 0 and den.min() >= 0)
        if n < 2:
            ratio = _safe_ratio(num.sum(), den.sum())
            return ArmStats(n=n, mean=ratio, sd=float("nan"), nonnegative=nonnegative)
        cov = np.cov(num, den, ddof=1)
        ratio, sd = ratio_delta(num.mean(), den.mean(), cov[0, 0], cov[1, 1], cov[0, 1], n)
        return ArmStats(n=n, mean=float(ratio), sd=float(sd), nonnegative=nonnegative)

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        test = z_test(control.mean, control.se, treatment.mean, treatment.se, alpha, "delta_z")
        # The delta method is a large-sample argument and nothing exact replaces it here.
        small = min(control.n, treatment.n) < SMALL_N
        return replace(test, validity=INSUFFICIENT) if small else test


def _successes(stats: ArmStats) -> int:
    return stats.successes if stats.successes is not None else int(round(stats.mean * stats.n))


def _skewness(values: np.ndarray) -> float:
    if len(values) < 3:
        return float("nan")
    centred = values - values.mean()
    m2 = float(np.mean(centred**2))
    return float(np.mean(centred**3) / m2**1.5) if m2 > 0 else 0.0


def _safe_ratio(num: float, den: float) -> float:
    return float(num / den) if den != 0 else float("nan")
