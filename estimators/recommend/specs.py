"""The recommender registry: a discriminated union on `kind`, plus context checks.

The scenario schema embeds `RecommenderSpec`; pydantic validates what a spec alone can know
(ranks >= 1, weights >= 0, known kind) and `parse_recommender_spec` turns its errors into lines
naming the field. What needs the scenario (rank < number of courses) is
`check_spec(spec, n_items)`, which returns one line per problem naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from xsim.core.registry import kinds_of, parse_member

from .popularity import PopularitySpec
from .regression import RegressionSpec
from .svd import SVDSpec

RecommenderSpec = Annotated[PopularitySpec | SVDSpec | RegressionSpec, Field(discriminator="kind")]

RECOMMENDER_KINDS: tuple[str, ...] = kinds_of(RecommenderSpec)

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


def parse_recommender_spec(
    data: Mapping[str, Any], *, field: str = "recommender"
) -> PopularitySpec | SVDSpec | RegressionSpec:
    """Validate a mapping such as ``{"kind": "svd", "rank": 8}`` into a spec; `InputError`
    lines name the field."""
    return parse_member(_ADAPTER, data, field)
