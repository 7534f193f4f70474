"""The strategy registry is one tuple of classes: the scenario's discriminated union and the list
of kinds are derived from it, so a new kind is one file plus one line in the registry."""

from typing import Literal, get_args

import pytest
from pydantic import TypeAdapter, ValidationError

from xsim.core.protocols import Offers
from xsim.schema.io import scenario_json_schema
from xsim.strategies import (
    STRATEGY_CLASSES,
    STRATEGY_KINDS,
    StrategyParams,
    StrategySpec,
    kind_of,
    kinds_of,
    union_of,
)


class Throwaway(StrategyParams):
    """A kind that exists only in this test."""

    kind: Literal["throwaway"] = "throwaway"

    def decide(self, view, rng) -> Offers:
        return Offers()


def test_a_registered_class_shows_up_in_the_union_and_the_kinds():
    registry = (*STRATEGY_CLASSES, Throwaway)
    assert kinds_of(registry) == (*STRATEGY_KINDS, "throwaway")
    spec = TypeAdapter(union_of(registry)).validate_python({"kind": "throwaway", "budget": 5})
    assert isinstance(spec, Throwaway) and spec.budget == 5
    with pytest.raises(ValidationError):  # not registered: the scenario's union rejects it
        TypeAdapter(StrategySpec).validate_python({"kind": "throwaway"})


def test_the_scenario_union_and_kinds_are_the_registry():
    union, field = get_args(StrategySpec)
    assert get_args(union) == STRATEGY_CLASSES
    assert field.discriminator == "kind"
    assert tuple(kind_of(cls) for cls in STRATEGY_CLASSES) == STRATEGY_KINDS
    assert len(set(STRATEGY_KINDS)) == len(STRATEGY_KINDS)
    strategy = scenario_json_schema()["$defs"]["Arm"]["properties"]["strategy"]
    assert set(strategy["discriminator"]["mapping"]) == set(STRATEGY_KINDS)
