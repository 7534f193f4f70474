"""Bad input is reported line by line (the CLI exits 2 with these lines); odd data still works."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from xsim.core.errors import InputError
from xsim.estimators.effects import (
    ROW_KEYS,
    Guardrail,
    Mean,
    Proportion,
    Ratio,
    analyze,
    parse_metric_spec,
    read_table,
)


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 600
    arm = np.repeat(["control", "a", "b"], n // 3)
    pre = rng.gamma(2.0, 5.0, n)
    visits = rng.poisson(3, n) + 1
    return pd.DataFrame(
        {
            "arm": arm,
            "converted": rng.binomial(1, np.where(arm == "a", 0.3, 0.2)),
            "revenue": pre * 0.8 + rng.gamma(2.0, 5.0, n) + np.where(arm == "b", 2.0, 0.0),
            "pre_revenue": pre,
            "visits": visits,
            "city": rng.choice(["north", "south"], n),
        }
    )


def problems_of(excinfo) -> list[str]:
    return excinfo.value.problems


def test_missing_column(data):
    with pytest.raises(InputError) as excinfo:
        analyze(data, "arm", "control", ["revenue", "nope"], covariates=["pre_nope"])
    problems = problems_of(excinfo)
    assert any(p.startswith("column 'nope': not found") for p in problems)
    assert any(p.startswith("column 'pre_nope': not found") for p in problems)


def test_non_numeric_metric(data):
    data["revenue"] = data["revenue"].astype(object)
    data.loc[[0, 1, 2], "revenue"] = "n/a"
    with pytest.raises(InputError) as excinfo:
        analyze(data, "arm", "control", ["revenue:mean"])
    assert problems_of(excinfo) == [
        "column 'revenue': not numeric (3 non-numeric values, e.g. 'n/a')"
    ]


def test_numbers_stored_as_text_are_accepted(data):
    data["revenue"] = data["revenue"].map(str)
    assert analyze(data, "arm", "control", ["revenue"]).to_dicts()[0]["kind"] == "mean"


def test_one_arm_only(data):
    with pytest.raises(InputError) as excinfo:
        analyze(data[data["arm"] == "control"], "arm", "control", ["revenue"])
    assert any("only one arm ('control')" in p for p in problems_of(excinfo))


def test_control_not_found(data):
    with pytest.raises(InputError) as excinfo:
        analyze(data, "arm", "placebo", ["revenue"])
    assert problems_of(excinfo) == [
        "control 'placebo': not an arm in column 'arm' (arms: 'a', 'b', 'control')"
    ]


def test_empty_arm_from_categorical_levels(data):
    data["arm"] = pd.Categorical(data["arm"], categories=["control", "a", "b", "c"])
    with pytest.raises(InputError) as excinfo:
        analyze(data, "arm", "control", ["revenue"])
    assert problems_of(excinfo) == ["arm 'c' (column 'arm'): no rows"]


def test_empty_arm_after_dropping_missing_values(data):
    data.loc[data["arm"] == "b", "revenue"] = np.nan
    data["arm"] = pd.Categorical(data["arm"])
    with pytest.raises(InputError) as excinfo:
        analyze(data, "arm", "control", ["revenue"], dropna=True)
    assert problems_of(excinfo) == [
        "arm 'b' (column 'arm'): no rows left after dropping missing values"
    ]


def test_nans_are_reported_and_dropped_only_on_request(data):
    data.loc[[3, 4, 5], "revenue"] = np.nan
    data.loc[7, "arm"] = None
    with pytest.raises(InputError) as excinfo:
        analyze(data, "arm", "control", ["revenue"])
    assert sorted(problems_of(excinfo)) == [
        "column 'arm': 1 missing values (NaN); drop those rows with --dropna",
        "column 'revenue': 3 missing values (NaN); drop those rows with --dropna",
    ]
    result = analyze(data, "arm", "control", ["revenue"], dropna=True)
    assert result.settings["dropped_rows"] == 4
    assert "Dropped 4 rows with missing values (dropna)." in result.notes


def test_ratio_denominator_zero(data):
    data.loc[data["arm"] == "a", "visits"] = 0
    with pytest.raises(InputError) as excinfo:
        analyze(data, "arm", "control", ["revenue/visits"])
    assert problems_of(excinfo) == [
        "column 'visits': ratio denominator sums to zero in arm 'a' (revenue/visits undefined)"
    ]


def test_all_problems_are_collected(data):
    data.loc[0, "converted"] = 2
    with pytest.raises(InputError) as excinfo:
        analyze(
            data, "arm", "nobody", ["converted:proportion", "x:median"], alpha=2, correction="x"
        )
    problems = problems_of(excinfo)
    assert len(problems) == 5
    assert problems[0] == "alpha: must be between 0 and 1 (got 2)"
    assert problems[1].startswith("correction: must be one of holm, bh, none")
    assert (
        problems[2] == "metric 'x:median': unknown kind 'median' (choose proportion, mean, ratio)"
    )
    assert problems[3].startswith("column 'converted': a proportion must be 0/1 (1 other values")
    assert problems[4].startswith("control 'nobody': not an arm")


def test_parse_metric_spec(data):
    assert parse_metric_spec("converted", data) == Proportion("converted")
    assert parse_metric_spec("converted:mean", data) == Mean("converted")
    assert parse_metric_spec("revenue", data) == Mean("revenue")
    assert parse_metric_spec("revenue/visits") == Ratio("revenue", "visits")
    assert parse_metric_spec("revenue/visits:ratio").name == "revenue/visits"
    with pytest.raises(InputError, match="numerator/denominator"):
        parse_metric_spec("revenue:ratio")


def test_zero_variance_arms_give_defined_output_and_a_note():
    frame = pd.DataFrame({"arm": ["c"] * 50 + ["t"] * 50, "y": [0.0] * 100, "z": [1.0] * 100})
    frame.loc[frame["arm"] == "t", "z"] = 2.0
    result = analyze(frame, "arm", "c", ["y:mean", "z:mean", "y:proportion"])
    rows = {(r["metric"], r["kind"]): r for r in result.to_dicts()}
    equal = rows[("y", "mean")]
    assert (equal["diff"], equal["diff_se"], equal["p_value"]) == (0.0, 0.0, 1.0)
    assert (equal["diff_ci_low"], equal["diff_ci_high"]) == (0.0, 0.0)
    shifted = rows[("z", "mean")]
    assert (shifted["diff"], shifted["p_value"], shifted["rel_lift"]) == (1.0, 0.0, 1.0)
    assert rows[("y", "proportion")]["p_value"] == 1.0  # Fisher's exact test: no events at all
    assert rows[("y", "proportion")]["test"] == "fisher_exact"
    assert rows[("y", "proportion")]["rel_ci_method"] == "suppressed"  # control rate 0 (0 SEs)
    assert rows[("y", "proportion")]["rel_lift"] is None
    assert any(note.startswith("Zero variance") for note in result.notes)
    assert any(note.startswith("Relative lift not shown") for note in result.notes)
    json.loads(result.to_json())  # no NaN leaks into the JSON


def test_an_arm_of_one_unit_is_undefined_not_significant():
    frame = pd.DataFrame({"arm": ["c"] * 50 + ["t"], "y": [0, 1] * 25 + [1]})
    result = analyze(frame, "arm", "c", "y")  # a single metric spec is accepted too
    (row,) = result.to_dicts()
    assert row["diff"] == 0.5
    assert row["diff_se"] is None and row["p_value"] is None
    assert row["significant"] is False and row["verdict"] == "insufficient data"
    assert row["validity"] == "insufficient data"
    assert row["rel_ci_method"] == "undefined"
    assert any(note.startswith("Fewer than 2 units") for note in result.notes)


def test_results_api(data):
    result = analyze(
        data,
        "arm",
        "control",
        [Proportion("converted"), "revenue", Ratio("revenue", "visits")],
        covariates={"revenue": ["pre_revenue"], "converted": ["pre_revenue", "city"]},
        segment="city",
        correction="bh",
        guardrails=[Guardrail(Mean("visits"), margin=0.10)],
    )
    rows = result.to_dicts()
    assert all(tuple(row) == ROW_KEYS for row in rows)
    assert all(
        value is None or isinstance(value, str | bool | int | float)
        for row in rows
        for value in row.values()
    )
    frame = result.to_frame()
    assert list(frame.columns) == list(ROW_KEYS) and len(frame) == len(rows)
    assert set(frame["segment"].dropna()) == {"north", "south"}
    cuped = frame[frame["cuped"]]
    assert set(cuped["metric"]) == {"converted", "revenue"}  # ratios are not adjusted
    assert (cuped.loc[cuped["metric"] == "revenue", "variance_reduction"] > 0.3).all()
    guard = frame[frame["role"] == "guardrail"]
    assert guard["p_adjusted"].isna().all() and guard["noninferior"].notna().all()
    assert frame.loc[frame["role"] == "primary", "p_adjusted"].notna().all()
    summary = result.summary()
    assert "[1] SRM check" in summary and "Benjamini-Hochberg" in summary
    document = json.loads(result.to_json())
    assert document["srm"]["p_value"] == pytest.approx(result.srm.p_value)
    assert len(document["rows"]) == len(rows)


def test_holm_family_is_metrics_times_arms(data):
    result = analyze(data, "arm", "control", ["converted", "revenue"])
    rows = result.to_dicts()
    assert len(rows) == 4
    smallest = min(rows, key=lambda r: r["p_value"])
    assert smallest["p_adjusted"] == pytest.approx(min(1.0, 4 * smallest["p_value"]))
    assert "4 tests per table" in result.notes[1]


def test_read_table_formats(tmp_path, data):
    data.to_csv(tmp_path / "units.csv", index=False)
    data.to_csv(tmp_path / "units.csv.gz", index=False)
    data.to_parquet(tmp_path / "units.parquet")
    for name in ("units.csv", "units.csv.gz", "units.parquet"):
        pd.testing.assert_frame_equal(read_table(tmp_path / name), data, check_dtype=False)
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "absent.csv")
    (tmp_path / "units.xlsx").write_text("x")
    with pytest.raises(InputError, match="unknown file type"):
        read_table(tmp_path / "units.xlsx")
    (tmp_path / "broken.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="cannot be read"):
        read_table(tmp_path / "broken.parquet")
