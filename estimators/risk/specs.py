"""The registry of risk-model kinds: a discriminated union on the `kind` field.

Scenario schemas embed `RiskModelSpec`; `parse_risk_model_spec` validates a plain mapping (e.g.
from YAML) on its own and turns pydantic's errors into `InputError` lines naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from xsim.core.registry import kinds_of, parse_member

from .freq_sev import FreqSevGLMSpec
from .logistic import LogisticSpec
from .tweedie import TweedieGLMSpec

RiskModelSpec = Annotated[
    FreqSevGLMSpec | TweedieGLMSpec | LogisticSpec, Field(discriminator="kind")
]

RISK_MODEL_KINDS: tuple[str, ...] = kinds_of(RiskModelSpec)

_ADAPTER: TypeAdapter = TypeAdapter(RiskModelSpec)


def parse_risk_model_spec(
    data: Mapping[str, Any], *, field: str = "risk_model"
) -> FreqSevGLMSpec | TweedieGLMSpec | LogisticSpec:
    """Validate a mapping such as ``{"kind": "tweedie_glm", "power": 1.6}`` into a spec;
    `InputError` lines name the field."""
    return parse_member(_ADAPTER, data, field)
