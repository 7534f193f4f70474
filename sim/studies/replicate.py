"""Replications: many independent runs of one scenario, summarised against the truth.

Replication ``i`` runs the whole pipeline — new population, assignment and behaviour — on the
seed tree ``RandomStreams(scenario.seed).replication(i)``, which is addressed from the root
seed by ``i`` alone: the results do not depend on how many replications run, in which order,
or on which worker (`xsim.pipeline.executors`). A replication returns a small record (the
overall effects rows, the SRM p-value and, when asked, interim looks), never the users
table, so shipping it between processes costs little.

The summary gives, per metric, arm and raw/CUPED row: the distribution of the estimates, the
mean true effect (twin worlds), bias, RMSE, CI coverage of the truth, the rejection rate
(power, or the false-positive rate where the truth is zero) and how well the reported SEs
match the spread of the estimates.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from xsim.analysis.peeking import interim_looks, peek_metrics
from xsim.core.jsonio import dumps, finite
from xsim.core.rng import RandomStreams
from xsim.pipeline.checkpoint import Checkpoint
from xsim.pipeline.executors import Executor, Progress, SerialExecutor
from xsim.pipeline.runner import run
from xsim.schema.scenario import Scenario

ROW_KEYS = (
    "metric", "kind", "role", "arm", "cuped", "test", "n_control", "n_treatment",
    "mean_control", "mean_treatment", "sd_control", "sd_treatment", "diff", "diff_se",
    "diff_ci_low", "diff_ci_high", "p_value", "p_adjusted", "significant", "rel_lift",
    "rel_ci_low", "rel_ci_high", "true_diff", "true_rel_lift", "ci_covers_truth",
    "interference", "sampling",
)  # fmt: skip
GROUP_KEYS = ["metric", "arm", "cuped", "role"]


@dataclass(frozen=True)
class ReplicationPlan:
    """What every replication of one batch runs. ``aa``: all arms are identical, so the true
    effect is zero by construction (no twin worlds needed). ``peek_every_days``: also record
    interim looks at that spacing (see `xsim.analysis.peeking`)."""

    scenario: Scenario
    aa: bool = False
    peek_every_days: int | None = None
    objective: bool = False  # also score the objective (rows 'objective:<score>' with truth)


def _lean(scenario: Scenario) -> Scenario:
    """Replications keep only effects: no slate-quality scoring, no risk report."""
    outputs = scenario.outputs.model_copy(
        update={"recommender_quality_users": 0, "risk_report": False}
    )
    return scenario.model_copy(update={"outputs": outputs})


def replicate_one(plan: ReplicationPlan, index: int) -> dict:
    """Run replication ``index`` of ``plan`` and keep only what the summaries need."""
    scenario = _lean(plan.scenario)
    streams = RandomStreams(scenario.seed).replication(index)
    with tempfile.TemporaryDirectory(prefix="xsim-rep-") as folder:
        result = run(scenario, workdir=folder, streams=streams, with_objective=plan.objective)
        looks = None
        metrics = peek_metrics(scenario) if plan.peek_every_days else []
        if metrics and scenario.experiment.unit == "user":
            codes = pd.Categorical(result.users["arm"], categories=list(scenario.arms)).codes
            looks = interim_looks(
                result.events_path, codes, scenario, metrics, plan.peek_every_days
            )
    rows = [_slim(row, plan.aa) for row in result.effects.to_dicts() if row["segment"] is None]
    if result.objective is not None:
        rows += [_slim(row, plan.aa) for row in result.objective.score_rows()]
    srm = result.effects.effects.srm
    record = {
        "replication": index,
        "rows": rows,
        "srm_p_value": None if srm is None else finite(srm.p_value),
        "looks": looks,
    }
    # plain JSON data, as a checkpoint file gives it back: resumed runs write identical bytes
    return json.loads(dumps(record))


def replicate_task(plans: tuple[ReplicationPlan, ...], task: tuple[int, int]) -> dict:
    """Replication ``task[1]`` of ``plans[task[0]]``: one map over several plans (a grid)."""
    plan_index, index = task
    return {"plan": plan_index, **replicate_one(plans[plan_index], index)}


def _slim(row: dict, aa: bool) -> dict:
    row = {key: row.get(key) for key in ROW_KEYS}
    if aa:  # identical arms: the truth is exactly zero
        row["true_diff"], row["true_rel_lift"] = 0.0, 0.0
        low, high = row["diff_ci_low"], row["diff_ci_high"]
        row["ci_covers_truth"] = None if low is None else bool(low <= 0.0 <= high)
    return row


@dataclass
class Replications:
    """The records of a batch of replications, in replication order, and their summaries."""

    plan: ReplicationPlan
    records: list[dict]
    notes: list[str] = field(default_factory=list)

    @property
    def alpha(self) -> float:
        return self.plan.scenario.analysis.alpha

    def rows_frame(self) -> pd.DataFrame:
        """One row per (replication, metric, arm, raw/CUPED)."""
        rows = [{"replication": r["replication"], **row} for r in self.records for row in r["rows"]]
        return pd.DataFrame(rows, columns=["replication", *ROW_KEYS])

    def summary_frame(self) -> pd.DataFrame:
        return summarise_rows(self.rows_frame(), self.alpha)

    def srm_false_alarms(self, threshold: float = 0.001) -> dict:
        """Share of replications whose SRM check alarmed (no replication has a real SRM)."""
        p = np.array([r["srm_p_value"] for r in self.records if r["srm_p_value"] is not None])
        alarms = int(np.sum(p < threshold))
        return {"threshold": threshold, "replications": len(p), "alarms": alarms,
                "rate": alarms / len(p) if len(p) else None}  # fmt: skip

    def settings(self) -> dict:
        scenario = self.plan.scenario
        return {
            "scenario": scenario.name,
            "seed": scenario.seed,
            "replications": len(self.records),
            "n_users": scenario.population.n_users,
            "duration_days": scenario.experiment.duration_days,
            "unit": scenario.experiment.unit,
            "alpha": self.alpha,
            "aa": self.plan.aa,
            "seeds": "replication i: RandomStreams(seed).replication(i)",
        }

    def to_document(self) -> dict:
        return {
            "kind": "replications",
            "title": f"Replications: {len(self.records)} independent runs",
            "settings": self.settings(),
            "summary": frame_records(self.summary_frame()),
            "srm": self.srm_false_alarms(),
            "notes": [*self.notes, *summary_notes(self.summary_frame(), self.alpha)],
        }

    def write(self, folder: Path, name: str = "replications") -> None:
        """``<name>.json`` (summary) and ``<name>.csv`` (every replication's rows)."""
        write_json(Path(folder) / f"{name}.json", self.to_document())
        self.rows_frame().to_csv(Path(folder) / f"{name}.csv", index=False)


def run_replications(
    plan: ReplicationPlan,
    n_replications: int,
    executor: Executor | None = None,
    progress: Progress | None = None,
    checkpoint: Checkpoint | None = None,
) -> Replications:
    """Run replications 0..n-1 of ``plan`` on ``executor`` (this process when None). With a
    ``checkpoint``, replications it already holds are not run again and each new one is saved
    there as soon as it finishes (`xsim.pipeline.checkpoint`)."""
    executor = executor or SerialExecutor()
    done = checkpoint.records() if checkpoint is not None else {}
    done = {i: record for i, record in done.items() if i < n_replications}
    todo = [i for i in range(n_replications) if i not in done]
    tick = None
    if progress is not None:
        tick = lambda finished, _: progress(len(done) + finished, n_replications)  # noqa: E731
    save = checkpoint.save if checkpoint is not None else None
    records = [*done.values(), *executor.map(replicate_one, plan, todo, tick, save)]
    return Replications(plan, sorted(records, key=lambda r: r["replication"]))


def summarise_rows(frame: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Distribution, bias, coverage and rejection rate per (metric, arm, raw/CUPED)."""
    if frame.empty:
        return pd.DataFrame()
    groups = frame.groupby(GROUP_KEYS, sort=False, dropna=False)
    return groups.apply(lambda g: pd.Series(_summary(g, alpha)), include_groups=False).reset_index()


def _summary(g: pd.DataFrame, alpha: float) -> dict:
    diff = g["diff"].astype(float)
    truth = g["true_diff"].astype(float)
    covered = g["ci_covers_truth"].dropna().astype(float)
    rejected = (g["p_value"].astype(float) < alpha).astype(float)
    error = diff - truth
    half_width = (g["diff_ci_high"].astype(float) - g["diff_ci_low"].astype(float)) / 2
    rel = g[["rel_ci_low", "rel_ci_high", "true_rel_lift"]].astype(float).dropna()
    rel_covered = (rel.rel_ci_low <= rel.true_rel_lift) & (rel.true_rel_lift <= rel.rel_ci_high)
    significant = g["significant"].dropna().astype(float)
    # rows without twin worlds (or recorded before the split existed) have no interference
    interference = g.get("interference", pd.Series(dtype=float)).astype(float).dropna()
    return {
        # the report shows a table's first nine columns: the reading ones first
        "true_diff": truth.mean(),
        "mean_estimate": diff.mean(),
        "bias": error.mean(),
        "coverage": covered.mean() if len(covered) else np.nan,
        "rejection_rate": rejected.mean(),
        "replications": len(g),
        "sd_estimate": diff.std(ddof=1),
        "bias_mc_se": _mc_se(error.dropna()),
        "rmse": float(np.sqrt(np.mean(error**2))) if error.count() else np.nan,
        "mean_interference": interference.mean() if len(interference) else np.nan,
        "interference_mc_se": _mc_se(interference),
        "mean_se": g["diff_se"].astype(float).mean(),
        "mean_ci_half_width": half_width.mean(),
        "rel_coverage": rel_covered.mean() if len(rel) else np.nan,
        "rejection_rate_adjusted": significant.mean() if len(significant) else np.nan,
        "rate_mc_se": float(np.sqrt(0.25 / len(g))),  # worst case sqrt(p(1-p)/R)
    }


def _mc_se(x: pd.Series) -> float:
    """Monte Carlo standard error of a mean over replications."""
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else np.nan


def _low_coverage_cause(r) -> str:
    """Why a row's CI covers too rarely: interference when the members-vs-own-twin part of the
    error is clearly non-zero and carries most of the bias, a biased estimator when the bias
    is clear without it, otherwise a CI too narrow for the spread of the estimate."""
    interference, i_se = r.mean_interference, r.interference_mc_se
    if abs(interference) > 3 * i_se and abs(interference) >= 0.5 * abs(r.bias):
        return f"interference (mean {interference:+.4g} of the bias {r.bias:+.4g})"
    if abs(r.bias) > 3 * r.bias_mc_se:
        return f"a biased estimate without interference (bias {r.bias:+.4g})"
    return "no clear bias: the CI is too narrow for the estimate's spread (few units, skew)"


def summary_notes(summary: pd.DataFrame, alpha: float) -> list[str]:
    """Rows whose coverage falls clearly below nominal, with the likely reason."""
    if summary.empty or summary["coverage"].isna().all():
        return ["No truth: twin worlds were off, so bias and coverage are not available."]
    nominal = 1 - alpha
    low = summary[summary["coverage"] < nominal - 3 * summary["rate_mc_se"]]
    if low.empty:
        return [f"Every CI covers the truth at about its nominal {nominal:.0%} rate."]
    names = "; ".join(
        f"{r.metric} / {r.arm}{' (CUPED)' if r.cuped else ''} {r.coverage:.0%}: "
        f"{_low_coverage_cause(r)}"
        for r in low.itertuples()
    )
    return [
        f"Coverage clearly below {nominal:.0%} (more than 3 Monte Carlo SEs): {names}. "
        "Interference is the experiment's members against their own twins (word of mouth "
        "across arms, a recommender retrained on pooled data)."
    ]


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """DataFrame rows as JSON-ready dicts (NaN -> None)."""
    return [{k: finite(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def write_json(path: Path, document: dict) -> None:
    path.write_text(dumps(document, indent=2) + "\n", encoding="utf-8")
