"""The course market of the default scenario's control world at several sizes: catalogue
share bought, top-6 share, and per-user outcomes (size invariance, issue acceptance).

    python benchmarks/market.py [--sizes 5000 20000 100000] [--kind popularity]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from xsim.analysis.market import concentration, course_sales
from xsim.schema.io import load_scenario

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ("course_revenue", "course_conversion", "visits", "churned")


def control_world(n_users: int, recommender: dict | None) -> dict:
    import xsim

    base = load_scenario(ROOT / "scenarios" / "partnership.yaml")
    data = base.model_dump(mode="json", exclude_none=True)
    data["population"]["n_users"] = n_users
    data["arms"] = {"control": {"weight": 1, "strategy": {"kind": "none"}}}
    data["analysis"] = {"metrics": ["course_revenue"], "primary": "course_revenue",
                        "guardrails": [], "truth": False}  # fmt: skip
    data.pop("objective", None)
    if recommender:
        data["recommender"] = recommender
    scenario = type(base).model_validate(data)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = xsim.run(scenario, workdir=folder)
        seconds = time.perf_counter() - start
        sales = course_sales(pq.read_table(result.events_path),
                             scenario.platform.catalogue.n_courses)  # fmt: skip
    users = result.users
    row = {"n_users": n_users, "seconds": seconds, **concentration(sales)}
    for column in OUTCOMES:
        x = users[column].astype(float)
        row[column] = float(x.mean())
        row[f"{column}_se"] = float(x.std(ddof=1) / np.sqrt(len(x)))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 100000])
    parser.add_argument("--kind", default=None, help="recommender kind (default: the scenario's)")
    args = parser.parse_args()
    recommender = {"kind": args.kind} if args.kind else None
    for n in args.sizes:
        row = control_world(n, recommender)
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in row.items()))  # fmt: skip


if __name__ == "__main__":
    main()
