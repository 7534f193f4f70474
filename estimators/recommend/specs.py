"""The recommender registry: a discriminated union on `kind`, plus context checks.

The scenario schema embeds `RecommenderSpec`; pydantic validates what a spec alone can know
(ranks >= 1, weights >= 0, known kind). What needs the scenario (rank < number of courses) is
`check_spec(spec, n_items)`, which returns one line per problem naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from xsim.core.errors import InputError

from .popularity import PopularitySpec
from .regression import RegressionSpec
from .svd import SVDSpec

RecommenderSpec = Annotated[PopularitySpec | SVDSpec | RegressionSpec, Field(discriminator="kind")]

KINDS: tuple[str, ...] = ("popularity", "svd", "regression")

_ADAPTER: TypeAdapter = TypeAdapter(RecommenderSpec)


def check_spec(
    spec: PopularitySpec | SVDSpec | RegressionSpec,
    n_items: int,
    n_users: int | None = None,
    field: str = "recommender",
) -> list[str]:
    """Problems of `spec` in a world with `n_items` courses (and `n_users` users), if any."""
    problems: list[str] = []
    if isinstance(spec, SVDSpec):
        if spec.rank >= n_items:
            problems.append(
                f"{field}.rank: must be < number of courses ({n_items}), got {spec.rank}"
            )
        if n_users is not None and spec.rank >= n_users:
            problems.append(f"{field}.rank: must be < number of users ({n_users}), got {spec.rank}")
    return problems


def validation_problems(err: ValidationError, field: str = "recommender") -> list[str]:
    """pydantic errors as ``field.path: message`` lines (an unknown kind names `kind`)."""
    lines = []
    for e in err.errors():
        loc = [str(p) for p in e["loc"]]
        if loc and loc[0] in KINDS:  # the union member's tag is not part of the user's path
            loc = loc[1:]
        if e["type"] in ("union_tag_invalid", "union_tag_not_found"):
            got = e.get("input", {}).get("kind") if isinstance(e.get("input"), dict) else None
            tag = f"got {got!r}" if got is not None else "missing"
            lines.append(f"{field}.kind: must be one of {', '.join(KINDS)} ({tag})")
            continue
        got = e.get("input")
        shown = f" (got {got!r})" if isinstance(got, int | float | str) else ""
        lines.append(".".join([field, *loc]) + f": {e['msg']}{shown}")
    return lines


def parse_spec(data: Mapping[str, Any], field: str = "recommender") -> RecommenderSpec:
    """Validate a mapping (e.g. from YAML) into a spec; `InputError` lines name the field."""
    if not isinstance(data, Mapping):
        raise InputError(f"{field}: must be a mapping with a 'kind', got {type(data).__name__}")
    try:
        return _ADAPTER.validate_python(dict(data))
    except ValidationError as err:
        raise InputError(validation_problems(err, field)) from None
