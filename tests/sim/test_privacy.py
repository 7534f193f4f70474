"""Exported ids are pseudonymous and cannot be recomputed from the run folder; partner data
reach strategies only for consenting users."""

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from tests.strategies.test_contract import _world
from xsim.commands.app import app
from xsim.core.rng import RandomStreams
from xsim.pipeline.privacy import KEY_FILE_VARIABLE, key_file, pseudonym_key, pseudonyms

N_USERS = 800


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("privacy") / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(**{"population.n_users": N_USERS})))
    return path


def _run(scenario, out, *extra):
    args = ["run", str(scenario), "--out", str(out), "-q", "--no-pdf", *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def run(scenario, tmp_path_factory):
    return _run(scenario, tmp_path_factory.mktemp("privacy-run") / "run")


def test_exported_ids_are_pseudonymous_and_join(run):
    users = pd.read_parquet(run / "users.parquet")
    events = pd.read_parquet(run / "events.parquet")
    assert users.user_id.str.fullmatch(r"[0-9a-f]{16}").all()
    assert users.user_id.is_unique and len(users) == N_USERS
    assert not users.user_id.isin([str(i) for i in range(N_USERS)]).any()
    assert set(events.user[events.user != ""]) <= set(users.user_id)  # the tables still join
    assert not list(run.glob(".*"))  # no internal copy left behind


def test_ids_cannot_be_recomputed_from_the_run_folder(run):
    """The old scheme keyed the hash with the seed tree's salt; the seed is in the manifest."""
    manifest = json.loads((run / "manifest.json").read_text())
    seed, entropy = manifest["seed"], int(manifest["seed_entropy"])
    guesses = [RandomStreams(seed).salt(), RandomStreams(entropy).salt(),
               str(seed).encode(), int(seed).to_bytes(8, "little")]  # fmt: skip
    exported = set(pd.read_parquet(run / "users.parquet").user_id)
    exported |= set(pd.read_parquet(run / "events.parquet").user)
    for guess in guesses:
        assert not set(pseudonyms(np.arange(N_USERS), guess)) & exported


def test_user_rows_are_not_in_internal_order(run, scenario, tmp_path):
    users = pd.read_parquet(run / "users.parquet")
    raw = pd.read_parquet(_run(scenario, tmp_path / "raw", "--raw-ids") / "users.parquet")
    assert (raw.user_id.to_numpy() == np.arange(N_USERS)).all()  # --raw-ids keeps the order
    assert sorted(users.age_years) == sorted(raw.age_years)  # the same people...
    assert not np.array_equal(users.age_years, raw.age_years)  # ...in another order
    salt = RandomStreams(json.loads((run / "manifest.json").read_text())["seed"]).salt()
    index = {name: i for i, name in enumerate(pseudonyms(np.arange(N_USERS), pseudonym_key(salt)))}
    order = users.user_id.map(index).to_numpy()  # only a holder of the key can do this
    assert sorted(order) == list(range(N_USERS)) and not (np.diff(order) > 0).all()


def test_per_user_records_in_the_event_log_are_not_in_internal_order(run):
    """The final state is logged for every user at once: exported in pseudonym order, its rows
    say nothing of the internal index."""
    events = pd.read_parquet(run / "events.parquet")
    final = events[events.kind == "final_state"].user
    assert len(final) == N_USERS and final.is_monotonic_increasing
    salt = RandomStreams(json.loads((run / "manifest.json").read_text())["seed"]).salt()
    index = {name: i for i, name in enumerate(pseudonyms(np.arange(N_USERS), pseudonym_key(salt)))}
    assert not (np.diff(final.map(index).to_numpy()) > 0).all()


def test_same_seed_and_key_give_the_same_bytes_another_key_other_ids(
    run, scenario, tmp_path, monkeypatch
):
    again = _run(scenario, tmp_path / "again")
    for name in ("users.parquet", "events.parquet"):
        assert (again / name).read_bytes() == (run / name).read_bytes(), name
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "other.key"))
    other = pd.read_parquet(_run(scenario, tmp_path / "other") / "users.parquet")
    assert not set(other.user_id) & set(pd.read_parquet(run / "users.parquet").user_id)


def test_the_key_is_never_in_a_run_folder(run):
    secret = bytes.fromhex(key_file().read_text().strip())
    salt = RandomStreams(json.loads((run / "manifest.json").read_text())["seed"]).salt()
    needles = [
        secret,
        secret.hex().encode(),
        pseudonym_key(salt),
        pseudonym_key(salt).hex().encode(),
    ]
    for path in run.iterdir():
        content = path.read_bytes()
        assert not any(needle in content for needle in needles), path


def test_the_key_is_made_once_private_in_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_FILE_VARIABLE)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    first = pseudonym_key(b"salt")
    path = tmp_path / "config" / "xsim" / "pseudonym.key"
    assert key_file() == path and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert pseudonym_key(b"salt") == first != pseudonym_key(b"other salt")
    assert len(bytes.fromhex(path.read_text().strip())) == 32
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert key_file() == tmp_path / "home" / ".config" / "xsim" / "pseudonym.key"
    assert not (tmp_path / "home").exists()


def test_a_broken_key_file_is_bad_input(scenario, tmp_path, monkeypatch):
    broken = tmp_path / "broken.key"
    broken.write_text("not hex")
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(broken))
    args = ["run", str(scenario), "--out", str(tmp_path / "run"), "-q", "--no-pdf"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and str(broken) in result.output
    assert not (tmp_path / "run").exists()


def test_pseudonyms_depend_on_the_key():
    ids = np.arange(5)
    assert not np.array_equal(pseudonyms(ids, b"a" * 16), pseudonyms(ids, b"b" * 16))
    assert np.array_equal(pseudonyms(ids, b"a" * 16), pseudonyms(ids, b"a" * 16))


def test_partner_data_hidden_from_strategies_without_consent():
    scenario, engine, _, events = _world("targeted_offer", max_contacts_per_call=5000, budget=500)
    users = np.flatnonzero(engine.arm == 1)
    view = engine.view(30, users, 1, scenario.arms["treated"].strategy)
    refused = ~engine.pop.consent_data_sharing
    assert np.isnan(view.expected_claim_cost[:, refused]).all()
    assert np.isnan(view.purchase_propensity[refused]).all()
    assert np.isfinite(view.purchase_propensity[~refused]).all()
    contacted = events[(events.kind == "contact") & (events.arm == 1)].user.to_numpy()
    assert len(contacted) > 0
    assert engine.pop.consent_data_sharing[contacted].all()  # ranking needs partner data
