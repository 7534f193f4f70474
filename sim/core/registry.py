"""The plug-in shape shared by every family (strategies, risk models, recommenders).

A kind is a frozen pydantic model of validated parameters with a ``kind: Literal[...]`` tag;
the family's registry is the discriminated union of its kinds on ``kind``. The list of kinds is
read off that union (`kinds_of`), never typed out beside it, and a plain mapping is validated
into one member by `parse_member`, whose problems name the field.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from xsim.core.errors import DISCRIMINATOR, InputError, validation_problems


def members_of(registry: Any) -> tuple[type, ...]:
    """The model classes of a registry ``Annotated[A | B | ..., Field(discriminator="kind")]``."""
    union, *_ = typing.get_args(registry)
    return typing.get_args(union)


def kinds_of(registry: Any) -> tuple[str, ...]:
    """The ``kind`` tags of a registry, in the order its union lists them."""
    return tuple(
        typing.get_args(cls.model_fields[DISCRIMINATOR].annotation)[0]
        for cls in members_of(registry)
    )


def parse_member(adapter: TypeAdapter, data: Any, field: str) -> Any:
    """Validate a mapping (e.g. from YAML) with a registry's `adapter` into one of its kinds;
    `InputError` with one line per problem, each naming `field` and the path below it."""
    if not isinstance(data, Mapping):
        raise InputError(
            f"{field}: must be a mapping with a '{DISCRIMINATOR}', got {type(data).__name__}"
        )
    try:
        return adapter.validate_python(dict(data))
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, field)) from None
