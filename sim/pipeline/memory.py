"""A memory estimate before anything is allocated, so a scenario that cannot fit is refused
with the estimate instead of crashing the machine halfway.

The per-user figure is the measured peak of the full model (`make bench`, 1M users, one world)
plus the tables written at the end; it is deliberately on the high side.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os

import pyarrow as pa

from xsim.core.errors import InputError
from xsim.schema.scenario import Scenario

# Measured in `make bench` at 1M users (see README): the model's arrays, the day's uniforms,
# the user table and its Parquet copy. Per social tie: CSR index + value, both directions.
BYTES_PER_USER = 900
BYTES_PER_FRIEND = 16
BYTES_PER_BOOK_POLICY = 200
BYTES_FIXED = 300 * 2**20  # interpreter, libraries, catalogue


def estimate_bytes(scenario: Scenario) -> int:
    """Peak memory of one run of ``scenario`` (one world; twin worlds run one after another)."""
    p = scenario.population
    per_user = (
        BYTES_PER_USER
        + BYTES_PER_FRIEND * p.social.mean_degree
        + 4 * len(scenario.insurer.products)
        + 2 * len(scenario.channels)
        + 8 * ((scenario.platform.catalogue.n_courses + 63) // 64)
    )
    book = BYTES_PER_BOOK_POLICY * scenario.insurer.historical_book.n_policies
    events = 48 * scenario.outputs.event_chunk_rows
    return int(p.n_users * per_user + book + events + BYTES_FIXED)


def available_bytes() -> int:
    """Memory the operating system says is available now (MemAvailable), or the total."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_fits(scenario: Scenario) -> None:
    """Raise `InputError` naming ``population.n_users`` when the run would not fit."""
    need, have = estimate_bytes(scenario), available_bytes()
    if need > have:
        raise InputError(
            f"population.n_users: {scenario.population.n_users:,} users need about "
            f"{need / 2**30:.1f} GiB, but only {have / 2**30:.1f} GiB of memory is available"
        )


def release_freed_memory(n_users: int) -> None:
    """Collect garbage and hand freed heap pages back to the operating system.

    A large world builds and drops many array-sized temporaries; glibc keeps freed heap
    pages mapped, so without this the resident size keeps every earlier phase's peak and the
    run's peak is their sum rather than the largest one. The engine's arrays also sit in
    reference cycles through SimPy's pending processes until a full collection. Both cost
    tens of milliseconds, so small worlds (replications) skip them: they free little.
    """
    if n_users < _RELEASE_FROM_USERS:
        return
    gc.collect()
    pa.default_memory_pool().release_unused()  # Arrow's own pool (event-log tables)
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc():
    """glibc's ``malloc_trim``, or None elsewhere (macOS, musl): then only gc runs."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


_RELEASE_FROM_USERS = 100_000
_LIBC = _load_libc()
