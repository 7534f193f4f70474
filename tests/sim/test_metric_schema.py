"""Scenario metrics are typed when the scenario is validated: both spec forms, kinds declared by
the user table (never guessed from a run), the strings written back, errors naming the field."""

import pytest

from tests.sim.builders import build
from xsim.core.columns import LOWER_IS_BETTER, OUTCOMES, PROPORTIONS
from xsim.core.errors import InputError
from xsim.estimators.effects import Mean, Proportion, Ratio
from xsim.schema.io import parse_scenario, scenario_to_yaml


def test_a_bare_outcome_name_takes_its_declared_kind_and_direction():
    metrics = build(**{"analysis.metrics": list(OUTCOMES)}).analysis.metrics
    assert [m.name for m in metrics] == list(OUTCOMES)
    for metric in metrics:
        assert type(metric) is (Proportion if metric.name in PROPORTIONS else Mean)
        assert metric.higher_is_better is (metric.name not in LOWER_IS_BETTER)


def test_both_forms_validate_and_are_written_back():
    written = [
        "course_conversion",
        "course_revenue:proportion",
        "course_revenue/visits",
        {"kind": "ratio", "numerator": "premium_earned", "denominator": "policies"},
        {"kind": "proportion", "column": "policy_conversion", "pooled_test": False},
    ]
    scenario = build(**{
        "analysis.metrics": written,
        "analysis.primary": {"kind": "mean", "column": "visits"},
        "analysis.guardrails": [{"metric": "churned:proportion", "margin": 0.05}],
    })  # fmt: skip
    analysis = scenario.analysis
    assert analysis.metrics == [
        Proportion("course_conversion"),
        Proportion("course_revenue"),
        Ratio("course_revenue", "visits"),
        Ratio("premium_earned", "policies"),
        Proportion("policy_conversion", pooled_test=False),
    ]
    assert analysis.primary == Mean("visits")
    assert analysis.guardrails[0].metric == Proportion("churned", higher_is_better=False)
    dumped = scenario.model_dump(mode="json")["analysis"]
    assert dumped["metrics"][:4] == [
        "course_conversion", "course_revenue:proportion", "course_revenue/visits",
        "premium_earned/policies",
    ]  # fmt: skip
    assert dumped["metrics"][4] == {"kind": "proportion", "column": "policy_conversion",
                                    "higher_is_better": True, "pooled_test": False}  # fmt: skip
    assert dumped["primary"] == "visits" and dumped["guardrails"][0]["metric"] == "churned"
    assert parse_scenario(scenario_to_yaml(scenario)) == scenario


def test_the_defaults_are_written_as_plain_names():
    dumped = build().model_dump(mode="json")["analysis"]
    assert dumped["primary"] == "policy_conversion"
    assert dumped["metrics"] == [
        "course_conversion", "course_revenue", "policy_conversion", "premium_earned",
        "platform_net_revenue", "insurer_margin", "platform_value", "insurer_value",
    ]  # fmt: skip
    assert dumped["guardrails"] == [{"metric": "churned", "margin": 0.05, "relative": True}]


def test_bad_metrics_name_the_field():
    with pytest.raises(InputError) as bad_spec:
        build(**{"analysis.metrics": ["visits:median", {"kind": "ratio", "numerator": "visits"}]})
    assert bad_spec.value.problems == [
        "analysis.metrics.0: unknown kind 'median' (choose proportion, mean, ratio)"
        " (got 'visits:median')",
        "analysis.metrics.1: denominator: Field required",
    ]
    with pytest.raises(InputError) as not_an_outcome:
        build(**{"analysis.metrics": ["visits/nope"], "analysis.primary": "user_id",
                 "analysis.guardrails": [{"metric": "nope:mean", "margin": 0.1}]})  # fmt: skip
    assert not_an_outcome.value.problems == [
        "analysis.metrics.0: 'nope' is not an outcome column",
        "analysis.primary: 'user_id' is not an outcome column",
        "analysis.guardrails.0.metric: 'nope' is not an outcome column",
    ]
