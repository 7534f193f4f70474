"""Partnership figures: the funnel, loss ratio and actual/expected by arm, and P(S) vs F(S)
with iso-M curves (M = P·F)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from xsim.analysis.objective import joint_value
from xsim.reports.objective import pf_frame
from xsim.reports.runfolder import RunRecord
from xsim.reports.style import arm_style, figure


def funnel_plot(funnel: pd.DataFrame) -> tuple[Figure, str]:
    fig, axes = figure(2.9)
    ax = axes[0, 0]
    width = 0.8 / max(len(funnel), 1)
    steps = np.arange(len(funnel.columns))
    for i, (arm, shares) in enumerate(funnel.iterrows()):
        style = arm_style(i)
        x = steps + (i - (len(funnel) - 1) / 2) * width
        values = shares.where(shares > 0).to_numpy()
        bars = ax.bar(x, values, width, label=arm, color=style["color"], edgecolor="white", lw=0.3)
        ax.bar_label(bars, [_share(v) for v in values], fontsize=5, rotation=90, padding=1.5)
    ax.set_yscale("log")
    low = ax.get_ylim()[0]
    ax.set_ylim(top=8.0)  # room for the labels above 100 %
    ax.set_yticks([10.0**k for k in range(int(np.floor(np.log10(low))), 1)])
    ax.set_xticks(steps, funnel.columns)
    ax.set_ylabel("share of the arm's users")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}" if v >= 0.01 else f"{v * 100:g}%")
    ax.yaxis.set_minor_formatter(lambda v, _: "")
    ax.grid(axis="x", visible=False)
    ax.legend(ncol=len(funnel))
    fig.tight_layout()
    caption = (
        "Funnel: share of each arm's users who visited, bought a course, received an insurance "
        "quote, bought a policy and had a claim during the experiment (log scale; a missing bar "
        "is zero; arms in legend order within each step)."
    )
    return fig, caption


def _share(value: float) -> str:
    if not np.isfinite(value):
        return ""
    return f"{value:.1%}" if value >= 0.001 else f"{value:.3%}"


def claims_plot(table: pd.DataFrame) -> tuple[Figure, str] | None:
    insured = table[table["policies"] > 0]
    if insured.empty or insured["claims"].sum() == 0:  # nothing to show yet: the table says so
        return None
    fig, axes = figure(2.6, 2)
    panels = (("loss_ratio", "lr", "loss ratio (claims incurred / premium earned)"),
              ("actual_expected", "ae", "actual / expected claims"))  # fmt: skip
    arms = list(table.index)
    for ax, (column, prefix, title) in zip(axes.flat, panels, strict=True):
        for arm, row in insured.iterrows():
            i = arms.index(arm)
            low, high = row[f"{prefix}_low"], row[f"{prefix}_high"]
            err = [[row[column] - low], [high - row[column]]] if np.isfinite(low) else None
            bars = ax.bar(i, row[column], 0.6, color=arm_style(i)["color"], yerr=err, capsize=4,
                          ecolor="#000000", error_kw={"lw": 0.9})  # fmt: skip
            label = f"{row[column]:.3g}" if np.isfinite(row[column]) else ""
            ax.bar_label(bars, [label], fontsize=6, label_type="center", color="white",
                         fontweight="bold")  # fmt: skip
        if not np.isfinite(insured[column]).any():
            ax.text(0.5, 0.5, "not available\n(no event log)", transform=ax.transAxes,
                    ha="center", va="center", color="#7f7f7f")  # fmt: skip
        ax.set_xticks(range(len(arms)), arms)
        ax.set_title(title, loc="left")
        ax.grid(axis="x", visible=False)
    axes[0, 1].axhline(1.0, color="#000000", lw=0.8, ls="--")
    fig.tight_layout()
    caption = (
        "Loss ratio and actual/expected claims by arm with delta-method 95% CIs over users "
        "(arms without policies are left empty). Expected = policy exposure in the experiment "
        "times the claim cost per exposure year of the insurer's historical book. Claims "
        "incurred include IBNR; a short horizon makes both noisy."
    )
    return fig, caption


def pf_points(record: RunRecord) -> tuple[pd.DataFrame, str] | None:
    """Per arm P, F and M as scored in objective.json (None without it: the report never
    scores arms itself), with where they came from."""
    scored = pf_frame(record.objective)
    if scored is None:
        return None
    arms = [a for a in record.arms if a in scored.index]
    return scored.reindex(arms), "P(S), F(S) and M(S) as scored in objective.json"


def pf_plot(points: pd.DataFrame, source: str) -> tuple[Figure, str]:
    fig, axes = figure(3.4)
    ax = axes[0, 0]
    for i, (arm, row) in enumerate(points.iterrows()):
        style = arm_style(i)
        ax.errorbar(row.P, row.F, xerr=1.96 * row.P_se if np.isfinite(row.P_se) else None,
                    yerr=1.96 * row.F_se if np.isfinite(row.F_se) else None,
                    marker=style["marker"], color=style["color"], ms=7, capsize=3, ls="",
                    label=f"{arm}: M = {row.M:.3g}")  # fmt: skip
    _iso_m(ax, points)
    ax.set_xlabel("P(S): platform value per user")
    ax.set_ylabel("F(S): insurer value per user")
    ax.legend(loc="best")
    fig.tight_layout()
    caption = (
        f"P(S) versus F(S) per arm ({source}), with 95% error bars where known. Grey curves "
        "are iso-M lines of the joint value M(S) = P(S)·F(S); up and to the right is better "
        "for both partners."
    )
    return fig, caption


def _iso_m(ax, points: pd.DataFrame) -> None:
    p_low, p_high = _padded(points.P, points.P_se)
    f_low, f_high = _padded(points.F, points.F_se)
    grid_p, grid_f = np.meshgrid(np.linspace(p_low, p_high, 120), np.linspace(f_low, f_high, 120))
    surface = joint_value(grid_p, grid_f)
    levels = MaxNLocator(7).tick_values(surface.min(), surface.max())
    levels = levels[(levels > surface.min()) & (levels < surface.max())]
    contours = ax.contour(grid_p, grid_f, surface, levels=levels, colors="#9a9a9a",
                          linewidths=0.7, linestyles=":")  # fmt: skip
    ax.clabel(contours, fmt=lambda v: f"M={v:.3g}", fontsize=6)
    ax.set_xlim(p_low, p_high)
    ax.set_ylim(f_low, f_high)


def _padded(values: pd.Series, se: pd.Series) -> tuple[float, float]:
    spread = (1.96 * se.fillna(0)).to_numpy()
    low, high = float((values - spread).min()), float((values + spread).max())
    pad = max(high - low, abs(high), 1e-9) * 0.15
    return low - pad, high + pad
