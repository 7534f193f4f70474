"""The money table of docs/objective.md from a run folder's objective.json.

xsim run scenarios/partnership.yaml --out /tmp/default --no-pdf -q
python benchmarks/money_table.py /tmp/default
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from xsim.analysis.objective import ObjectiveResult

GAINS = ("platform_gain", "insurer_gain", "joint_surplus")


def _cell(estimate, truth) -> str:
    return f"{estimate.value:+.2f} [{estimate.low:+.2f}, {estimate.high:+.2f}] ({truth:+.2f})"


def money_table(objective: ObjectiveResult) -> str:
    lines = [
        "| arm | platform value | insurer value | platform gain [CI] (truth) | insurer gain [CI] "
        "(truth) | joint surplus [CI] (truth) | M [CI] (truth) |",
        "|---|---|---|---|---|---|---|",
    ]
    for arm in objective.arms:
        values = [f"{arm.components[c]['arm']:.2f}" for c in ("platform_value", "insurer_value")]
        if arm.arm == objective.control:
            cells = ["0", "0", "0", "1"]
        else:
            cells = [_cell(arm.scores[g], arm.truth.get(g, float("nan"))) for g in GAINS]
            m = arm.scores["M"]
            cells.append(f"{m.value:.3f} [{m.low:.3f}, {m.high:.3f}] ({arm.truth.get('M'):.3f})")
        lines.append("| " + " | ".join([arm.arm, *values, *cells]) + " |")
    return "\n".join(lines).replace("-", "−").replace("|−−−", "|---").replace("−−−|", "---|")


def main() -> None:
    folder = Path(sys.argv[1])
    data = json.loads((folder / "objective.json").read_text(encoding="utf-8"))
    print(money_table(ObjectiveResult.from_dict(data)))


if __name__ == "__main__":
    main()
