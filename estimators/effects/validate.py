"""Input validation for `analyze`: every problem found, one line each, before any statistics.

Each line names the column, argument or value at fault, so `xsim analyze` can print them and
exit 2. Missing values are an error unless the caller asks to drop them: silently dropping rows
can bias an experiment (missingness may depend on the arm).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xsim.core.errors import InputError

from .design import Design, binary_text_values
from .metric_spec import parse_metric_spec
from .metrics import Metric, Ratio
from .multiplicity import CORRECTIONS, Guardrail

_MAX_EXAMPLES = 3


@dataclass
class Plan:
    """Validated inputs: a clean frame (arm labels as text) and resolved metrics.

    ``from_text`` lists the metrics that were given as specs rather than objects, so the
    report can state the kind each was read as."""

    frame: pd.DataFrame
    arm: str
    control: str
    treatments: list[str]
    metrics: list[Metric]
    guardrails: list[tuple[Metric, Guardrail]]
    covariates: dict[str, list[str]]
    segment: str | None
    dropped_rows: int = 0
    notes: list[str] = field(default_factory=list)
    from_text: list[Metric] = field(default_factory=list)
    primary: str | None = None  # the decision metric, a family of its own
    comparisons: list[tuple[str, str]] = field(default_factory=list)  # extra (reference, arm)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every (reference, arm) comparison: each treatment vs control, then the extra ones."""
        return [(self.control, t) for t in self.treatments] + self.comparisons


def prepare(
    data: pd.DataFrame,
    arm: str,
    control: str,
    metrics: Sequence[Metric | str | Mapping],
    covariates: Sequence[str] | Mapping[str, Sequence[str]] = (),
    segment: str | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    guardrails: Sequence[Guardrail] = (),
    dropna: bool = False,
    expected_weights: Mapping[str, float] | None = None,
    design: Design | None = None,
) -> Plan:
    """Check everything; raise one `InputError` listing all problems, or return a `Plan`.

    Metrics and guardrail metrics given as specs (``"name[:kind]"``, ``"num/den"`` or a
    mapping) are read here, once, by `parse_metric_spec` with the data (the boundary of
    `analyze`); metric objects are used as they are."""
    design = design or Design()
    metrics = [metrics] if isinstance(metrics, str | Mapping | Metric) else list(metrics)
    covariates = [covariates] if isinstance(covariates, str) else covariates
    problems = _check_settings(alpha, correction, metrics, guardrails)
    primary, guards, from_text, parse_problems = _resolve_metrics(
        data, metrics, guardrails, design.lower_is_better
    )
    problems += parse_problems + design.check_metrics(primary, guards, data)
    every_metric = primary + [metric for metric, _ in guards]
    cov_map = _covariate_map(covariates, primary)
    problems += _check_covariates(cov_map, arm, every_metric)
    used = _used_columns(arm, every_metric, cov_map, segment)
    problems += _missing_columns(data, used)
    present = [c for c in used if c in data.columns]
    frame = data[present].copy()
    missing = frame.isna()  # before coercion, so a non-numeric value is not also "missing"
    metric_columns = dict.fromkeys(c for m in every_metric for c in m.columns if c in frame)
    problems += _coerce_numeric(frame, list(metric_columns))
    problems += _check_proportions(frame, every_metric)
    frame, dropped, nan_problems = _handle_missing(frame, missing, dropna)
    problems += nan_problems
    if arm in frame.columns:
        frame[arm] = frame[arm].astype(str)
        problems += _check_arms(data, frame, arm, str(control), expected_weights, dropped)
        problems += _check_denominators(frame, arm, every_metric)
        problems += design.check_comparisons(frame[arm], arm)
    if problems:
        raise InputError(problems)
    treatments = sorted(a for a in frame[arm].unique() if a != str(control))
    plan = Plan(frame, arm, str(control), treatments, primary, guards, cov_map, segment, dropped,
                from_text=from_text, primary=design.primary,
                comparisons=[(str(a), str(b)) for a, b in design.comparisons])  # fmt: skip
    if dropped:
        plan.notes.append(f"Dropped {dropped:,} rows with missing values (dropna).")
    return plan


def _check_covariates(cov_map: dict[str, list[str]], arm: str, metrics: list[Metric]) -> list[str]:
    """A covariate must be fixed before assignment: the arm column or an analysed outcome as
    a covariate absorbs the effect (a 'significant' CUPED row for a true effect of 0)."""
    outcomes = {c for m in metrics for c in m.columns}
    return [
        f"covariate {column!r} (for {name}): is the "
        + ("arm column" if column == arm else "outcome being analysed")
        + "; a covariate must be measured before assignment"
        for name, columns in cov_map.items()
        for column in columns
        if column == arm or column in outcomes
    ]


def _check_settings(alpha, correction, metrics, guardrails) -> list[str]:
    problems = []
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        problems.append(f"alpha: must be between 0 and 1 (got {alpha!r})")
    if correction not in CORRECTIONS:
        problems.append(f"correction: must be one of {', '.join(CORRECTIONS)} (got {correction!r})")
    if not metrics and not guardrails:
        problems.append("metric: give at least one metric to analyse")
    return problems


