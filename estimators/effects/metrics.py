"""Metric kinds: what to compare, read from one row per randomisation unit.

A metric names its columns, summarises one arm (`ArmStats`) and compares two summaries with
the test that fits its kind:

- `Proportion("conversion")`: a 0/1 column; two-proportion z test, unpooled variance.
- `Mean("spend")`: any numeric column; Welch t test.
- `Ratio("revenue", "visits")`: sum of a numerator over sum of a denominator per arm, with
  the delta-method variance (units, not visits, are randomised, so visits are not independent).

Each kind is a frozen, validated pydantic dataclass with a ``kind`` tag and does what the
`Metric` protocol says; `metric_spec.py` holds the registry (the union on ``kind``) and the one
reader of the shorthand ``name[:kind]`` / ``numerator/denominator``.
"""

from __future__ import annotations

from dataclasses import dataclass as plain_dataclass
from typing import Annotated, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from .frequentist import DiffTest, proportion_test, ratio_delta, welch_test, z_test

Column = Annotated[str, Field(min_length=1)]
_PARAMETERS = ConfigDict(extra="forbid", allow_inf_nan=False)


@plain_dataclass(frozen=True)
class ArmStats:
    """One metric in one arm. For every kind ``se = sd / sqrt(n)``."""

    n: int
    mean: float
    sd: float
    successes: int | None = None  # proportions: for the Beta posterior
    skewness: float = float("nan")  # means: for the heavy-tail check

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
    """A 0/1 outcome. ``pooled_test=True`` tests with the pooled rate (CI stays unpooled)."""

    column: Column
    higher_is_better: bool = True
    pooled_test: bool = False
    kind: Literal["proportion"] = "proportion"

    def arm_stats(self, frame: pd.DataFrame) -> ArmStats:
        values = frame[self.column].to_numpy(dtype=float)
        n = len(values)
        successes = int(round(values.sum()))
        rate = successes / n if n else float("nan")
        # sd = sqrt(p(1-p)) (ddof 0): the Wald variance p(1-p)/n is then sd^2 / n.
        return ArmStats(n=n, mean=rate, sd=float(np.sqrt(rate * (1 - rate))), successes=successes)

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        return proportion_test(
            control.mean, control.n, treatment.mean, treatment.n, alpha, pooled=self.pooled_test
        )


@dataclass(frozen=True, config=_PARAMETERS)
class Mean(_OneColumn):
    """A numeric outcome per unit, compared with Welch's t test."""

    column: Column
    higher_is_better: bool = True
    kind: Literal["mean"] = "mean"

    def arm_stats(self, frame: pd.DataFrame) -> ArmStats:
        values = frame[self.column].to_numpy(dtype=float)
        n = len(values)
        mean = float(values.mean()) if n else float("nan")
        sd = float(values.std(ddof=1)) if n > 1 else float("nan")
        return ArmStats(n=n, mean=mean, sd=sd, skewness=_skewness(values))

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        return welch_test(
            control.mean,
            control.sd**2,
            control.n,
            treatment.mean,
            treatment.sd**2,
            treatment.n,
            alpha,
        )


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
        if n < 2:
            return ArmStats(n=n, mean=_safe_ratio(num.sum(), den.sum()), sd=float("nan"))
        cov = np.cov(num, den, ddof=1)
        ratio, sd = ratio_delta(num.mean(), den.mean(), cov[0, 0], cov[1, 1], cov[0, 1], n)
        return ArmStats(n=n, mean=float(ratio), sd=float(sd))

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        return z_test(control.mean, control.se, treatment.mean, treatment.se, alpha, "delta_z")


def _skewness(values: np.ndarray) -> float:
    if len(values) < 3:
        return float("nan")
    centred = values - values.mean()
    m2 = float(np.mean(centred**2))
    return float(np.mean(centred**3) / m2**1.5) if m2 > 0 else 0.0


def _safe_ratio(num: float, den: float) -> float:
    return float(num / den) if den != 0 else float("nan")
