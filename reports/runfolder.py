"""A saved run folder, loaded into plain data (`RunRecord`) for the report.

The report is always rendered from the folder, so `xsim run` and `xsim report RUN_DIR` take the
same path. Optional result files (`objective.json`, `power.json`, ...) are picked up when present.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from xsim.analysis.decision import Decision
from xsim.analysis.objective import ObjectiveResult
from xsim.core.errors import InputError
from xsim.core.yamlio import load_yaml, read_yaml_file

REQUIRED = ("manifest.json", "scenario.yaml", "users.parquet", "effects.json")
OPTIONAL_TABLES = {"daily": "daily.parquet", "book": "book.parquet"}
EXTRA_RESULTS = ("objective", "decision", "recommender", "risk", "calibration", "optimization",
                 "power", "replications")  # fmt: skip
# Results read into their own types (the rest stay plain JSON data for generic sections)
TYPED_RESULTS = {"objective": ObjectiveResult.from_dict, "decision": Decision.from_dict}
EVENTS = "events.parquet"


@dataclass
class EffectsView:
    """A/B results as saved (or as computed): the rows of ``to_dicts()`` plus notes, settings
    and the SRM check. Duck-types `EffectsResult` for the shared tables."""

    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    srm: dict | None = None

    def to_dicts(self) -> list[dict]:
        return [dict(row) for row in self.rows]

    @classmethod
    def from_result(cls, result) -> EffectsView:
        """From an `EffectsResult` (or `RunEffects`) in memory."""
        srm = getattr(result, "srm", None)
        if srm is None and hasattr(result, "effects"):
            srm = result.effects.srm
        srm = json.loads(json.dumps(srm.to_dict(), default=float)) if srm is not None else None
        return cls(result.to_dicts(), list(result.notes), dict(result.settings), srm)


@dataclass
class RunRecord:
    folder: Path
    manifest: dict
    scenario: dict
    users: pd.DataFrame
    effects: EffectsView
    summary: pd.DataFrame | None = None
    daily: pd.DataFrame | None = None
    book: pd.DataFrame | None = None
    truth: dict | None = None
    extras: dict[str, Any] = field(default_factory=dict)  # TYPED_RESULTS typed, others JSON

    @property
    def objective(self) -> ObjectiveResult | None:
        return self.extras.get("objective")

    @property
    def decision(self) -> Decision | None:
        return self.extras.get("decision")

    @property
    def name(self) -> str:
        return str(self.scenario.get("name") or self.manifest.get("scenario_name") or "run")

    @property
    def arms(self) -> list[str]:
        return [str(a) for a in self.scenario.get("arms") or self.users["arm"].unique()]

    @property
    def control(self) -> str:
        return str(self.effects.settings.get("control") or self.arms[0])

    @property
    def primary(self) -> str:
        analysis = self.scenario.get("analysis") or {}
        metrics = self.effects.settings.get("metrics") or []
        return str(analysis.get("primary") or (metrics[0] if metrics else ""))

    @property
    def warmup_days(self) -> float:
        return float((self.scenario.get("experiment") or {}).get("warmup_days", 0))

    @property
    def horizon_days(self) -> float:
        experiment = self.scenario.get("experiment") or {}
        default = self.warmup_days + float(experiment.get("duration_days", 0))
        return float(self.manifest.get("horizon_days", default))

    def events(self, kinds: list[str], columns: list[str]) -> pd.DataFrame | None:
        """Events of the given kinds (None when the run folder has no event log)."""
        path = self.folder / EVENTS
        if not path.is_file():
            return None
        table = pq.read_table(path, columns=["kind", *columns], filters=[("kind", "in", kinds)])
        frame = table.to_pandas()
        frame["kind"] = frame["kind"].astype(str)
        return frame


def load_run(folder: str | Path) -> RunRecord:
    """Read a run folder; `InputError` naming the folder and every missing or unreadable file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("not a folder (expected a run folder written by `xsim run`)", str(folder))
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise InputError(
            [f"missing {', '.join(missing)}: not a complete run folder (did the run finish?)"],
            str(folder),
        )
    reader = _Reader(folder)
    effects = reader.json("effects.json")
    record = RunRecord(
        folder=folder,
        manifest=reader.json("manifest.json"),
        scenario=reader.yaml("scenario.yaml"),
        users=reader.parquet("users.parquet"),
        effects=EffectsView(
            effects.get("rows") or [],
            effects.get("notes") or [],
            effects.get("settings") or {},
            effects.get("srm"),
        ),  # fmt: skip
        summary=reader.optional("summary.csv", lambda p: pd.read_csv(p, index_col=0)),
        daily=reader.optional(OPTIONAL_TABLES["daily"], pd.read_parquet),
        book=reader.optional(OPTIONAL_TABLES["book"], pd.read_parquet),
        truth=effects.get("truth") or reader.optional("truth.json", _read_json),
        extras={
            name: data
            for name in EXTRA_RESULTS
            if (data := reader.optional(f"{name}.json", _reader_of(name))) is not None
        },
    )
    if "arm" not in record.users.columns:
        reader.problems.append("users.parquet: no 'arm' column (not a user table of a run)")
    reader.raise_problems()
    return record


class _Reader:
    """Reads files of one folder, collecting every unreadable one before failing."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.problems: list[str] = []

    def _read(self, name: str, read, default):
        try:
            return read(self.folder / name)
        except InputError as exc:  # read, but not what it should be: its own lines, per file
            self.problems.extend(f"{name}: {problem}" for problem in exc.problems)
            return default
        except Exception as exc:  # any parse error: report it as bad input, not a traceback
            self.problems.append(f"{name}: unreadable ({type(exc).__name__}: {exc})")
            return default

    def json(self, name: str) -> dict:
        value = self._read(name, _read_json, {})
        return value if isinstance(value, dict) else self._wrong_shape(name)

    def yaml(self, name: str) -> dict:
        value = self._read(name, lambda p: load_yaml(read_yaml_file(p)), {})
        return value if isinstance(value, dict) else self._wrong_shape(name)

    def parquet(self, name: str) -> pd.DataFrame:
        return self._read(name, pd.read_parquet, pd.DataFrame({"arm": []}))

    def optional(self, name: str, read):
        return self._read(name, read, None) if (self.folder / name).is_file() else None

    def _wrong_shape(self, name: str) -> dict:
        self.problems.append(f"{name}: unreadable (expected a mapping at the top level)")
        return {}

    def raise_problems(self) -> None:
        if self.problems:
            raise InputError(self.problems, str(self.folder))


def _reader_of(name: str):
    """How ``<name>.json`` is read: into its result type when it has one, else as JSON."""
    typed = TYPED_RESULTS.get(name)
    return _read_json if typed is None else lambda path: typed(_read_json(path))


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