def _resolve_metrics(data, metrics, guardrails, lower_is_better=()):
    """The metrics, the guardrails with their metrics, the metrics read from specs, problems.

    A guardrail that states its direction overrides the metric's (and ``lower_is_better``)."""
    specs = [*metrics, *(guardrail.metric for guardrail in guardrails)]
    directions = [None] * len(metrics) + [g.higher_is_better for g in guardrails]
    read, problems = [], []
    for spec, direction in zip(specs, directions, strict=True):
        try:
            metric = parse_metric_spec(spec, data, lower_is_better=lower_is_better)
        except InputError as err:
            read.append(None)
            problems += err.problems
            continue
        if direction is not None:
            metric = dataclasses.replace(metric, higher_is_better=direction)
        read.append(metric)
    primary = [metric for metric in read[: len(metrics)] if metric is not None]
    guards = [
        (m, g) for m, g in zip(read[len(metrics) :], guardrails, strict=True) if m is not None
    ]
    from_text = [m for spec, m in zip(specs, read, strict=True) if m is not None and m is not spec]
    return primary, guards, from_text, problems


def _covariate_map(covariates, metrics: list[Metric]) -> dict[str, list[str]]:
    """Metric name -> covariate columns; a plain list applies to every metric."""
    if isinstance(covariates, Mapping):
        return {name: list(cols) for name, cols in covariates.items() if cols}
    return {metric.name: list(covariates) for metric in metrics} if covariates else {}


def _used_columns(arm, metrics: list[Metric], cov_map, segment) -> list[str]:
    columns = [arm]
    for metric in metrics:
        columns += metric.columns
    for cols in cov_map.values():
        columns += cols
    if segment is not None:
        columns.append(segment)
    return list(dict.fromkeys(columns))


def _missing_columns(data: pd.DataFrame, used: list[str]) -> list[str]:
    available = ", ".join(map(str, data.columns[:20])) + (", ..." if data.shape[1] > 20 else "")
    return [
        f"column '{c}': not found in the data (columns: {available})"
        for c in used
        if c not in data.columns
    ]


def _coerce_numeric(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Convert metric columns to float in place; report values that are not numbers."""
    problems = []
    for name in columns:
        original = frame[name]
        binary = binary_text_values(original)  # yes/no, true/false: 1/0
        numeric = pd.to_numeric(original if binary is None else binary, errors="coerce")
        numeric = numeric.astype(float)
        bad = original.notna() & numeric.isna()
        if bad.any():
            examples = ", ".join(repr(v) for v in original[bad].unique()[:_MAX_EXAMPLES])
            problems.append(
                f"column '{name}': not numeric"
                f" ({int(bad.sum())} non-numeric values, e.g. {examples})"
            )
        infinite = np.isinf(numeric)
        if infinite.any():
            problems.append(f"column '{name}': {int(infinite.sum())} infinite values")
        frame[name] = numeric
    return problems


def _check_proportions(frame: pd.DataFrame, metrics: list[Metric]) -> list[str]:
    problems = []
    for metric in metrics:
        if metric.kind != "proportion" or metric.column not in frame:
            continue
        values = frame[metric.column].dropna()
        bad = values[~values.isin([0.0, 1.0])]
        if len(bad):
            examples = ", ".join(f"{v:g}" for v in bad.unique()[:_MAX_EXAMPLES])
            problems.append(
                f"column '{metric.column}': a proportion must be 0/1 ({len(bad)} other values,"
                f" e.g. {examples}); use '{metric.column}:mean' for a numeric outcome"
            )
    return problems


def _handle_missing(frame: pd.DataFrame, missing: pd.DataFrame, dropna: bool):
    counts = missing.sum()
    if not counts.any():
        return frame, 0, []
    if dropna:
        keep = ~missing.any(axis=1)
        return frame[keep].copy(), int((~keep).sum()), []
    return (
        frame,
        0,
        [
            f"column '{c}': {int(n)} missing values (NaN); drop those rows with --dropna"
            for c, n in counts.items()
            if n
        ],
    )


def _check_arms(data, frame, arm, control, expected_weights, dropped) -> list[str]:
    counts = frame[arm].value_counts()
    declared = _declared_arms(data[arm], expected_weights)
    problems = [
        f"arm '{a}' (column '{arm}'): no rows"
        + (" left after dropping missing values" if dropped else "")
        for a in declared
        if counts.get(a, 0) == 0
    ]
    arms = sorted(set(counts.index) | set(declared))
    if str(control) not in arms:
        listed = ", ".join(f"'{a}'" for a in arms)
        problems.append(f"control '{control}': not an arm in column '{arm}' (arms: {listed})")
    if len(counts) < 2:
        only = ", ".join(f"'{a}'" for a in counts.index) or "none"
        problems.append(f"column '{arm}': only one arm ({only}); need a control and a treatment")
    if expected_weights is not None:
        problems += [
            f"expected_weights: weight of arm '{a}' must be > 0 (got {w!r})"
            for a, w in expected_weights.items()
            if not (isinstance(w, int | float) and w > 0)
        ]
        problems += [
            f"expected_weights: no weight for arm '{a}'"
            for a in counts.index
            if a not in expected_weights
        ]
    return problems


def _declared_arms(column: pd.Series, expected_weights) -> list[str]:
    """Arms that should exist: categorical levels and weighted arms (their absence is an error)."""
    declared = []
    if isinstance(column.dtype, pd.CategoricalDtype):
        declared += [str(c) for c in column.cat.categories]
    if expected_weights is not None:
        declared += [str(a) for a in expected_weights]
    return list(dict.fromkeys(declared))


def _check_denominators(frame: pd.DataFrame, arm: str, metrics: list[Metric]) -> list[str]:
    problems = []
    for metric in metrics:
        if not isinstance(metric, Ratio) or metric.denominator not in frame:
            continue
        totals = frame.groupby(arm, observed=True)[metric.denominator].sum()
        problems += [
            f"column '{metric.denominator}': ratio denominator sums to zero in arm '{a}'"
            f" ({metric.name} undefined)"
            for a, total in totals.items()
            if total == 0
        ]
    return problems
