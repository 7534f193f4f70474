"""Metric objects: what to compare, read from one row per randomisation unit.

A metric names its columns, summarises one arm (`ArmStats`) and compares two summaries with
the test that fits its kind:

- `Proportion("conversion")`: a 0/1 column; two-proportion z test, unpooled variance.
- `Mean("spend")`: any numeric column; Welch t test.
- `Ratio("revenue", "visits")`: sum of a numerator over sum of a denominator per arm, with
  the delta-method variance (units, not visits, are randomised, so visits are not independent).

On the command line a metric is written ``name[:kind]``; a ratio is ``numerator/denominator``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from xsim.core.errors import InputError

from .frequentist import DiffTest, proportion_test, ratio_delta, welch_test, z_test

METRIC_KINDS = ("proportion", "mean", "ratio")


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Metric:
    """Base class; `column` is the data column, `higher_is_better` orients Bayes and guardrails."""

    column: str
    higher_is_better: bool = True
    kind: ClassVar[str] = ""

    @property
    def name(self) -> str:
        return self.column

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def unit_values(self, frame: pd.DataFrame) -> np.ndarray | None:
        """Per-unit outcome for regression adjustment (None when the metric has none)."""
        return frame[self.column].to_numpy(dtype=float)

    def arm_stats(self, frame: pd.DataFrame) -> ArmStats:
        raise NotImplementedError

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        raise NotImplementedError


@dataclass(frozen=True)
class Proportion(Metric):
    """A 0/1 outcome. ``pooled_test=True`` tests with the pooled rate (CI stays unpooled)."""

    pooled_test: bool = False
    kind: ClassVar[str] = "proportion"

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


@dataclass(frozen=True)
class Mean(Metric):
    """A numeric outcome per unit, compared with Welch's t test."""

    kind: ClassVar[str] = "mean"

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


@dataclass(frozen=True)
class Ratio(Metric):
    """``sum(numerator) / sum(denominator)`` per arm, e.g. revenue per visit.

    `column` is the numerator; the name is ``"numerator/denominator"``.
    """

    denominator: str = ""
    kind: ClassVar[str] = "ratio"

    def __init__(self, numerator: str, denominator: str, higher_is_better: bool = True):
        object.__setattr__(self, "column", numerator)
        object.__setattr__(self, "denominator", denominator)
        object.__setattr__(self, "higher_is_better", higher_is_better)

    @property
    def name(self) -> str:
        return f"{self.column}/{self.denominator}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, self.denominator)

    def unit_values(self, frame: pd.DataFrame) -> np.ndarray | None:
        return None

    def arm_stats(self, frame: pd.DataFrame) -> ArmStats:
        num = frame[self.column].to_numpy(dtype=float)
        den = frame[self.denominator].to_numpy(dtype=float)
        n = len(num)
        if n < 2:
            return ArmStats(n=n, mean=_safe_ratio(num.sum(), den.sum()), sd=float("nan"))
        cov = np.cov(num, den, ddof=1)
        ratio, sd = ratio_delta(num.mean(), den.mean(), cov[0, 0], cov[1, 1], cov[0, 1], n)
        return ArmStats(n=n, mean=float(ratio), sd=float(sd))

    def compare(self, control: ArmStats, treatment: ArmStats, alpha: float) -> DiffTest:
        return z_test(control.mean, control.se, treatment.mean, treatment.se, alpha, "delta_z")


def parse_metric_spec(spec: str | Metric, data: pd.DataFrame | None = None) -> Metric:
    """``"name[:kind]"`` -> Metric; ``"num/den"`` is a ratio. Without a kind, infer from data.

    Inference: a boolean column or one holding only 0 and 1 is a proportion, anything else a
    mean. Raises `InputError` naming the spec when the kind is unknown.
    """
    if isinstance(spec, Metric):
        return spec
    name, kind = _split_kind(spec, data)
    if kind == "ratio" or (kind is None and "/" in name and not _has_column(data, name)):
        numerator, sep, denominator = name.partition("/")
        if not sep or not numerator or not denominator:
            raise InputError([f"metric '{spec}': a ratio is written 'numerator/denominator'"])
        return Ratio(numerator, denominator)
    if kind is None:
        kind = _infer_kind(data[name]) if _has_column(data, name) else "mean"
    return Proportion(name) if kind == "proportion" else Mean(name)


def _split_kind(spec: str, data: pd.DataFrame | None) -> tuple[str, str | None]:
    name, sep, kind = spec.rpartition(":")
    if not sep or _has_column(data, spec):
        return spec, None
    if kind not in METRIC_KINDS:
        raise InputError(
            [f"metric '{spec}': unknown kind '{kind}' (choose {', '.join(METRIC_KINDS)})"]
        )
    return name, kind


def _has_column(data: pd.DataFrame | None, name: str) -> bool:
    return data is not None and name in data.columns


def _infer_kind(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "proportion"
    values = pd.to_numeric(column, errors="coerce").dropna()
    is_binary = len(values) > 0 and bool(values.isin([0, 1]).all())
    return "proportion" if is_binary else "mean"


def _skewness(values: np.ndarray) -> float:
    if len(values) < 3:
        return float("nan")
    centred = values - values.mean()
    m2 = float(np.mean(centred**2))
    return float(np.mean(centred**3) / m2**1.5) if m2 > 0 else 0.0


def _safe_ratio(num: float, den: float) -> float:
    return float(num / den) if den != 0 else float("nan")
