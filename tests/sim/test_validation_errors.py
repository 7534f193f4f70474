"""The one formatter of pydantic errors (`xsim.core.errors.validation_problems`): one line per
problem, ``field.path: message (got value)``, union tags left out of the path."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xsim.core.errors import validation_problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Circle(_Strict):
    kind: Literal["circle"] = "circle"
    radius: float = Field(1.0, gt=0)


class Square(_Strict):
    kind: Literal["square"] = "square"
    side: float = Field(1.0, gt=0)
    corners: list[int] = [0, 0, 0, 0]


Shape = Annotated[Circle | Square, Field(discriminator="kind")]


class Drawing(_Strict):
    shapes: dict[str, Shape]
    title: str

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.shapes:
            raise ValueError("shapes: draw something\ntitle: then name it")
        return self


def problems(data: dict, field: str = "") -> list[str]:
    with pytest.raises(ValidationError) as info:
        Drawing.model_validate(data)
    return validation_problems(info.value, data, field)


def test_paths_leave_out_the_union_tag_but_keep_a_key_that_spells_one():
    data = {"title": "t", "shapes": {"a": {"kind": "circle", "radius": -1}, "circle": {"side": 0}}}
    assert problems(data) == [
        "shapes.a.radius: Input should be greater than 0 (got -1)",
        "shapes.circle.kind: missing (a kind is required)",
    ]
    data["shapes"]["circle"] = {"kind": "square", "side": 0}
    assert problems(data)[1] == "shapes.circle.side: Input should be greater than 0 (got 0)"


def test_an_unknown_kind_lists_the_known_ones_in_the_union_order():
    data = {"title": "t", "shapes": {"a": {"kind": "triangle"}}}
    assert problems(data, "drawing") == [
        "drawing.shapes.a.kind: unknown kind 'triangle' (known: circle, square)"
    ]


def test_unknown_and_missing_fields_and_values_shown_only_when_plain():
    data = {"shapes": {"s": {"kind": "square", "colour": "red", "corners": {"x": 1}}}}
    assert problems(data) == [
        "shapes.s.corners: Input should be a valid list",
        "shapes.s.colour: unknown field (check the spelling; `xsim schema` lists the fields)",
        "title: required field is missing",
    ]
    data = {"title": "t", "shapes": {"s": {"kind": "square", "corners": [1, "x"]}}}
    assert problems(data) == [
        "shapes.s.corners.1: Input should be a valid integer, unable to parse string as an "
        "integer (got 'x')"
    ]


def test_a_check_of_the_whole_input_keeps_its_own_lines():
    assert problems({"title": "t", "shapes": {}}) == [
        "shapes: draw something",
        "title: then name it",
    ]
