"""Run folders, written atomically: into a temporary sibling, fsynced, then renamed.

A crash or an interrupt leaves either the complete folder or nothing that looks like one: the
temporary sibling starts with a dot and carries no ``manifest.json`` until the very end. A
killed run's sibling is removed by the next run in the same parent folder, recognised by the
marker file it holds (never by its name alone).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from xsim import __version__
from xsim.core.errors import InputError
from xsim.core.jsonio import dumps
from xsim.core.rng import RandomStreams
from xsim.pipeline.executors import process_alive
from xsim.pipeline.privacy import pseudonym_key, pseudonymise_events, pseudonymise_users
from xsim.pipeline.runner import RunResult
from xsim.schema.io import scenario_hash, scenario_to_yaml
from xsim.schema.scenario import Scenario

MANIFEST = "manifest.json"
STAGING_MARKER = ".xsim-staging"  # written first into every staging folder
_PACKAGES = ("numpy", "scipy", "pandas", "pyarrow", "statsmodels", "simpy", "pydantic")


def default_run_dir(scenario: Scenario, base: str | Path = "runs") -> Path:
    slug = re.sub(r"[^\w.-]+", "-", scenario.name, flags=re.UNICODE).strip("-").lower() or "run"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(base) / f"{slug}-{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = Path(base) / f"{slug}-{stamp}-{suffix}"
    return path


@contextmanager
def staging(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``final``; rename it to ``final`` if the block succeeds,
    delete it if the block raises (including KeyboardInterrupt).

    The sibling is ``.<final>.tmp-<pid>-<random>`` and its first file is a marker naming this
    host, this process and ``final``: only folders with such a marker, made on this host by a
    process that is gone, are ever swept as stale (`_remove_stale_temporaries`)."""
    check_new_folder(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(final.parent)
    temp = final.parent / f".{final.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    temp.mkdir()
    try:
        _write_marker(temp, final)
        yield temp
        (temp / STAGING_MARKER).unlink()  # a finished run folder carries no marker
        _fsync_tree(temp)
        os.replace(temp, final)
        _fsync_directory(final.parent)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def check_new_folder(final: Path) -> None:
    """Refuse, before anything runs, a run folder path that cannot become a new folder: one
    that exists, a symbolic link (even a dangling one: the final rename would fail after the
    whole simulation), or one below an existing file."""
    if final.is_symlink():
        raise InputError(f"--out: {final} is a symbolic link; choose a new folder")
    if final.exists():
        raise InputError(f"--out: {final} already exists; choose another folder")
    blocker = next((p for p in final.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(f"--out: {final} is below {blocker}, which is a file, not a folder")


def _write_marker(temp: Path, final: Path) -> None:
    marker = {"host": socket.gethostname(), "pid": os.getpid(), "final": final.name}
    (temp / STAGING_MARKER).write_text(dumps(marker) + "\n", encoding="utf-8")


def _remove_stale_temporaries(parent: Path) -> None:
    """Staging folders of runs whose process is gone (killed with SIGKILL, power loss).

    A folder counts only if its marker says it was staged on this host (pids are per host: on
    a shared file system another machine's live run has a pid that means nothing here) by a
    process that no longer exists; anything else that merely looks like a temporary name (a
    user's folder, a finished run of a scenario whose name ends in '.tmp') is left alone."""
    host = socket.gethostname()
    for temp in parent.glob(".*.tmp-*"):
        marker = _read_marker(temp)
        if marker is None or marker.get("host") != host:
            continue
        pid = marker.get("pid")
        named = temp.name.startswith(f".{marker.get('final')}.tmp-{pid}-")
        if isinstance(pid, int) and named and not process_alive(pid):
            shutil.rmtree(temp, ignore_errors=True)


def _read_marker(temp: Path) -> dict | None:
    try:
        marker = json.loads((temp / STAGING_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no marker, unreadable, or not a folder at all
        return None
    return marker if isinstance(marker, dict) else None


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_run(
    result: RunResult, folder: Path, command: list[str] | None = None, raw_ids: bool = False
) -> None:
    """Write every table of ``result`` into ``folder``; the manifest goes last. User ids are
    pseudonymous (`xsim.pipeline.privacy`) unless ``raw_ids``."""
    folder = Path(folder)
    _write_user_tables(result, folder, raw_ids)
    (folder / "scenario.yaml").write_text(scenario_to_yaml(result.scenario), encoding="utf-8")
    result.daily.to_parquet(folder / "daily.parquet", index=False)
    result.book.to_parquet(folder / "book.parquet", index=False)
    result.summary_table.to_csv(folder / "summary.csv")
    result.effects.to_frame().to_csv(folder / "effects.csv", index=False)
    (folder / "effects.json").write_text(result.effects.to_json(), encoding="utf-8")
    (folder / "objective.json").write_text(result.objective.to_json(), encoding="utf-8")
    decision = dumps(result.decision.to_dict(), indent=2)
    (folder / "decision.json").write_text(decision, encoding="utf-8")
    recommender = dumps({"retrainings": result.recommender}, indent=2)
    (folder / "recommender.json").write_text(recommender, encoding="utf-8")
    risk = dumps(result.risk, indent=2)
    (folder / "risk.json").write_text(risk, encoding="utf-8")
    if result.effects.truth is not None:
        truth = dumps(result.effects.truth.to_dict(), indent=2)
        (folder / "truth.json").write_text(truth, encoding="utf-8")
    manifest = build_manifest(result, command, raw_ids)
    (folder / MANIFEST).write_text(dumps(manifest, indent=2), encoding="utf-8")


def _write_user_tables(result: RunResult, folder: Path, raw_ids: bool) -> None:
    events = folder / "events.parquet"
    if raw_ids:
        if result.events_path.resolve() != events.resolve():
            shutil.copyfile(result.events_path, events)
        result.users.to_parquet(folder / "users.parquet", index=False)
        return
    key = pseudonym_key(RandomStreams(result.seed_entropy).salt())
    internal = result.events_path
    if internal.resolve() == events.resolve():  # streamed into this folder: move it aside
        internal = internal.rename(folder / ".events-internal.parquet")
    pseudonymise_events(internal, events, key)
    if internal.parent.resolve() == folder.resolve():
        internal.unlink()
    pseudonymise_users(result.users, key).to_parquet(folder / "users.parquet", index=False)


def build_manifest(
    result: RunResult, command: list[str] | None = None, raw_ids: bool = False
) -> dict:
    return {
        "xsim_version": __version__,
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in _PACKAGES},
        "scenario_name": result.scenario.name,
        "scenario_sha256": scenario_hash(result.scenario),
        "seed": result.scenario.seed,
        "seed_entropy": str(result.seed_entropy),
        "user_ids": "internal indices" if raw_ids else "pseudonymous (keyed hash, rows shuffled)",
        "n_users": result.scenario.population.n_users,
        "horizon_days": result.scenario.horizon_days,
        "n_events": result.n_events,
        "timings_seconds": {k: round(v, 3) for k, v in result.timings_seconds.items()},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command if command is not None else sys.argv,
    }


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
