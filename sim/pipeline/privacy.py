"""Pseudonymous user ids for everything a run exports.

Exported tables carry a keyed BLAKE2b hash of the internal user index instead of the index, so
rows join across the files of one run but do not reveal positions in the simulation's arrays.
The key (the run's salt, from the seed tree's 'privacy' stream) is never written to the run
folder. ``--raw-ids`` keeps the internal indices, e.g. for debugging.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def pseudonyms(ids: np.ndarray, salt: bytes) -> np.ndarray:
    """16-hex-digit keyed hashes of integer ids; negative ids (arm-level events) map to ''."""
    unique, inverse = np.unique(np.asarray(ids, dtype=np.int64), return_inverse=True)
    names = np.array(
        [
            ""
            if i < 0
            else hashlib.blake2b(
                int(i).to_bytes(8, "little"), key=salt, digest_size=8
            ).hexdigest()  # fmt: skip
            for i in unique
        ],
        dtype=object,
    )
    return names[inverse]


def pseudonymise_users(users: pd.DataFrame, salt: bytes) -> pd.DataFrame:
    return users.assign(user_id=pseudonyms(users.user_id.to_numpy(), salt))


def pseudonymise_events(source: Path, target: Path, salt: bytes) -> None:
    """Rewrite an event log with pseudonymous ``user`` ids, one row group at a time."""
    reader = pq.ParquetFile(source)
    schema = reader.schema_arrow.set(
        reader.schema_arrow.get_field_index("user"), pa.field("user", pa.string())
    )
    with pq.ParquetWriter(target, schema) as writer:
        for group in range(reader.num_row_groups):
            table = reader.read_row_group(group)
            user = pa.array(pseudonyms(table.column("user").to_numpy(), salt), pa.string())
            writer.write_table(table.set_column(table.schema.get_field_index("user"), "user", user))
