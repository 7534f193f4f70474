"""`make bench`: time the model and report throughput as a table and as JSON.

Figures are measurements of this machine in this run, never assertions. Usage:

    python benchmarks/run.py [--only NAME ...] [--out benchmarks/results/latest.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import xsim
from xsim.rundir import staging, write_run

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "partnership.yaml"


def bench_default_scenario() -> dict:
    """The default scenario (100k users x 118 days): simulate, then write the run folder."""
    scenario = xsim.load_scenario(DEFAULT_SCENARIO)
    with tempfile.TemporaryDirectory() as parent:
        start = time.perf_counter()
        with staging(Path(parent) / "run") as folder:
            result = xsim.run(scenario, workdir=folder)
            simulated = time.perf_counter()
            write_run(result, folder)
        end = time.perf_counter()
    user_days = scenario.population.n_users * scenario.horizon_days
    return {
        "users": scenario.population.n_users,
        "days": scenario.horizon_days,
        "simulate_seconds": round(result.timings_seconds["simulate"], 3),
        "run_seconds": round(simulated - start, 3),
        "end_to_end_seconds": round(end - start, 3),
        "user_days_per_second": round(user_days / result.timings_seconds["simulate"]),
        "events": result.n_events,
    }


BENCHMARKS = {"default_scenario": bench_default_scenario}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    results = {}
    for name in args.only or BENCHMARKS:
        print(f"running {name} ...", flush=True)
        results[name] = BENCHMARKS[name]()
    report = {
        "xsim_version": xsim.__version__,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "results": results,
    }
    for name, values in results.items():
        print(f"\n{name}")
        for key, value in values.items():
            print(f"  {key:<24} {value:>14,}")
    print(f"\npeak RSS {report['peak_rss_mb']} MB; written to {args.out}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
