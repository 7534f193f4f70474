"""Append-only columnar event log: the only link between simulation and analysis.

Each `append` adds a batch of events of one kind as arrays. Batches are buffered and streamed
to Parquet in chunks of ``chunk_rows``, so memory stays bounded however long the run.

Columns: ``day`` (float, simulation time), ``kind`` (dictionary-encoded name), ``user``,
``arm``, ``item`` (course or product code, -1 if none), ``channel`` (-1 if none), ``amount``
(money, or days for delays), ``payer`` ('platform', 'insurer', 'user' or 'none') and ``ref``
(claim or policy id linking related events, -1 if none).

Besides what happens, the engine writes what the analysis needs of its state, so metrics read
the log alone (a handful of rows per day and arm, one row per user at the end, never one per
visit):

``snapshot``
    Each day, per arm with users, user -1: one event per daily counter, ``item`` = its index
    in `SNAPSHOT_FIELDS`, ``amount`` = its value.
``monitor``
    Each risk-monitor check, per arm, user -1: one event per field of the monitor's row,
    ``item`` = its index in `MONITOR_FIELDS`, ``amount`` = its value (NaN kept, ``alert`` 1/0).
``claim_policy``
    When a claim occurs, for the claimant: ``item`` = product, ``ref`` = claim id (as on the
    ``claim``, ``claim_reported`` and ``claim_paid`` events), ``amount`` = the id of the
    policy the claim falls on (the ``ref`` of its ``policy`` event).
``final_state``
    At the horizon, one event for every user: ``item`` = visits in the experiment, ``ref`` =
    visits in the warm-up, ``channel`` = 1 if still active else 0, ``amount`` = engagement.
``final_awareness``, ``final_trust``
    At the horizon, for the users whose insurance awareness (trust in the insurer) is no longer
    the population's starting awareness (``insurer.initial_trust``): ``amount`` = the value.
    Everyone else still has the starting value.

Engagement, awareness and trust are float32 in the world: ``amount`` (float64) holds them
exactly. Final events have ``day`` = the horizon.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

KINDS: tuple[str, ...] = (
    "visit",
    "purchase",
    "discount",
    "share",
    "reward",
    "fixed_cost",
    "churn",
    "contact",
    "open",
    "click",
    "unsubscribe",
    "quote",
    "declined",
    "attend",
    "service",
    "policy",
    "lapse",
    "claim",
    "claim_reported",
    "claim_paid",
    "risk_alert",
    "pause",
    "subsidy",
    # the engine's state for the analysis (see the module docstring): new kinds go last, so
    # the codes of the kinds above never change
    "snapshot",
    "monitor",
    "claim_policy",
    "final_state",
    "final_awareness",
    "final_trust",
)
SNAPSHOT_FIELDS: tuple[str, ...] = ("active_users", "visits", "mean_engagement", "insured_users")
MONITOR_FIELDS: tuple[str, ...] = (
    "policies", "exposure_years", "reported_claims", "actual_to_expected_raw", "credibility",
    "actual_to_expected", "projected_loss_ratio", "alert",
)  # fmt: skip
PAYERS: tuple[str, ...] = ("none", "user", "platform", "insurer")
# Channel codes of policies not sold through a partnership channel (which have codes >= 0).
INITIAL, ORGANIC = -1, -2
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}
_PAYER_CODE = {p: i for i, p in enumerate(PAYERS)}

SCHEMA = pa.schema(
    [
        ("day", pa.float32()),
        ("kind", pa.dictionary(pa.int8(), pa.string())),
        ("user", pa.int32()),
        ("arm", pa.int16()),
        ("item", pa.int32()),
        ("channel", pa.int16()),
        ("amount", pa.float64()),
        ("payer", pa.dictionary(pa.int8(), pa.string())),
        ("ref", pa.int64()),
    ]
)
_COLUMNS = ("day", "kind", "user", "arm", "item", "channel", "amount", "payer", "ref")
_DTYPES = (
    np.float32,
    np.int8,
    np.int32,
    np.int16,
    np.int32,
    np.int16,
    np.float64,
    np.int8,
    np.int64,
)


class EventLog:
    """Streams event batches to ``path`` (Parquet). Use as a context manager or call `close`.

    Contract: events come out in the order they were appended; `close` is idempotent; after
    `close`, `read` returns the whole log as a pyarrow Table.
    """

    def __init__(self, path: str | Path, chunk_rows: int = 1_000_000):
        self.path = Path(path)
        self.chunk_rows = chunk_rows
        self._buffer: list[tuple[np.ndarray, ...]] = []
        self._buffered = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self.path, SCHEMA)
        self.n_rows = 0
        self.counts = dict.fromkeys(KINDS, 0)

    def append(self, kind: str, day: float, user, arm, item=-1, channel=-1, amount=0.0,
               payer: str = "none", ref=-1) -> None:  # fmt: skip
        """Add one event per entry of ``user``; other arguments broadcast against it."""
        user = np.asarray(user)
        n = user.size
        if n == 0:
            return
        values = (day, _KIND_CODE[kind], user, arm, item, channel, amount, _PAYER_CODE[payer], ref)
        batch = tuple(
            np.broadcast_to(np.asarray(v, dtype=t), (n,))
            for v, t in zip(values, _DTYPES, strict=True)
        )
        self._buffer.append(batch)
        self._buffered += n
        self.n_rows += n
        self.counts[kind] += n
        if self._buffered >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        if not self._buffer or self._writer is None:
            return
        columns = [np.concatenate([b[i] for b in self._buffer]) for i in range(len(_COLUMNS))]
        arrays = []
        for name, col in zip(_COLUMNS, columns, strict=True):
            if name == "kind":
                arrays.append(pa.DictionaryArray.from_arrays(col, pa.array(KINDS)))
            elif name == "payer":
                arrays.append(pa.DictionaryArray.from_arrays(col, pa.array(PAYERS)))
            else:
                arrays.append(pa.array(col))
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=SCHEMA))
        self._buffer.clear()
        self._buffered = 0

    def close(self) -> None:
        if self._writer is not None:
            self.flush()
            self._writer.close()
            self._writer = None

    def read(self, columns: list[str] | None = None) -> pa.Table:
        self.close()
        return pq.read_table(self.path, columns=columns)

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def kind_codes(table: pa.Table) -> np.ndarray:
    """The ``kind`` column as integer codes into `KINDS` (fast filtering without strings)."""
    return _codes(table.column("kind"), KINDS)


def payer_codes(table: pa.Table) -> np.ndarray:
    return _codes(table.column("payer"), PAYERS)


def _codes(column: pa.ChunkedArray, names: tuple[str, ...]) -> np.ndarray:
    if column.num_chunks == 0:
        return np.empty(0, np.int8)
    column = column.unify_dictionaries()
    dictionary = [str(x) for x in column.chunk(0).dictionary.to_pylist()]
    remap = np.array([names.index(name) for name in dictionary], dtype=np.int8)
    indices = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in column.chunks])
    return remap[indices]
