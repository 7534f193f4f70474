"""Optional report sections: one per extra result file of a run folder (``power.json``, ...).

`SECTIONS` is a small registry keyed by the file's stem. Every registered file gets a heading;
a specialised renderer may be registered later with `register`, otherwise `generic` shows the
top-level scalar fields, lists of records as tables, and a line chart when records share a
monotone numeric first column (a curve such as power against sample size).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from xsim.reports import objective
from xsim.reports.document import ReportDocument
from xsim.reports.style import arm_style, figure
from xsim.reports.tables import DASH, sig

Renderer = Callable[[ReportDocument, Any], None]
MAX_ROWS, MAX_COLUMNS = 40, 9


@dataclass(frozen=True)
class OptionalSection:
    key: str  # the file stem in the run folder: ``power`` for ``power.json``
    title: str
    render: Renderer


SECTIONS: dict[str, OptionalSection] = {}


def register(key: str, title: str, render: Renderer | None = None) -> OptionalSection:
    """Add (or replace) the section shown when the run folder holds ``<key>.json``."""
    section = OptionalSection(key, title, render or generic)
    SECTIONS[key] = section
    return section


def render_optional(doc: ReportDocument, extras: dict[str, Any]) -> list[str]:
    """A section for every extra result present, in registry order; returns the headings."""
    shown = []
    for key, section in SECTIONS.items():
        if key in extras:
            doc.heading(section.title)
            section.render(doc, extras[key])
            shown.append(section.title)
    return shown


def generic(doc: ReportDocument, data: Any) -> None:
    """Scalars as a field/value table, record lists as tables (with a chart when obvious)."""
    if isinstance(data, list):
        data = {"records": data}
    if not isinstance(data, dict):
        doc.paragraph(cell(data))
        return
    scalars = [(k, cell(v)) for k, v in data.items() if _short(v) or _scalar_list(v)]
    if scalars:
        doc.table_of(["field", "value"], scalars, left={"field", "value"})
    for key, value in data.items():
        records = _records(value)
        if isinstance(value, str) and not _short(value):  # e.g. a fitted model's summary
            doc.heading(key.replace("_", " "), level=2)
            doc.code(value)
        elif records:
            doc.heading(key.replace("_", " "), level=2)
            _records_block(doc, records, key)
        elif isinstance(value, dict) and any(_scalar(v) for v in value.values()):
            doc.heading(key.replace("_", " "), level=2)
            generic(doc, value)


def _records_block(doc: ReportDocument, records: list[dict], name: str) -> None:
    columns = list(dict.fromkeys(k for r in records for k, v in r.items() if _scalar(v)))
    columns = columns[:MAX_COLUMNS]
    rows = [[cell(r.get(c)) for c in columns] for r in records[:MAX_ROWS]]
    more = f" (first {MAX_ROWS} of {len(records)})" if len(records) > MAX_ROWS else ""
    doc.table_of(columns, rows, caption=f"{name.replace('_', ' ')}{more}.")
    chart = records_chart(records, columns, name)
    if chart is not None:
        doc.figure(*chart)


def records_chart(records: list[dict], columns: list[str], name: str):
    """Other numeric columns against the first, when the first is numeric and monotone."""
    numeric = [c for c in columns if all(_number(r.get(c)) for r in records)]
    if len(numeric) < 2 or len(records) < 3:
        return None
    x = np.array([r[numeric[0]] for r in records], dtype=float)
    steps = np.diff(x)
    if not (np.all(steps > 0) or np.all(steps < 0)):
        return None
    return _line_chart(x, numeric, records, name)


def _line_chart(x, numeric: list[str], records: list[dict], name: str) -> tuple[Figure, str]:
    fig, axes = figure(2.6)
    ax = axes[0, 0]
    for i, column in enumerate(numeric[1:6], start=1):
        y = [r[column] for r in records]
        ax.plot(x, y, label=column, markevery=max(len(x) // 8, 1), **arm_style(i))
    ax.set_xlabel(numeric[0])
    ax.legend()
    fig.tight_layout()
    caption = f"{name.replace('_', ' ')}: {', '.join(numeric[1:6])} against {numeric[0]}."
    return fig, caption


def cell(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return sig(value, digits=4) if math.isfinite(value) else DASH
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _short(value: Any) -> bool:
    """A scalar that fits a table cell (long or multi-line text is shown as a listing)."""
    return _scalar(value) and not (isinstance(value, str) and ("\n" in value or len(value) > 300))


def _scalar_list(value: Any) -> bool:
    return isinstance(value, list) and 0 < len(value) <= 12 and all(_scalar(v) for v in value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _records(value: Any) -> list[dict] | None:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return value
    return None


def _risk(doc: ReportDocument, data: Any) -> None:
    """risk.json without its realised claims, which the insurance chapter already tabulates."""
    rest = (
        {k: v for k, v in data.items() if k != "realised_claims"}
        if isinstance(data, dict)
        else data
    )
    generic(doc, rest)


register("objective", "Joint value M(S) = P(S)·F(S)", objective.render)
for _key, _title in (
    ("optimization", "Optimisation"),
    ("power", "Power and sample size"),
    ("replications", "Replications"),
    ("calibration", "Calibration of the statistics"),
    ("recommender", "Recommender quality"),
):
    register(_key, _title)
register("risk", "Risk model quality", _risk)
