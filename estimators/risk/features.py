"""From a policy DataFrame to a numeric design matrix, learnt once on the training data.

Numeric columns (ints, floats) enter as they are. Any other column (strings, pandas
categoricals, booleans) is a factor coded with one 0/1 dummy per level except a reference
level: the first category of a pandas Categorical, else the smallest value, unless
`reference_levels` names another. Dummies are named like patsy's, ``Region[T.R11]``; to treat an
integer column as a factor, cast it to ``"category"`` first.

Platform (partner) features are used only where the consent column is true: their terms are
multiplied by consent, and a ``no_consent`` indicator gives non-consenting users their own
level, so a model can price them on the insurer's own rating factors alone. Comparing a model
with and without platform features on held-out data measures what the partner's data is worth
(see `value.partner_data_value`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xsim.core.errors import InputError

from .glm import INTERCEPT

NO_CONSENT = "no_consent"


@dataclass(frozen=True)
class Term:
    """One feature: numeric, or a factor with its reference and non-reference levels."""

    column: str
    levels: tuple = ()
    reference: object = None
    platform: bool = False

    @property
    def is_factor(self) -> bool:
        return self.reference is not None

    @property
    def names(self) -> tuple[str, ...]:
        if not self.is_factor:
            return (self.column,)
        return tuple(f"{self.column}[T.{level}]" for level in self.levels)


@dataclass(frozen=True)
class FeatureEncoder:
    """The learnt coding of features into design columns (intercept first)."""

    terms: tuple[Term, ...]
    consent: str | None = None
    consent_indicator: bool = False

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(t.column for t in self.terms)

    @property
    def names(self) -> tuple[str, ...]:
        names = [INTERCEPT] + [n for t in self.terms for n in t.names]
        return tuple(names + [NO_CONSENT] if self.consent_indicator else names)

    def transform(self, data: pd.DataFrame) -> np.ndarray:
        """Design matrix (rows of `data` × `names`); InputError on missing or unseen values."""
        require_columns(data, self.features, "features")
        if self.consent:
            require_columns(data, [self.consent], "consent")
        consent = self._consent(data)
        problems: list[str] = []
        out = np.empty((len(data), len(self.names)))
        out[:, 0] = 1.0
        start = 1
        for term in self.terms:
            mask = consent if term.platform else None
            stop = start + len(term.names)
            out[:, start:stop] = _encode(term, data[term.column], mask, problems)
            start = stop
        if self.consent_indicator:
            out[:, -1] = ~consent
        if problems:
            raise InputError(problems)
        return out

    def _consent(self, data: pd.DataFrame) -> np.ndarray:
        if self.consent is None:
            return np.ones(len(data), dtype=bool)
        consent = consent_array(data, self.consent)
        if not self.consent_indicator and not consent.all():
            raise InputError(
                f"column '{self.consent}': {int((~consent).sum())} rows without consent, but "
                "the model was fitted on consenting rows only"
            )
        return consent


def fit_encoder(
    data: pd.DataFrame,
    features: Sequence[str],
    *,
    platform_features: Sequence[str] = (),
    consent: str | None = None,
    reference_levels: Mapping[str, object] | None = None,
) -> FeatureEncoder:
    """Learn numeric/factor coding and reference levels from the training data."""
    refs = dict(reference_levels or {})
    problems = [
        f"reference_levels: '{c}' is not a feature"
        for c in refs
        if c not in {*features, *platform_features}
    ]
    mask = consent_array(data, consent) if consent else np.ones(len(data), dtype=bool)
    terms = []
    for column in [*features, *platform_features]:
        platform = column in platform_features
        values = data[column][mask] if platform else data[column]
        terms.append(_learn_term(column, values, refs.get(column), platform, problems))
    if problems:
        raise InputError(problems)
    indicator = bool(platform_features) and not mask.all()
    return FeatureEncoder(tuple(terms), consent if platform_features else None, indicator)


def consent_array(data: pd.DataFrame, column: str) -> np.ndarray:
    """The consent column as booleans; InputError unless it holds only True/False or 0/1."""
    values = data[column]
    if values.isna().any() or not set(pd.unique(values)) <= {False, True}:  # 0/1 compare equal
        raise InputError(f"column '{column}': consent must be boolean (True/False or 0/1)")
    return values.to_numpy().astype(bool)


def is_factor(values: pd.Series) -> bool:
    """True for columns coded as factors: anything not a plain (non-boolean) number."""
    return not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def _learn_term(column, values: pd.Series, reference, platform, problems) -> Term:
    if not is_factor(values):
        return Term(column, platform=platform)
    levels = _levels(values)
    if reference is None:
        reference = levels[0] if levels else None
    else:
        match = [lv for lv in levels if str(lv) == str(reference)]
        if not match:
            problems.append(f"reference_levels.{column}: '{reference}' is not a level of it")
            return Term(column, platform=platform)
        reference = match[0]
    rest = tuple(lv for lv in levels if lv != reference)
    return Term(column, rest, reference, platform)


def _levels(values: pd.Series) -> list:
    """Observed levels, in category order for Categoricals, else sorted."""
    present = pd.unique(values.dropna())
    if isinstance(values.dtype, pd.CategoricalDtype):
        seen = set(present)
        return [c for c in values.cat.categories if c in seen]
    try:
        return sorted(present.tolist())
    except TypeError:
        return sorted(present.tolist(), key=str)


def _encode(term: Term, values: pd.Series, mask, problems: list[str]) -> np.ndarray:
    """Columns of one term; rows outside `mask` (no consent) are zero and may hold anything."""
    rows = np.ones(len(values), dtype=bool) if mask is None else mask
    if not term.is_factor:
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        bad = int((~np.isfinite(x) & rows).sum())
        if bad:
            problems.append(f"column '{term.column}': {bad} missing or non-numeric values")
        return np.where(rows & np.isfinite(x), x, 0.0)[:, None]
    categories = [term.reference, *term.levels]
    codes = pd.Index(categories, dtype=object).get_indexer(values.astype(object))
    missing = int((values.isna().to_numpy() & rows).sum())
    unseen = pd.unique(values[(codes < 0) & rows & values.notna().to_numpy()])
    if missing:
        problems.append(f"column '{term.column}': {missing} missing values")
    if len(unseen):
        shown = ", ".join(repr(v) for v in unseen[:5].tolist())
        problems.append(f"column '{term.column}': levels not seen in fitting: {shown}")
    dummies = codes[:, None] == np.arange(1, len(categories))[None, :]
    return (dummies & rows[:, None]).astype(float)


def require_columns(data: pd.DataFrame, columns: Sequence[str], field: str) -> None:
    """InputError naming each of `columns` that `data` lacks, under the argument `field`."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InputError([f"{field}: '{c}' is not a column of the data" for c in missing])
