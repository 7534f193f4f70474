"""Plain-text rendering of effects rows: a fixed-width table and numbered notes."""

from __future__ import annotations

import math

_COLUMNS = (
    ("metric", "metric"),
    ("arm", "arm"),
    ("adj", "adjustment"),
    ("n (t/c)", "n"),
    ("control", "mean_control"),
    ("treatment", "mean_treatment"),
    ("diff [CI]", "diff_ci"),
    ("lift [CI]", "lift_ci"),
    ("p", "p_value"),
    ("p adj", "p_adjusted"),
    ("verdict", "verdict"),
    ("P(beat)", "prob_beat_control"),
)


def render_summary(rows: list[dict], notes: list[str], settings: dict) -> str:
    """The effects table with a header line and numbered notes underneath."""
    columns = list(_COLUMNS)
    if any(row["segment"] is not None for row in rows):
        columns.insert(0, ("segment", "segment"))
    table = [[title for title, _ in columns]]
    table += [[_cell(row, key, settings) for _, key in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    lines = [_header(settings), ""]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in table
    ]
    if notes:
        lines += ["", "Notes:"]
        lines += [f"[{i}] {note}" for i, note in enumerate(notes, start=1)]
    return "\n".join(line.rstrip() for line in lines)


def _header(settings: dict) -> str:
    if not settings:
        return "A/B effects"
    level = 100 * (1 - settings.get("alpha", 0.05))
    return (
        f"A/B effects: arm column '{settings.get('arm')}', control '{settings.get('control')}',"
        f" {level:g} % CIs, correction {settings.get('correction')}"
    )


def _cell(row: dict, key: str, settings: dict) -> str:
    if key == "adjustment":
        return "cuped" if row["cuped"] else "raw"
    if key == "n":
        return f"{row['n_treatment']}/{row['n_control']}"
    if key == "diff_ci":
        interval = f"[{_num(row['diff_ci_low'])}, {_num(row['diff_ci_high'])}]"
        return f"{_num(row['diff'], signed=True)} {interval}"
    if key == "lift_ci":
        marker = "*" if row["rel_ci_method"] == "log-delta" else ""
        interval = f"[{_pct(row['rel_ci_low'])}, {_pct(row['rel_ci_high'])}]"
        return f"{_pct(row['rel_lift'])} {interval}{marker}"
    if key in ("p_value", "p_adjusted"):
        return _p(row[key])
    if key == "verdict":
        return _verdict(row)
    if key == "prob_beat_control":
        value = row[key]
        return "-" if value is None else f"{value:.3f}"
    if key in ("mean_control", "mean_treatment"):
        return _num(row[key])
    value = row[key]
    return "-" if value is None else str(value)


_VERDICTS = {
    "significant": "SIG",
    "not significant": "ns",
    "insufficient data": "insufficient data",
    "holds": "guard ok",
    "inconclusive": "guard ?",
    "breached": "GUARD BREACHED",
}


def _verdict(row: dict) -> str:
    if row["role"] == "guardrail" and row["verdict"] == "insufficient data":
        return "guard: insufficient data"
    return _VERDICTS.get(row["verdict"], "-")


def _num(value, signed: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:+.4g}" if signed else f"{value:.4g}"
    return text


def _pct(value) -> str:
    if value is None:
        return "-"
    return f"{100 * value:+.1f}%" if abs(value) < 100 else f"{100 * value:+.3g}%"


def _p(value) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "<1e-300"
    if value < 1e-4:
        return f"{value:.1e}"
    return f"{value:.4f}" if not math.isnan(value) else "-"
