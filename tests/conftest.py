"""Shared test fixtures: the real data sets beside the project, skipped when absent; a
pseudonym key outside the user's home for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xsim.pipeline.privacy import KEY_FILE_VARIABLE

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key_file(tmp_path_factory) -> Path:
    """Runs made by the tests (in this process or in subprocesses, which inherit the
    environment) key their pseudonyms with a file of the test session, never the user's real
    ``~/.config/xsim/pseudonym.key``; the config folder points into the session too."""
    config = tmp_path_factory.mktemp("config")
    names = (KEY_FILE_VARIABLE, "XDG_CONFIG_HOME")
    saved = {name: os.environ.get(name) for name in names}
    os.environ[KEY_FILE_VARIABLE] = str(config / "pseudonym.key")
    os.environ["XDG_CONFIG_HOME"] = str(config)
    yield config / "pseudonym.key"
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real reference data sets; the test skips when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent")
    return SHARED_DATA
