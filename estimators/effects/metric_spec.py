"""The registry of metric kinds, and the one reader (and writer) of a metric's spec.

`MetricSpec` is the discriminated union on ``kind``: a mapping such as ``{kind: ratio,
numerator: revenue, denominator: visits}`` validates into a `Ratio`. The shorthand
``name[:kind]`` (a ratio is ``numerator/denominator``) is read by `parse_metric_spec` alone,
at the boundaries: the scenario schema and `analyze` on a data file. Everything downstream
holds typed metrics and reads ``.name``, ``.columns`` and ``.kind``.

A name without a kind is a proportion when the caller declares it one (``proportions``: the
simulator knows its 0/1 outcomes); otherwise, given the data, a column holding only 0/1 values
(or booleans, or yes/no and true/false words) is a proportion; otherwise a mean. Only real
data is ever guessed from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Annotated, Any, Union, get_args

import pandas as pd
from pydantic import Field, TypeAdapter, ValidationError

from xsim.core.errors import InputError

from .design import binary_text_values
from .metrics import Mean, Metric, Proportion, Ratio

MetricSpec = Annotated[
    Union[Proportion, Mean, Ratio],  # noqa: UP007 (kept explicit, as the other registries)
    Field(discriminator="kind"),
]

METRIC_KINDS: tuple[str, ...] = tuple(
    field.default
    for cls in get_args(get_args(MetricSpec)[0])
    for field in dataclasses.fields(cls)
    if field.name == "kind"
)

_ADAPTER: TypeAdapter = TypeAdapter(MetricSpec)
_FORMS = "write 'name[:kind]', 'numerator/denominator' or a mapping with a kind"


def parse_metric_spec(
    spec: str | Mapping[str, Any] | Metric,
    data: pd.DataFrame | None = None,
    *,
    proportions: Collection[str] = (),
    lower_is_better: Collection[str] = (),
    field: str | None = None,
) -> Metric:
    """A typed metric from the shorthand ``"name[:kind]"`` / ``"num/den"`` or a mapping.

    Without a kind, ``name`` is a proportion if listed in ``proportions``, else guessed from
    ``data`` when given (see the module docstring), else a mean. Unless a mapping sets
    ``higher_is_better``, a metric whose name is in ``lower_is_better`` has it False. A metric
    object is returned as it is. Raises `InputError` with one line per problem, each starting
    with ``field`` (default: ``metric '<spec>'``, or ``metric`` for a mapping; with ``""`` the
    lines name only the part of the spec at fault, for a caller that knows the path).
    """
    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        field = f"metric {spec!r}" if field is None else field
        return _validated(_shorthand_values(spec, data, proportions, field), lower_is_better, field)
    field = "metric" if field is None else field
    if isinstance(spec, Mapping):
        return _validated(dict(spec), lower_is_better, field)
    raise InputError(_line(field, "", f"{_FORMS}, not {type(spec).__name__}"))


def dump_metric_spec(
    metric: Metric, *, proportions: Collection[str] = (), lower_is_better: Collection[str] = ()
) -> str | dict[str, Any]:
    """The spec as a person writes it: the shortest shorthand that `parse_metric_spec` (with
    the same declarations, without data) reads back as ``metric``; the mapping, kind first,
    when no shorthand says everything (a pooled test, a direction other than the declared)."""
    for text in (metric.name, f"{metric.name}:{metric.kind}"):
        try:
            parsed = parse_metric_spec(
                text, proportions=proportions, lower_is_better=lower_is_better
            )
        except InputError:
            continue
        if parsed == metric:
            return text
    values = _ADAPTER.dump_python(metric)
    return {"kind": values.pop("kind"), **values}


def _shorthand_values(spec: str, data, proportions, field: str) -> dict[str, str]:
    """The mapping a shorthand stands for."""
    name, kind = _split_kind(spec, data, field)
    if kind is None:
        is_ratio = "/" in name and not _has_column(data, name)
        kind = "ratio" if is_ratio else _default_kind(name, data, proportions)
    if kind != "ratio":
        return {"kind": kind, "column": name}
    numerator, sep, denominator = name.partition("/")
    if not sep or not numerator or not denominator:
        raise InputError(_line(field, "", "a ratio is written 'numerator/denominator'"))
    return {"kind": kind, "numerator": numerator, "denominator": denominator}


def _split_kind(spec: str, data, field: str) -> tuple[str, str | None]:
    name, sep, kind = spec.rpartition(":")
    if not sep or _has_column(data, spec):  # a column may have a colon in its name
        return spec, None
    if kind not in METRIC_KINDS:
        raise InputError(
            _line(field, "", f"unknown kind {kind!r} (choose {', '.join(METRIC_KINDS)})")
        )
    return name, kind


def _default_kind(name: str, data, proportions: Collection[str]) -> str:
    if name in proportions:
        return "proportion"
    return _guess_kind(data[name]) if _has_column(data, name) else "mean"


def _guess_kind(column: pd.Series) -> str:
    """Real data without a declared kind: booleans, only 0/1 values or only yes/no (true/false)
    words make a proportion."""
    if pd.api.types.is_bool_dtype(column) or binary_text_values(column) is not None:
        return "proportion"
    values = pd.to_numeric(column, errors="coerce").dropna()
    is_binary = len(values) > 0 and bool(values.isin([0, 1]).all())
    return "proportion" if is_binary else "mean"


def _has_column(data: pd.DataFrame | None, name: str) -> bool:
    return data is not None and name in data.columns


def _validated(values: dict[str, Any], lower_is_better: Collection[str], field: str) -> Metric:
    try:
        metric = _ADAPTER.validate_python(values)
    except ValidationError as exc:
        raise InputError([_problem(err, field) for err in exc.errors(include_url=False)]) from None
    if "higher_is_better" not in values and metric.name in lower_is_better:
        metric = dataclasses.replace(metric, higher_is_better=False)
    return metric


def _problem(err: dict, field: str) -> str:
    """One line per pydantic error, naming the field; the union tag is not part of the path."""
    kinds = ", ".join(METRIC_KINDS)
    if err["type"] == "union_tag_invalid":
        return _line(field, "kind", f"unknown kind {err['ctx']['tag']!r} (choose {kinds})")
    if err["type"] == "union_tag_not_found":
        return _line(field, "kind", f"missing (choose {kinds})")
    loc = [str(p) for p in err["loc"]]
    if loc and loc[0] in METRIC_KINDS:
        loc = loc[1:]
    detail = "unknown field" if err["type"] == "unexpected_keyword_argument" else err["msg"]
    return _line(field, ".".join(loc), detail)


def _line(field: str, part: str, detail: str) -> str:
    """``field.part: detail``; without a field (the caller holds the path) ``part: detail``."""
    path = ".".join(p for p in (field, part) if p)
    return f"{path}: {detail}" if path else detail
