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


def test_the_arm_or_an_outcome_is_refused_as_a_covariate(tmp_path):
    """A covariate must be fixed before assignment: the arm, or an outcome, would absorb the
    effect and make a CUPED row 'significant' for a true effect of 0."""
    import pytest
    from typer.testing import CliRunner

    from tests.sim.builders import build
    from xsim.commands.app import app
    from xsim.core.errors import InputError

    with pytest.raises(InputError) as caught:
        build(**{"analysis.covariates": {"course_conversion": ["arm", "course_revenue",
                                                               "visits_pre"]}})  # fmt: skip
    lines = [p for p in caught.value.problems if "analysis.covariates" in p]
    assert len(lines) == 2 and "'arm' is not a pre-period" in lines[0]
    assert "'course_revenue' is not a pre-period" in lines[1]
    data = tmp_path / "pilot.csv"
    data.write_text("arm,y,x\n" + "".join(f"{'ab'[i % 2]},{i % 2},{i}\n" for i in range(20)))
    for column, what in (("arm", "arm column"), ("y", "outcome being analysed")):
        result = CliRunner().invoke(app, ["analyze", str(data), "--arm", "arm", "--control",
                                          "a", "--metric", "y", "--covariate", column])  # fmt: skip
        assert result.exit_code == 2 and what in result.output, result.output
