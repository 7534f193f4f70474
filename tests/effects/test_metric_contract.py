"""The contract of every metric kind in the registry: both spec forms, the round trip, the
columns, an arm summary and a comparison on a small frame, and errors that name the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from xsim.core.errors import InputError
from xsim.estimators.effects import (
    METRIC_KINDS,
    Mean,
    Metric,
    Proportion,
    Ratio,
    dump_metric_spec,
    parse_metric_spec,
)

CONTROL = pd.DataFrame(
    {"converted": [0, 1, 0, 0, 1, 0], "revenue": [0.0, 12.0, 3.0, 0.0, 20.0, 1.0],
     "visits": [1.0, 4.0, 2.0, 1.0, 5.0, 3.0]}
)  # fmt: skip
TREATMENT = pd.DataFrame(
    {"converted": [1, 1, 0, 1, 1, 0, 1], "revenue": [5.0, 30.0, 0.0, 8.0, 25.0, 2.0, 9.0],
     "visits": [2.0, 6.0, 1.0, 3.0, 5.0, 2.0, 4.0]}
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    shorthand: str
    mapping: dict[str, Any]
    columns: tuple[str, ...]
    name: str

    def value(self, frame: pd.DataFrame) -> float:
        """The arm's value computed by hand: a mean, or sum over sum for a ratio."""
        if len(self.columns) == 2:
            return frame[self.columns[0]].sum() / frame[self.columns[1]].sum()
        return frame[self.columns[0]].mean()


CASES = {
    "proportion": Case("converted:proportion", {"kind": "proportion", "column": "converted"},
                       ("converted",), "converted"),
    "mean": Case("revenue:mean", {"kind": "mean", "column": "revenue"}, ("revenue",), "revenue"),
    "ratio": Case("revenue/visits",
                  {"kind": "ratio", "numerator": "revenue", "denominator": "visits"},
                  ("revenue", "visits"), "revenue/visits"),
}  # fmt: skip


def test_every_registered_kind_has_a_case():
    assert set(CASES) == set(METRIC_KINDS)


@pytest.fixture(params=METRIC_KINDS)
def case(request) -> tuple[str, Case]:
    return request.param, CASES[request.param]


def test_both_forms_validate_to_the_same_metric(case):
    kind, c = case
    metric = parse_metric_spec(c.shorthand)
    assert metric == parse_metric_spec(c.mapping)
    assert isinstance(metric, Metric) and metric.kind == kind
    assert metric.name == c.name and metric.columns == c.columns


def test_round_trip_through_the_written_spec(case):
    _, c = case
    metric = parse_metric_spec(c.mapping)
    written = dump_metric_spec(metric)
    assert isinstance(written, str) and parse_metric_spec(written) == metric
    lower = parse_metric_spec({**c.mapping, "higher_is_better": False})
    mapping = dump_metric_spec(lower)  # no shorthand says "lower is better" without a context
    assert list(mapping)[0] == "kind"  # every field, the kind first
    assert mapping.items() >= {**c.mapping, "higher_is_better": False}.items()
    assert parse_metric_spec(mapping) == lower
    assert dump_metric_spec(lower, lower_is_better={c.name}) == written  # the context says it


def test_arm_summary_and_comparison(case):
    _, c = case
    metric = parse_metric_spec(c.shorthand)
    control, treatment = metric.arm_stats(CONTROL), metric.arm_stats(TREATMENT)
    assert (control.n, treatment.n) == (len(CONTROL), len(TREATMENT))
    assert control.mean == pytest.approx(c.value(CONTROL))
    assert treatment.mean == pytest.approx(c.value(TREATMENT))
    assert control.se == pytest.approx(control.sd / np.sqrt(control.n)) and control.se > 0
    test = metric.compare(control, treatment, alpha=0.05)
    assert test.diff == pytest.approx(c.value(TREATMENT) - c.value(CONTROL))
    assert test.ci_low < test.diff < test.ci_high and 0 < test.p_value < 1


def test_unit_values_exist_except_for_ratios(case):
    kind, c = case
    values = parse_metric_spec(c.shorthand).unit_values(CONTROL)
    if kind == "ratio":
        assert values is None  # no per-unit outcome: no regression adjustment
    else:
        np.testing.assert_array_equal(values, CONTROL[c.columns[0]].to_numpy(dtype=float))


def test_unknown_kind_names_the_field():
    with pytest.raises(InputError) as text:
        parse_metric_spec("revenue:median")
    assert text.value.problems == [
        "metric 'revenue:median': unknown kind 'median' (choose proportion, mean, ratio)"
    ]
    with pytest.raises(InputError) as mapping:
        parse_metric_spec({"kind": "median", "column": "revenue"}, field="analysis.metrics.2")
    assert mapping.value.problems == [
        "analysis.metrics.2.kind: unknown kind 'median' (choose proportion, mean, ratio)"
    ]


@pytest.mark.parametrize(
    "spec, problem",
    [
        ({"column": "revenue"}, "m.kind: missing (choose proportion, mean, ratio)"),
        ({"kind": "ratio", "numerator": "revenue"}, "m.denominator: Field required"),
        ({"kind": "mean", "column": "revenue", "scale": 2}, "m.scale: unknown field"),
        ({"kind": "mean", "column": ""}, "m.column: String should have at least 1 character"),
        ("revenue/", "m: a ratio is written 'numerator/denominator'"),
        (3, "m: write 'name[:kind]', 'numerator/denominator' or a mapping with a kind, not int"),
    ],
)
def test_bad_specs_name_the_part_at_fault(spec, problem):
    with pytest.raises(InputError) as excinfo:
        parse_metric_spec(spec, field="m")
    assert excinfo.value.problems == [problem]


def test_kind_of_a_bare_name_is_declared_or_guessed_only_from_data():
    zeros = pd.DataFrame({"bought": [0, 0, 1, 0], "spend": [0.0, 0.0, 0.0, 0.0]})
    assert parse_metric_spec("bought") == Mean("bought")  # no data, nothing declared
    assert parse_metric_spec("bought", zeros) == Proportion("bought")  # real data: guessed
    assert parse_metric_spec("spend", zeros) == Proportion("spend")  # ... from values alone
    assert parse_metric_spec("spend", zeros, proportions={"bought"}) == Proportion("spend")
    assert parse_metric_spec("bought", proportions={"bought"}) == Proportion("bought")
    churn = parse_metric_spec("churned", proportions={"churned"}, lower_is_better={"churned"})
    assert churn == Proportion("churned", higher_is_better=False)
    assert parse_metric_spec("a/b", lower_is_better={"a"}) == Ratio("a", "b")


def test_shortest_shorthand_follows_the_declarations():
    declared = {"proportions": {"converted"}}
    assert dump_metric_spec(Proportion("converted"), **declared) == "converted"
    assert dump_metric_spec(Mean("converted"), **declared) == "converted:mean"
    assert dump_metric_spec(Proportion("revenue"), **declared) == "revenue:proportion"
    assert dump_metric_spec(Ratio("revenue", "visits"), **declared) == "revenue/visits"
    assert dump_metric_spec(Proportion("converted", pooled_test=True), **declared) == "converted"
    unpooled = Proportion("converted", pooled_test=False)  # not the default: written in full
    assert dump_metric_spec(unpooled, **declared) == {
        "kind": "proportion", "column": "converted", "higher_is_better": True, "pooled_test": False
    }  # fmt: skip
