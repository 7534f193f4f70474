"""Pseudonymous user ids for everything a run exports (docs/privacy.md).

Exported tables carry a keyed BLAKE2b hash of the internal user index instead of the index, so
rows join across the files of one run but reveal neither positions in the simulation's arrays
nor anything that could be recomputed from the run folder. The key of a run is derived from a
random secret kept outside every run folder (`key_file`: ``$XSIM_PSEUDONYM_KEY_FILE``, else
``$XDG_CONFIG_HOME/xsim/pseudonym.key``, else ``~/.config/xsim/pseudonym.key``; made on first
use, readable by its owner only) and from the run's salt (the seed tree's 'privacy' stream), so
the same seed and the same key file give the same bytes, while the seed written into
``manifest.json`` alone gives nothing. ``users.parquet`` rows are ordered by pseudonym: an
order that follows from the secret and says nothing about the internal index. ``--raw-ids``
keeps internal indices, in their order, e.g. for debugging.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from contextlib import suppress
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from xsim.core.errors import InputError
from xsim.core.eventlog import KINDS, kind_codes

KEY_FILE_VARIABLE = "XSIM_PSEUDONYM_KEY_FILE"
_SECRET_BYTES = 32
_PERSON = b"xsim-pseudonyms"  # separates this use of the secret from any other
# Kinds the engine writes for every user (or many) at once at the horizon, in internal order:
# exported in pseudonym order, or their row order would give away each user's internal index.
_PER_USER_RECORDS = ("final_state", "final_awareness", "final_trust")


def key_file() -> Path:
    """Where the secret lives: the environment variable, else the user's config folder."""
    explicit = os.environ.get(KEY_FILE_VARIABLE)
    if explicit:
        return Path(explicit).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "xsim" / "pseudonym.key"


def pseudonym_key(salt: bytes) -> bytes:
    """The key of one run's pseudonyms: the secret (created on first use) keyed with the run's
    salt, so runs with other seeds get unrelated pseudonyms."""
    path = key_file()
    if not path.exists():
        _create_secret(path)
    secret = _read_secret(path)
    return hashlib.blake2b(salt, key=secret, digest_size=32, person=_PERSON).digest()


def _create_secret(path: Path) -> None:
    """Write a new secret, readable by its owner only, without ever replacing one that
    another process made meanwhile (a hard link to a complete file is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_bytes(_SECRET_BYTES).hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with suppress(FileExistsError):  # another run made it first: use theirs
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _read_secret(path: Path) -> bytes:
    problem = f"{path}: not an xsim pseudonym key ({2 * _SECRET_BYTES} hex digits)"
    try:
        secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise InputError(f"{problem}: {exc}; set {KEY_FILE_VARIABLE} to another file") from None
    if len(secret) < 16:
        raise InputError(f"{problem}; set {KEY_FILE_VARIABLE} to another file")
    return secret[:64]  # BLAKE2b takes keys of up to 64 bytes


def pseudonyms(ids: np.ndarray, key: bytes) -> np.ndarray:
    """16-hex-digit keyed hashes of integer ids; negative ids (arm-level events) map to ''."""
    unique, inverse = np.unique(np.asarray(ids, dtype=np.int64), return_inverse=True)
    names = np.array(
        [
            ""
            if i < 0
            else hashlib.blake2b(
                int(i).to_bytes(8, "little"), key=key, digest_size=8
            ).hexdigest()  # fmt: skip
            for i in unique
        ],
        dtype=object,
    )
    return names[inverse]


def pseudonymise_users(users: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """The user table with pseudonymous ids, its rows in pseudonym order (keyed, so the order
    reveals nothing about the internal index)."""
    named = users.assign(user_id=pseudonyms(users.user_id.to_numpy(), key))
    return named.sort_values("user_id", kind="stable", ignore_index=True)


def pseudonymise_events(source: Path, target: Path, key: bytes) -> None:
    """Rewrite an event log with pseudonymous ``user`` ids, one row group at a time; the
    per-user records at the horizon come in pseudonym order."""
    reader = pq.ParquetFile(source)
    schema = reader.schema_arrow.set(
        reader.schema_arrow.get_field_index("user"), pa.field("user", pa.string())
    )
    with pq.ParquetWriter(target, schema) as writer:
        for group in range(reader.num_row_groups):
            table = reader.read_row_group(group)
            names = pseudonyms(table.column("user").to_numpy(), key)
            order = _records_in_pseudonym_order(table, names)
            table, user = table.take(pa.array(order)), pa.array(names[order], pa.string())
            writer.write_table(table.set_column(table.schema.get_field_index("user"), "user", user))


def _records_in_pseudonym_order(table: pa.Table, names: np.ndarray) -> np.ndarray:
    """Row order of ``table`` with the rows of each per-user record kind sorted by pseudonym
    among themselves (every other row stays where it is)."""
    kinds = kind_codes(table)
    order = np.arange(table.num_rows)
    for kind in _PER_USER_RECORDS:
        rows = np.flatnonzero(kinds == KINDS.index(kind))
        order[rows] = rows[np.argsort(names[rows], kind="stable")]
    return order
