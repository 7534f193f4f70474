"""Checkpoints of a multi-replication run, so an interrupted run can be resumed.

A run folder is written atomically (`xsim.pipeline.rundir.staging`), so an interrupt loses it. The
replications are the expensive part, so each one is also saved, as soon as it finishes, in a
*partial folder* beside the run folder: ``.<name>.partial/``. It starts with a dot and never
holds a ``manifest.json``, so it never looks like a run. It holds:

- ``scenario.yaml``: the resolved scenario (overrides and seed applied);
- ``resume.json``: every option the run was started with (replications, raw ids, no PDF,
  where replications run), so the resumed run honours them;
- ``rep-000012.json``: one finished replication's record, written to a temporary name and
  renamed, so a file is either complete or absent.

`xsim run --resume RUN_DIR` reads the scenario and options back, reruns the (deterministic)
scenario run, runs only the replications that have no file, and writes the run folder as an
uninterrupted run would have. Records are plain JSON data in both paths
(`xsim.studies.replicate.replicate_one` round-trips them through JSON), so the resumed outputs are
byte-identical. The partial folder is removed once the run folder is complete.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from xsim.core.errors import InputError
from xsim.core.jsonio import dumps
from xsim.core.yamlio import read_yaml_file
from xsim.schema.io import parse_scenario, scenario_hash, scenario_to_yaml
from xsim.schema.scenario import Scenario

SCENARIO_FILE = "scenario.yaml"
OPTIONS_FILE = "resume.json"


def partial_folder(final: Path) -> Path:
    """Where the checkpoints of the run folder ``final`` live."""
    final = Path(final)
    return final.parent / f".{final.name}.partial"


class Checkpoint:
    """The partial folder of one run. ``start`` creates it (refusing to overwrite an older
    one), ``open`` reads an existing one for ``--resume``; ``save`` and ``records`` write and
    read finished replications; ``remove`` deletes it when the run folder is complete."""

    def __init__(self, final: Path):
        self.final = Path(final)
        self.folder = partial_folder(self.final)
        self.started = False  # whether this object created the folder (and may drop it)

    def start(self, scenario: Scenario, options: dict) -> Checkpoint:
        if self.folder.exists():
            raise InputError(
                f"--out: {self.final} has an interrupted run waiting; continue it with "
                f"`xsim run --resume {self.final}` or delete {self.folder}"
            )
        self.folder.mkdir(parents=True)
        self.started = True
        document = {**options, "scenario_sha256": scenario_hash(scenario)}
        _write_atomically(self.folder / SCENARIO_FILE, scenario_to_yaml(scenario))
        _write_atomically(self.folder / OPTIONS_FILE, dumps(document, indent=2) + "\n")
        return self

    @classmethod
    def open(cls, final: Path) -> tuple[Checkpoint, Scenario, dict]:
        """The checkpoint of ``final`` with the scenario and options it was started with."""
        checkpoint = cls(final)
        folder = checkpoint.folder
        if Path(final).exists():
            raise InputError(f"--resume: {final} is already complete; nothing to resume")
        if not (folder / OPTIONS_FILE).is_file() or not (folder / SCENARIO_FILE).is_file():
            raise InputError(f"--resume: no interrupted run of {final} (looked for {folder})")
        text = read_yaml_file(folder / SCENARIO_FILE)
        scenario = parse_scenario(text, source=str(folder / SCENARIO_FILE))
        options = _read_options(folder / OPTIONS_FILE)
        if options.get("scenario_sha256") != scenario_hash(scenario):
            raise InputError(f"--resume: {folder / SCENARIO_FILE} was changed since the run began")
        return checkpoint, scenario, options

    def save(self, record: dict) -> None:
        name = f"rep-{int(record['replication']):06d}.json"
        _write_atomically(self.folder / name, dumps(record))

    def records(self) -> dict[int, dict]:
        """Finished replications by index; a file that does not parse is ignored (rerun)."""
        found = {}
        for path in sorted(self.folder.glob("rep-*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                found[int(record["replication"])] = record
            except (ValueError, KeyError, TypeError):
                continue
        return found

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _read_options(path: Path) -> dict:
    try:
        options = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"--resume: {path} is not valid JSON ({exc})") from None
    if not isinstance(options, dict) or not isinstance(options.get("replications"), int):
        raise InputError(f"--resume: {path}: 'replications' must be an integer")
    return options


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
