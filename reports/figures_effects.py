"""The forest plot: every metric's difference vs control per arm with its CI (raw and CUPED),
the guardrail margins, and the simulated true effect when the run has one."""

from __future__ import annotations

import math

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from xsim.reports.style import TRUTH_COLOUR, arm_style, figure
from xsim.reports.tables import lower_is_better, metrics_in_order, overall_rows

PANEL_BASE_IN, PER_ROW_IN = 0.55, 0.28


def forest_plot(rows: list[dict], arms: list[str]) -> tuple[Figure, str] | None:
    """Small multiples, one panel per metric: x is the absolute difference vs control."""
    rows = overall_rows(rows)
    metrics = metrics_in_order(rows)
    if not metrics:
        return None
    ncols = 1 if len(metrics) == 1 else 2
    nrows = math.ceil(len(metrics) / ncols)
    per_panel = max(len(_panel_rows(rows, m)) for m in metrics)
    fig, axes = figure(nrows * (PANEL_BASE_IN + PER_ROW_IN * per_panel) + 0.5, ncols, nrows)
    for ax, metric in zip(axes.flat, metrics, strict=False):
        _panel(ax, _panel_rows(rows, metric), arms)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    fig.legend(handles=_legend(rows), loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig, _caption(rows)


def _panel_rows(rows: list[dict], metric: str) -> list[dict]:
    chosen = [r for r in rows if r["metric"] == metric and r["diff"] is not None]
    return sorted(chosen, key=lambda r: (r["arm"], r["cuped"]), reverse=True)


def _panel(ax, rows: list[dict], arms: list[str]) -> None:
    labels = []
    for y, row in enumerate(rows):
        style = arm_style(arms.index(row["arm"]) if row["arm"] in arms else y + 1)
        low, high = row["diff_ci_low"], row["diff_ci_high"]
        if low is not None and high is not None:
            ax.plot([low, high], [y, y], color=style["color"], lw=1.6, solid_capstyle="butt")
        good = row["noninferior"] if row["role"] == "guardrail" else row["significant"]
        ax.plot(row["diff"], y, marker="s" if row["cuped"] else "o", ms=5.5,
                color=style["color"], mfc=style["color"] if good else "white", mew=1.3)  # fmt: skip
        if row.get("true_diff") is not None:
            ax.plot(row["true_diff"], y, marker="x", ms=6, color=TRUTH_COLOUR, mew=1.4)
        labels.append(f"{row['arm']}{' (CUPED)' if row['cuped'] else ''}")
    ax.axvline(0, color="#7f7f7f", lw=0.8)
    _margin_line(ax, rows)
    ax.set_yticks(range(len(rows)), labels)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="y", visible=False)
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
    role = " (guardrail)" if rows and rows[0]["role"] == "guardrail" else ""
    ax.set_title(f"{rows[0]['metric'] if rows else ''}{role}", loc="left")


def _margin_line(ax, rows: list[dict]) -> None:
    margins = [r for r in rows if r["role"] == "guardrail" and r["ni_margin"] is not None]
    if margins:
        row = margins[0]
        x = row["ni_margin"] if lower_is_better(row) else -row["ni_margin"]
        ax.axvline(x, color="#000000", lw=0.9, ls="--")
        ax.annotate("margin", (x, 1.0), xycoords=("data", "axes fraction"), fontsize=6,
                    ha="center", va="bottom")  # fmt: skip


def _legend(rows: list[dict]) -> list[Line2D]:
    grey = "#4d4d4d"
    handles = [
        Line2D([], [], marker="o", color=grey, mfc=grey, ls="", label="raw, significant"),
        Line2D([], [], marker="o", color=grey, mfc="white", ls="", label="raw, n.s."),
    ]
    if any(r["cuped"] for r in rows):
        handles.append(Line2D([], [], marker="s", color=grey, mfc=grey, ls="", label="CUPED"))
    if any(r.get("true_diff") is not None for r in rows):
        handles.append(
            Line2D([], [], marker="x", color=TRUTH_COLOUR, ls="", label="true effect (twin worlds)")
        )
    return handles


def _caption(rows: list[dict]) -> str:
    text = (
        "Difference vs control per metric and arm, with per-comparison (unadjusted) CIs. "
        "Filled markers: significant after the multiple-testing correction (guardrails: "
        "non-inferiority holds); open markers: not. Each panel has its own scale."
    )
    if any(r.get("true_diff") is not None for r in rows):
        text += " Crosses mark the true effect from the twin-world simulation."
    return text
