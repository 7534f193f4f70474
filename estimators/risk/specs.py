"""The registry of risk-model kinds: a discriminated union on the `kind` field.

Scenario schemas embed `RiskModelSpec`; `parse_risk_model_spec` validates a plain mapping (e.g.
from YAML) on its own and turns pydantic's errors into `InputError` lines naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args

from pydantic import Field, TypeAdapter, ValidationError

from xsim.core.errors import InputError

from .freq_sev import FreqSevGLMSpec
from .logistic import LogisticSpec
from .tweedie import TweedieGLMSpec

RiskModelSpec = Annotated[
    Union[FreqSevGLMSpec, TweedieGLMSpec, LogisticSpec],  # noqa: UP007 (kept explicit)
    Field(discriminator="kind"),
]

RISK_MODEL_KINDS: tuple[str, ...] = tuple(
    cls.model_fields["kind"].default for cls in get_args(get_args(RiskModelSpec)[0])
)

_ADAPTER: TypeAdapter = TypeAdapter(RiskModelSpec)


def parse_risk_model_spec(
    value: Mapping[str, Any], *, field: str = "risk_model"
) -> FreqSevGLMSpec | TweedieGLMSpec | LogisticSpec:
    """Validate a mapping such as ``{"kind": "tweedie_glm", "power": 1.6}`` into a spec."""
    try:
        return _ADAPTER.validate_python(value)
    except ValidationError as exc:
        raise InputError([_problem(err, field) for err in exc.errors()]) from None


def _problem(err: dict, field: str) -> str:
    """One line per pydantic error; the union tag is stripped from the location."""
    kinds = ", ".join(RISK_MODEL_KINDS)
    if err["type"] == "union_tag_invalid":
        tag = err["ctx"]["tag"]
        return f"{field}.kind: unknown risk model kind '{tag}' (expected one of: {kinds})"
    if err["type"] == "union_tag_not_found":
        return f"{field}.kind: missing (expected one of: {kinds})"
    loc = [str(p) for p in err["loc"]]
    if loc and loc[0] in RISK_MODEL_KINDS:
        loc = loc[1:]
    return f"{'.'.join([field, *loc])}: {err['msg']}"
