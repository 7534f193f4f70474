"""`make bench`: time the model and report throughput and memory as a table and as JSON.

Every benchmark runs in a child process of its own, so each peak RSS is that benchmark's.
Figures are measurements of this machine in this run, never assertions. Usage:

    python benchmarks/run.py [--only NAME ...] [--out benchmarks/results/latest.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "partnership.yaml"
BENCHMARKS = ("default_scenario", "full_100k", "full_1m", "toy_ratio", "replications")


def default_scenario() -> dict:
    """The default scenario end to end: simulate, twin worlds, effects, run folder, PDF."""
    import xsim
    from xsim.pipeline.rundir import staging, write_run

    scenario = xsim.load_scenario(DEFAULT_SCENARIO)
    with tempfile.TemporaryDirectory() as parent:
        start = time.perf_counter()
        with staging(Path(parent) / "run") as folder:
            result = xsim.run(scenario, workdir=folder)
            write_run(result, folder)
            pdf_seconds = _render_pdf(folder)
        end = time.perf_counter()
    user_days = scenario.population.n_users * scenario.horizon_days
    return {
        "users": scenario.population.n_users,
        "days": scenario.horizon_days,
        "simulate_seconds": round(result.timings_seconds["simulate"], 3),
        "user_days_per_second": round(user_days / result.timings_seconds["simulate"]),
        "pdf_seconds": pdf_seconds,
        "end_to_end_seconds": round(end - start, 3),
    }


def _render_pdf(folder: Path) -> float | None:
    try:
        from xsim.reports import render_run_report
    except ImportError:  # the PDF report is optional for this benchmark
        return None
    start = time.perf_counter()
    render_run_report(folder)
    return round(time.perf_counter() - start, 3)


def full_model(n_users: int) -> dict:
    """The default scenario's model with n_users users for a year, one world (no truth)."""
    import xsim

    overrides = {
        "population.n_users": n_users,
        "experiment.duration_days": 365 - 28,
        "analysis.truth": False,
    }
    scenario = xsim.load_scenario(DEFAULT_SCENARIO, overrides)
    baseline = _libraries_rss_bytes()
    result = xsim.run(scenario)
    simulate = result.timings_seconds["simulate"]
    rss = _peak_rss_bytes()
    return {
        "users": n_users,
        "days": scenario.horizon_days,
        "simulate_seconds": round(simulate, 2),
        "total_seconds": round(sum(result.timings_seconds.values()), 2),
        "user_days_per_second": round(n_users * scenario.horizon_days / simulate),
        "peak_rss_mb": round(rss / 2**20),
        "peak_rss_bytes_per_user": round(rss / n_users),
        "libraries_rss_mb": round(baseline / 2**20),
        "peak_above_libraries_bytes_per_user": round((rss - baseline) / n_users),
        "events": result.n_events,
    }


def toy_ratio() -> dict:
    """The toy model as one SimPy process per user versus one process over arrays."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import toy

    agents = toy.per_user_processes(n_users=20_000, days=30)
    arrays = toy.arrays(n_users=1_000_000, days=30)
    return {
        "per_user_processes_user_days_per_second": round(agents["user_days_per_second"]),
        "arrays_user_days_per_second": round(arrays["user_days_per_second"]),
        "speed_ratio": round(arrays["user_days_per_second"] / agents["user_days_per_second"]),
    }


def replications() -> dict:
    """200 A/A replications of 10k users x 30 days on 2 workers (see bench_replications.py
    for the full 1,000)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_replications

    return bench_replications.run(200, 2, 10_000, 30, None)


CHILDREN = {
    "default_scenario": default_scenario,
    "full_100k": lambda: full_model(100_000),
    "full_1m": lambda: full_model(1_000_000),
    "toy_ratio": toy_ratio,
    "replications": replications,
}


def _libraries_rss_bytes() -> int:
    """Resident size of the interpreter with every library loaded (a tiny run loads the lazy
    ones): the fixed part of a run's memory, which does not grow with users."""
    import xsim

    tiny = {"population.n_users": 2000, "experiment.duration_days": 5, "analysis.truth": False}
    xsim.run(xsim.load_scenario(DEFAULT_SCENARIO, tiny))
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) * 1024


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _run_child(name: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS)
    parser.add_argument("--child", choices=BENCHMARKS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](), default=float))
        return 0
    results = {}
    for name in args.only or BENCHMARKS:
        print(f"running {name} ...", flush=True)
        results[name] = _run_child(name)
        _print(name, results[name])
    report = {"python": sys.version.split()[0], "machine": platform.machine(),
              "cpus": os.cpu_count(), "results": results}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


def _print(name: str, values: dict) -> None:
    for key, value in values.items():
        shown = f"{value:>16,}" if isinstance(value, int | float) else f"{str(value):>16}"
        print(f"  {key:<42} {shown}")


if __name__ == "__main__":
    sys.exit(main())
