"""`analyze`: the A/B report for a table with one row per randomisation unit.

This is the library behind `xsim analyze DATA.csv` and the effects step of `xsim run`. It works
on a plain DataFrame and knows nothing of the simulator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .comparison import Context, Pair, compare
from .cuped import covariate_matrix
from .design import Design
from .diagnostics import NoteBook
from .interaction import interaction_note, interaction_tests
from .metrics import Metric
from .multiplicity import Guardrail, adjust_pvalues
from .results import EffectsResult
from .srm import SRM_THRESHOLD, srm_test
from .validate import Plan, prepare
from .validity import INSUFFICIENT

_CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no correction"}


def analyze(
    data,
    arm: str,
    control: str,
    metrics: Sequence[Metric | str | Mapping],
    covariates: Sequence[str] | Mapping[str, Sequence[str]] = (),
    segment: str | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    guardrails: Sequence[Guardrail] = (),
    dropna: bool = False,
    expected_weights: Mapping[str, float] | None = None,
    srm_threshold: float = SRM_THRESHOLD,
    lower_is_better: Sequence[str] = (),
    primary: str | None = None,
    comparisons: Sequence[tuple[str, str]] = (),
) -> EffectsResult:
    """Compare every arm with ``control`` on every metric; see docs/statistics.md.

    ``metrics`` are `Metric` objects or specs (``"name[:kind]"``, ``"num/den"`` or a mapping
    with a ``kind``), read once by `parse_metric_spec`: a name without a kind is a proportion
    when its column holds only 0/1 (or yes/no, true/false) values, else a mean, and a note
    states the kind of each; ``covariates`` (pre-period columns) add regression-adjusted
    (CUPED) rows, either one list for all metrics or a mapping metric name -> columns;
    ``segment`` adds the same table per value of that column; ``expected_weights`` is the
    intended split the SRM check tests against. ``lower_is_better``, ``primary`` and
    ``comparisons`` state the design (see `Design`). Raises `xsim.core.errors.InputError`
    listing every input problem.
    """
    design = Design(tuple(lower_is_better), primary, tuple(comparisons))
    plan = prepare(data, arm, control, metrics, covariates, segment, alpha, correction,
                   guardrails, dropna, expected_weights, design)  # fmt: skip
    notes = NoteBook()
    counts = plan.frame[plan.arm].value_counts()
    arms = [plan.control, *plan.treatments]
    srm = srm_test({a: int(counts[a]) for a in arms}, expected_weights, srm_threshold)
    for line in [srm.note(), *plan.notes, *_method_notes(plan, correction)]:
        notes.add(line)
    rows = _all_rows(plan, alpha, notes)
    _apply_correction(rows, correction, alpha, plan.primary)
    interactions = interaction_tests(rows) if plan.segment is not None else []
    lines = notes.render()
    if (line := interaction_note(interactions, alpha)) is not None:
        lines.append(line)
    settings = _settings(plan, alpha, correction)
    return EffectsResult(rows, lines, srm, settings, interactions=interactions)


def _all_rows(plan: Plan, alpha: float, notes: NoteBook) -> list[dict]:
    """The overall table, then one table per segment value."""
    matrices = {name: covariate_matrix(plan.frame, cols) for name, cols in plan.covariates.items()}
    rows = _table(plan, None, None, matrices, alpha, notes)
    if plan.segment is not None:
        column = plan.frame[plan.segment]
        for value in sorted(column.unique(), key=str):
            mask = (column == value).to_numpy()
            rows += _table(plan, str(value), mask, matrices, alpha, notes)
    return rows


def _table(plan: Plan, segment, mask, matrices, alpha: float, notes: NoteBook) -> list[dict]:
    """All rows of one table: primary metrics then guardrails, each treatment arm vs control,
    then the extra comparisons."""
    masks = _arm_masks(plan.frame[plan.arm], [plan.control, *plan.treatments], mask)
    frames = {a: plan.frame[m] for a, m in masks.items()}  # sliced once, shared by all metrics
    rows = []
    jobs = [(m, None) for m in plan.metrics] + [(m, g) for m, g in plan.guardrails]
    for metric, guardrail in jobs:
        matrix = matrices.get(metric.name)
        for reference, arm in plan.pairs:
            ctx = Context(reference, alpha, notes, segment, reference != plan.control)
            if frames[reference].empty or frames[arm].empty:
                notes.flag("segment_skipped", f"{metric.name} / {arm} [{segment}]")
                continue
            pair = Pair(
                arm=arm,
                control_frame=frames[reference],
                treatment_frame=frames[arm],
                control_covariates=None if matrix is None else matrix[masks[reference]],
                treatment_covariates=None if matrix is None else matrix[masks[arm]],
            )
            rows += compare(metric, pair, ctx, guardrail)
    return rows


def _arm_masks(labels, arms: list[str], in_slice: np.ndarray | None) -> dict[str, np.ndarray]:
    """Rows of each arm (within the slice). Compared as integer codes: an object array of
    the labels would cost tens of bytes per row on a million-row table."""
    codes, uniques = pd.factorize(labels)
    where = {label: i for i, label in enumerate(uniques)}
    in_slice = np.ones(len(codes), dtype=bool) if in_slice is None else in_slice
    return {a: in_slice & (codes == where.get(a, -2)) for a in arms}


def _apply_correction(rows: list[dict], correction: str, alpha: float, primary=None) -> None:
    """Adjust p-values within each family, then give every primary row its verdict.

    Families: the overall primary rows of the raw table, the same of the CUPED table, and all
    segment cells of each together (segments x metrics x arms): correcting each segment's
    table on its own let 27 % of A/A tests with 5 segments x 2 metrics show some "significant"
    cell. With a ``primary`` metric, its rows are a family of their own (corrected across
    arms only) and the other metrics another. A row whose validity is "insufficient data"
    keeps its p-values but is never significant."""
    families: dict[tuple, list[dict]] = {}
    for row in rows:
        if row["role"] == "primary":
            decides = primary is not None and row["metric"] == primary
            families.setdefault((row["segment"] is None, row["cuped"], decides), []).append(row)
    for family in families.values():
        adjusted = adjust_pvalues([_p(r["p_value"]) for r in family], correction)
        for row, p_adj in zip(family, adjusted, strict=True):
            row["p_adjusted"] = float(p_adj)
            row["significant"], row["verdict"] = _verdict(row["validity"], p_adj, alpha)


def _verdict(validity: str, p_adjusted: float, alpha: float) -> tuple[bool | None, str]:
    if validity == INSUFFICIENT or not np.isfinite(p_adjusted):
        return False, INSUFFICIENT
    significant = bool(p_adjusted < alpha)
    return significant, "significant" if significant else "not significant"


def _p(value) -> float:
    return np.nan if value is None else float(value)


def _method_notes(plan: Plan, correction: str) -> list[str]:
    n_tests = len(plan.metrics) * len(plan.pairs)
    family = (
        f"Multiple testing: {_CORRECTION_NAMES[correction]} over the family of"
        f" {len(plan.metrics)} metrics x {len(plan.pairs)} comparisons = {n_tests}"
        " tests per table (raw and CUPED are separate families)"
    )
    if plan.primary is not None:
        family += (
            f"; the primary metric {plan.primary} is a family of its own ({len(plan.pairs)}"
            " tests), the other metrics another"
        )
    if plan.segment is not None:
        n_segments = plan.frame[plan.segment].nunique()
        family += (
            f"; the segment cells form one family of their own, {n_segments} segments x"
            f" {n_tests} = {n_segments * n_tests} tests"
        )
    lines = [family + ". CIs are per comparison (unadjusted)."]
    if plan.guardrails:
        lines.append(
            "Guardrails are outside the family. Each reads the row's two-sided CI against its"
            " margin: it holds when the CI clears the margin, is breached only when the CI"
            " lies wholly beyond it, and is inconclusive otherwise; ni_p_value is the"
            " large-sample one-sided test at alpha/2."
        )
    lines.append(_methods_note(plan.metrics + [m for m, _ in plan.guardrails]))
    if plan.from_text:
        kinds = ", ".join(f"{m.name} {m.kind}" for m in dict.fromkeys(plan.from_text))
        lines.append(
            f"Metric kinds: {kinds} (a name without ':kind' is a proportion when its column"
            " holds only 0/1, true/false or yes/no values, else a mean)."
        )
    if plan.covariates:
        lines.append(
            "CUPED rows: OLS y ~ arm + covariates per control/treatment pair (theta estimated"
            " per pair), HC3 SEs, t with min(n_c, n_t) - 1 df; variance_reduction ="
            " 1 - (SE_adj/SE_raw)^2."
        )
    return lines


def _methods_note(metrics: list[Metric]) -> str:
    """Which test each metric kind used, and what replaces it where it is not valid."""
    kinds = {m.kind for m in metrics}
    unpooled = any(m.kind == "proportion" and not m.pooled_test for m in metrics)
    methods = {
        "proportion": "proportions use the pooled z test with Newcombe's interval"
        + (" (unpooled Wald test and interval where pooled_test=False)" if unpooled else "")
        + ", Fisher's exact test when an arm has < 10 successes or failures (Beta(1,1) prior"
        " for P(beat))",
        "mean": "means use Welch's t (Welch-Satterthwaite df), a permutation test of Welch's t"
        " when an arm has < 30 units or the skewness rule fails",
        "ratio": "ratios use the delta-method variance with a z test (< 30 units in an arm:"
        " insufficient data)",
    }
    used = "; ".join(methods[k] for k in ("proportion", "mean", "ratio") if k in kinds)
    return (
        f"Methods: {used}. Relative lift: Fieller interval (log-delta when unbounded); for"
        " proportions the MOVER-R interval from Wilson limits; never below -100 % for a"
        " metric that cannot be negative; its p-value is the absolute test's."
    )


def _settings(plan: Plan, alpha: float, correction: str) -> dict:
    return {
        "arm": plan.arm,
        "control": plan.control,
        "treatments": list(plan.treatments),
        "metrics": [m.name for m in plan.metrics],
        "guardrails": [
            {
                "metric": m.name,
                "margin": g.margin,
                "relative": g.relative,
                "higher_is_better": m.higher_is_better,
            }
            for m, g in plan.guardrails
        ],  # fmt: skip
        "lower_is_better": sorted(
            {m.name for m in plan.metrics if not m.higher_is_better}
            | {m.name for m, _ in plan.guardrails if not m.higher_is_better}
        ),
        "primary": plan.primary,
        "comparisons": [list(pair) for pair in plan.comparisons],
        "covariates": plan.covariates,
        "segment": plan.segment,
        "alpha": alpha,
        "correction": correction,
        "n_units": len(plan.frame),
        "dropped_rows": plan.dropped_rows,
    }
