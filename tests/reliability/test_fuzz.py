"""Fuzzed scenarios and data files: every case ends in success or a clean input error.

Never a traceback: scenario problems raise `InputError` (exit 2 in the CLI) and every other
exception is a bug. Bounded by example counts so the file runs in well under a minute.
"""

import contextlib
import copy

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import xsim
from tests.sim.builders import BASE
from xsim.commands.app import app
from xsim.core.errors import InputError
from xsim.schema.io import parse_scenario


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))


PATHS = list(_paths(BASE))
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def mutated_scenarios(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        node = data
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        action = draw(st.sampled_from(["replace", "delete", "extra"]))
        if action == "replace":
            node[path[-1]] = draw(JUNK)
        elif action == "delete":
            node.pop(path[-1], None)
        else:
            node[draw(st.text(min_size=1, max_size=8))] = draw(JUNK)
    return data


@settings(max_examples=450, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_scenarios())
def test_mutated_scenarios_validate_or_name_the_problem(data):
    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return
    try:
        parse_scenario(text)
    except InputError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=200))
def test_arbitrary_text_is_valid_yaml_scenario_or_input_error(text):
    with contextlib.suppress(InputError):
        parse_scenario(text)


@st.composite
def small_valid_scenarios(draw):
    data = copy.deepcopy(BASE)
    data["population"]["n_users"] = draw(st.integers(1, 300))
    data["experiment"] = {"warmup_days": draw(st.integers(0, 5)),
                          "duration_days": draw(st.integers(1, 8))}  # fmt: skip
    data["seed"] = draw(st.integers(0, 2**31))
    data["population"]["social"] = {"mean_degree": draw(st.floats(0, 20)),
                                    "homophily": draw(st.floats(0, 1))}  # fmt: skip
    accident = data["insurer"]["products"]["accident"]
    accident["claim_frequency_per_year"] = draw(st.floats(0, 50))
    accident["initial_holders_share"] = draw(st.floats(0, 1))
    data["insurer"]["historical_book"] = {"n_policies": draw(st.integers(0, 3000)), "years": 2}
    for arm in data["arms"].values():
        arm["weight"] = draw(st.floats(0.01, 10))
    data["platform"]["catalogue"]["n_courses"] = draw(st.integers(6, 40))
    return data


@settings(max_examples=45, deadline=None, suppress_health_check=list(HealthCheck))
@given(small_valid_scenarios())
def test_small_valid_scenarios_run_or_name_the_problem(data):
    try:
        scenario = xsim.schema.io.scenario_from_dict(data)
        result = xsim.run(scenario)
    except InputError as exc:
        assert exc.problems
        return
    assert len(result.users) == data["population"]["n_users"]
    rows = result.effects.to_dicts()
    assert all(isinstance(row["metric"], str) for row in rows)


CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.integers(-5, 5),
    st.sampled_from(["", "x", "1e3", "nan", "控制"]),
)


@st.composite
def pilot_tables(draw):
    n = draw(st.integers(0, 40))
    arms = draw(st.lists(st.sampled_from(["control", "a", "b", ""]), min_size=n, max_size=n))
    columns = {"arm": arms}
    for name in ("y", "z"):
        columns[name] = draw(st.lists(CELLS, min_size=n, max_size=n))
    return pd.DataFrame(columns)


runner = CliRunner()


@settings(max_examples=220, deadline=None, suppress_health_check=list(HealthCheck))
@given(pilot_tables(), st.sampled_from(["y", "z", "y/z", "y:proportion", "w", "y:mean"]))
def test_fuzzed_data_files_analyse_or_exit_2(tmp_path_factory, table, metric):
    path = tmp_path_factory.mktemp("fuzz") / "pilot.csv"
    table.to_csv(path, index=False)
    args = ["analyze", str(path), "--arm", "arm", "--control", "control", "--metric", metric]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 2), result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
