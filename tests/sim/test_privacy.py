"""Exported ids are pseudonymous; partner data reach strategies only for consenting users."""

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from tests.sim.builders import scenario_dict
from tests.strategies.test_contract import _world
from xsim.commands.app import app
from xsim.pipeline.privacy import pseudonyms


def test_exported_ids_are_pseudonymous_and_join(tmp_path):
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(**{"population.n_users": 800})))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "-q", "--no-pdf"])
    assert result.exit_code == 0, result.output
    users = pd.read_parquet(out / "users.parquet")
    events = pd.read_parquet(out / "events.parquet")
    assert users.user_id.str.fullmatch(r"[0-9a-f]{16}").all()
    assert users.user_id.is_unique
    assert not users.user_id.isin([str(i) for i in range(800)]).any()
    assert set(events.user[events.user != ""]) <= set(users.user_id)  # the tables still join
    assert not list(out.glob(".*"))  # no internal copy left behind


def test_raw_ids_flag_keeps_internal_indices(tmp_path):
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_dict(**{"population.n_users": 500})))
    out = tmp_path / "run"
    args = ["run", str(path), "--out", str(out), "-q", "--no-pdf", "--raw-ids"]
    assert CliRunner().invoke(app, args).exit_code == 0
    users = pd.read_parquet(out / "users.parquet")
    assert (users.user_id.to_numpy() == np.arange(500)).all()


def test_pseudonyms_depend_on_the_salt():
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
