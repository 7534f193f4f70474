"""Replications benchmark: 1,000 A/A replications of 10k users x 30 days, with their FPR.

The A/A version of the default scenario (every arm runs the control's strategy, so the true
effect is zero) is replicated R times on a local process pool (or a local Dask cluster). It
prints replications per second, the wall time, and the false-positive rate of the raw test of
each metric at alpha = 0.05 with its 95 % binomial band, then writes the figures to
``benchmarks/results/replications.json``. Figures are measurements, never assertions.

The replications analyse a lean metric set (course conversion and revenue, with their CUPED
rows): that is what an A/A certification needs, and the effects step is a fixed cost per run.

    python benchmarks/bench_replications.py [--replications 1000] [--workers 2]
        [--users 10000] [--days 30] [--dask-local N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import xsim
from xsim.pipeline.executors import make_executor
from xsim.studies.calibrate import aa_scenario, binomial_band
from xsim.studies.replicate import ReplicationPlan, Replications, replicate_one

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "partnership.yaml"
LEAN_METRICS = ["course_conversion", "course_revenue"]


def bench_scenario(users: int, days: int):
    """The default scenario resized, as an A/A test analysed on the lean metric set."""
    lean = {"analysis.metrics": LEAN_METRICS, "analysis.primary": LEAN_METRICS[0],
            "analysis.guardrails": []}  # fmt: skip
    size = {"population.n_users": users, "experiment.duration_days": days}
    return aa_scenario(xsim.load_scenario(SCENARIO, size | lean))


def timed_replication(plan: ReplicationPlan, index: int) -> tuple[dict, float]:
    """One replication and the CPU seconds its process spent on it (a shared machine's other
    load shows in the wall time, not here)."""
    start = time.process_time()
    record = replicate_one(plan, index)
    return record, time.process_time() - start


def run(replications: int, workers: int, users: int, days: int, dask_local: int | None):
    plan = ReplicationPlan(bench_scenario(users, days), aa=True)
    scenario = plan.scenario
    executor = make_executor(workers, None, dask_local)
    start = time.perf_counter()
    timed = executor.map(timed_replication, plan, list(range(replications)))
    seconds = time.perf_counter() - start
    result = Replications(plan, [record for record, _ in timed])
    cpu_seconds = sum(cpu for _, cpu in timed)
    rows = result.rows_frame()
    raw = rows[~rows["cuped"].astype(bool)]
    first = raw[raw.arm == raw.arm.iloc[0]]
    low, high = binomial_band(0.05, replications)
    fpr = {
        f"{metric}{' (CUPED)' if cuped else ''}": float(np.mean(g["p_value"].astype(float) < 0.05))
        for (metric, cuped), g in rows.groupby(["metric", "cuped"], sort=False)
    }
    return {
        "replications": replications,
        "users": users,
        "experiment_days": days,
        "warmup_days": scenario.experiment.warmup_days,
        "executor": executor.describe(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "wall_seconds": round(seconds, 2),
        "replications_per_second": round(replications / seconds, 3),
        "cpu_seconds_per_replication": round(cpu_seconds / replications, 4),
        "projected_wall_seconds_on_idle_cores": round(cpu_seconds / (dask_local or workers), 1),
        "load_average_after": round(os.getloadavg()[0], 2),
        "false_positive_rate": fpr,
        # one test per replication (first treatment arm): exactly binomial, band below
        "primary_fpr": float(np.mean(first[first.metric == LEAN_METRICS[0]].p_value < 0.05)),
        "fpr_band_95": [round(low, 4), round(high, 4)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--dask-local", type=int, default=None)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "replications.json"
    )
    args = parser.parse_args()
    figures = run(args.replications, args.workers, args.users, args.days, args.dask_local)
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
