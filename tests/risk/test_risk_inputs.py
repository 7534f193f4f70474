"""Bad input: every problem is an InputError line naming the field or column."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from xsim.core.errors import InputError
from xsim.estimators.risk import (
    RISK_MODEL_KINDS,
    FreqSevGLMSpec,
    LogisticSpec,
    RiskModelSpec,
    TweedieGLMSpec,
    parse_risk_model_spec,
)

SPECS = [FreqSevGLMSpec(), TweedieGLMSpec(), LogisticSpec()]


def problems(excinfo) -> list[str]:
    return excinfo.value.problems


def test_registry_parses_each_kind():
    adapter = pydantic.TypeAdapter(RiskModelSpec)
    assert RISK_MODEL_KINDS == ("freq_sev_glm", "tweedie_glm", "logistic")
    assert isinstance(adapter.validate_python({"kind": "tweedie_glm"}), TweedieGLMSpec)
    spec = parse_risk_model_spec({"kind": "logistic", "link": "cloglog"})
    assert spec == LogisticSpec(link="cloglog")
    assert adapter.validate_python(spec.model_dump()) == spec


def test_unknown_kind_via_type_adapter():
    with pytest.raises(pydantic.ValidationError, match="freq_sev_glm.*tweedie_glm.*logistic"):
        pydantic.TypeAdapter(RiskModelSpec).validate_python({"kind": "neural_net"})


def test_unknown_kind_names_the_field():
    with pytest.raises(InputError) as excinfo:
        parse_risk_model_spec({"kind": "neural_net"}, field="insurer.risk_model")
    assert problems(excinfo) == [
        "insurer.risk_model.kind: unknown kind 'neural_net' "
        "(known: freq_sev_glm, tweedie_glm, logistic)"
    ]


def test_bad_parameters_name_the_field():
    with pytest.raises(InputError) as excinfo:
        parse_risk_model_spec({"kind": "tweedie_glm", "power": 2.5, "powr": 1})
    lines = problems(excinfo)
    assert any(line.startswith("risk_model.power: ") for line in lines)
    assert any(line.startswith("risk_model.powr: unknown field") for line in lines)
    with pytest.raises(InputError, match=r"risk_model\.kind: missing"):
        parse_risk_model_spec({"power": 1.5})


def test_specs_are_frozen():
    with pytest.raises(pydantic.ValidationError):
        TweedieGLMSpec().power = 1.2  # type: ignore[misc]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_missing_feature_column(spec, book):
    with pytest.raises(InputError) as excinfo:
        spec.fit(book, features=["age", "foo"])
    assert problems(excinfo) == ["features: 'foo' is not a column of the data"]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_non_positive_exposure(spec, book):
    bad = book.copy()
    bad.loc[bad.index[:12], "exposure_years"] = 0.0
    bad.loc[bad.index[12], "exposure_years"] = -1.0
    with pytest.raises(InputError) as excinfo:
        spec.fit(bad, features=["age"])
    assert problems(excinfo) == ["column 'exposure_years': 13 non-positive values"]


def test_every_problem_of_a_bad_table_is_listed(book):
    bad = book.head(100).astype({"claim_count": float})
    bad.loc[bad.index[0], "claim_count"] = -1
    bad.loc[bad.index[1], "claim_count"] = 1.5
    bad.loc[bad.index[2], "exposure_years"] = np.nan
    bad.loc[bad.index[3], "claim_amount"] = -5.0
    with pytest.raises(InputError) as excinfo:
        FreqSevGLMSpec().fit(bad, features=["age"])
    assert problems(excinfo) == [
        "column 'exposure_years': 1 missing or infinite values",
        "column 'claim_count': 1 negative values",
        "column 'claim_count': 1 non-integer values",
        "column 'claim_amount': 1 negative values",
    ]


def test_missing_policy_columns_name_the_argument(book):
    with pytest.raises(InputError) as excinfo:
        FreqSevGLMSpec().fit(book, features=["age"], exposure="years", claim_count="n")
    assert problems(excinfo) == [
        "exposure: 'years' is not a column of the data",
        "claim_count: 'n' is not a column of the data",
    ]


def test_amount_without_claim_is_rejected(book):
    bad = book.copy()
    row = bad.index[bad["claim_count"] == 0][0]
    bad.loc[row, "claim_amount"] = 100.0
    with pytest.raises(InputError, match="claim_amount.*1 rows with a positive amount but no"):
        FreqSevGLMSpec().fit(bad, features=["age"])


def test_feature_arguments_are_checked(book):
    with pytest.raises(InputError) as excinfo:
        FreqSevGLMSpec().fit(
            book, features=["age", "age", "claim_count"], platform_features=["tier"]
        )
    assert problems(excinfo) == [
        "features: 'age' is listed twice",
        "features: 'claim_count' is the claim_count column, not a feature",
        "consent: a consent column is required when platform_features are given",
    ]
    with pytest.raises(InputError, match="consent: 'agreed' is not a column"):
        FreqSevGLMSpec().fit(book, features=["age"], platform_features=["theta"], consent="agreed")
    with pytest.raises(InputError, match="features: expected a list of column names"):
        FreqSevGLMSpec().fit(book, features="age")
    with pytest.raises(InputError, match="reference_levels.tier: 'z' is not a level"):
        FreqSevGLMSpec().fit(book, features=["tier"], reference_levels={"tier": "z"})


def test_non_boolean_consent(book):
    bad = book.assign(consent=np.where(book["consent"], "yes", "no"))
    with pytest.raises(InputError, match="column 'consent': consent must be boolean"):
        FreqSevGLMSpec().fit(bad, features=["age"], platform_features=["theta"], consent="consent")


def test_missing_values_in_features(book):
    bad = book.copy()
    bad.loc[bad.index[:3], "age"] = np.nan
    bad.loc[bad.index[:2], "tier"] = None
    with pytest.raises(InputError) as excinfo:
        FreqSevGLMSpec().fit(bad, features=["age", "tier"])
    assert problems(excinfo) == [
        "column 'age': 3 missing or non-numeric values",
        "column 'tier': 2 missing values",
    ]


def test_collinear_features_are_named(book):
    data = book.assign(age2=2 * book["age"])
    with pytest.raises(InputError, match="features: the design is collinear.*'age"):
        FreqSevGLMSpec().fit(data, features=["age", "age2"])


def test_scoring_data_is_checked(book):
    fitted = FreqSevGLMSpec().fit(book, features=["age", "tier"])
    with pytest.raises(InputError, match="features: 'tier' is not a column of the data"):
        fitted.expected_cost(book[["age"]])
    with pytest.raises(InputError, match="column 'tier': levels not seen in fitting: 'z'"):
        fitted.expected_cost(book.head(3).assign(tier="z"))
    with pytest.raises(InputError, match="data: expected a pandas DataFrame"):
        fitted.expected_cost(book.to_numpy())
    with pytest.raises(InputError, match="data: the table has no rows"):
        fitted.expected_cost(book.head(0))


def test_too_few_claims_for_severity(book):
    few = book[book["claim_count"] == 0].head(500).copy()
    few.loc[few.index[:3], ["claim_count", "claim_amount"]] = [1, 1000.0]
    with pytest.raises(InputError, match="column 'claim_amount': 3 policies with claims"):
        FreqSevGLMSpec().fit(few, features=["age", "consent"])
    fitted = FreqSevGLMSpec(severity="constant").fit(few, features=["age"])
    assert fitted.expected_severity(few.head(1))[0] == pytest.approx(1000.0)


def test_a_level_without_claims_is_named(book):
    data = book.copy()
    data.loc[data["tier"] == "c", ["claim_count", "claim_amount"]] = 0
    with pytest.raises(InputError, match=r"no claims among the policies with 'tier\[T.c\]'"):
        FreqSevGLMSpec().fit(data, features=["age", "tier"])
    with pytest.raises(InputError, match="column 'claim_count': no claims in the data"):
        LogisticSpec().fit(data.assign(claim_count=0, claim_amount=0.0), features=["age"])
