"""Checking a policy table and reading its exposure, claim count and claim amount.

A policy table has one row per policy (or policy period): rating factors, the exposure in years
(> 0), the number of claims in that exposure (integer ≥ 0) and their total amount (≥ 0). Every
problem found is reported at once, one line per problem naming the column or argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xsim.core.errors import InputError


@dataclass(frozen=True)
class PolicyColumns:
    """Names of the exposure, claim-count and claim-amount columns of a policy table."""

    exposure: str = "exposure_years"
    claim_count: str = "claim_count"
    claim_amount: str = "claim_amount"

    def as_dict(self) -> dict[str, str]:
        return {
            "exposure": self.exposure,
            "claim_count": self.claim_count,
            "claim_amount": self.claim_amount,
        }


@dataclass(frozen=True)
class PolicyData:
    """Exposure (years), claim counts and claim amounts as float arrays (None if not needed)."""

    exposure: np.ndarray
    counts: np.ndarray | None
    amounts: np.ndarray | None


def read_policies(data: pd.DataFrame, columns: PolicyColumns, need: Sequence[str]) -> PolicyData:
    """Validate and return the columns named in `need` (a subset of PolicyColumns' fields)."""
    check_frame(data)
    problems: list[str] = []
    fields = columns.as_dict()
    arrays = {f: _numeric(data, f, fields[f], problems) for f in need}
    exposure, counts, amounts = (arrays.get(f) for f in fields)
    if exposure is not None:
        _count(problems, fields["exposure"], exposure <= 0, "non-positive values")
    if counts is not None:
        _count(problems, fields["claim_count"], counts < 0, "negative values")
        fractional = np.isfinite(counts) & (counts != np.round(counts))
        _count(problems, fields["claim_count"], fractional, "non-integer values")
    if amounts is not None:
        _count(problems, fields["claim_amount"], amounts < 0, "negative values")
    if counts is not None and amounts is not None:
        orphan = (amounts > 0) & (counts == 0)
        _count(problems, fields["claim_amount"], orphan, "rows with a positive amount but no claim")
    if problems:
        raise InputError(problems)
    return PolicyData(exposure, counts, amounts)


def resolve_features(
    data: pd.DataFrame,
    columns: PolicyColumns,
    features: Sequence[str] | None,
    platform_features: Sequence[str],
    consent: str | None,
) -> tuple[list[str], list[str]]:
    """(rating factors, platform features); InputError for bad feature or consent arguments."""
    check_frame(data)
    for field, names in (("features", features), ("platform_features", platform_features)):
        if isinstance(names, str):
            raise InputError(f"{field}: expected a list of column names, got the string '{names}'")
    platform_features = list(platform_features)
    reserved = {v: k for k, v in columns.as_dict().items()}
    if features is None:
        taken = {*reserved, *platform_features, consent}
        features = [c for c in data.columns if c not in taken]
    problems = _feature_problems(data, "features", features, reserved)
    problems += _feature_problems(data, "platform_features", platform_features, reserved)
    problems += [
        f"platform_features: '{c}' is also in features" for c in platform_features if c in features
    ]
    if platform_features and consent is None:
        problems.append("consent: a consent column is required when platform_features are given")
    elif consent is not None and consent not in data.columns:
        problems.append(f"consent: '{consent}' is not a column of the data")
    if problems:
        raise InputError(problems)
    return list(features), platform_features


def check_frame(data: object) -> None:
    """InputError unless `data` is a non-empty DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise InputError("data: the table has no rows")


def _feature_problems(data, field: str, names: Sequence[str], reserved: dict) -> list[str]:
    problems = []
    for i, name in enumerate(names):
        if name not in data.columns:
            problems.append(f"{field}: '{name}' is not a column of the data")
        elif name in reserved:
            problems.append(f"{field}: '{name}' is the {reserved[name]} column, not a feature")
        elif name in names[:i]:
            problems.append(f"{field}: '{name}' is listed twice")
    return problems


def _numeric(data, field: str, column: str, problems: list[str]) -> np.ndarray | None:
    if column not in data.columns:
        problems.append(f"{field}: '{column}' is not a column of the data")
        return None
    values = data[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        problems.append(f"column '{column}': must be numeric (got {values.dtype})")
        return None
    x = values.to_numpy(dtype=float, na_value=np.nan)
    _count(problems, column, ~np.isfinite(x), "missing or infinite values")
    return np.where(np.isfinite(x), x, np.nan)


def _count(problems: list[str], column: str, bad: np.ndarray, what: str) -> None:
    n = int(np.sum(bad))
    if n:
        problems.append(f"column '{column}': {n} {what}")
