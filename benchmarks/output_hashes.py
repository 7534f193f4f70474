"""Hash the decision-bearing outputs of every scenario, to prove a refactor changed no behaviour.

    python benchmarks/output_hashes.py --write   # record benchmarks/results/output_hashes.json
    python benchmarks/output_hashes.py           # rerun and compare; exit 1 on any difference

Each scenario in scenarios/ (and its strategies/ sub-folder) is run with `xsim run --no-pdf`
into a temporary folder; the SHA-256 of effects.csv, summary.csv, truth.json and objective.json
is compared with the stored list. A change of behaviour is meant to update the list in the same
commit, with the reason in its message.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "benchmarks" / "results" / "output_hashes.json"
FILES = ("effects.csv", "summary.csv", "truth.json", "objective.json")


def scenario_files() -> list[Path]:
    folder = ROOT / "scenarios"
    return sorted(folder.glob("*.yaml")) + sorted((folder / "strategies").glob("*.yaml"))


def hashes_of(scenario: Path, workdir: Path) -> dict[str, str]:
    out = workdir / scenario.stem
    cmd = [str(Path(sys.executable).parent / "xsim"), "run", str(scenario), "--out", str(out)]
    subprocess.run([*cmd, "--no-pdf", "--quiet"], check=True, cwd=ROOT, capture_output=True)
    return {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest()
        for name in FILES
        if (out / name).exists()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the hashes instead of checking")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        current = {}
        for path in scenario_files():
            key = str(path.relative_to(ROOT))
            current[key] = hashes_of(path, Path(tmp))
            print(key, "done", flush=True)
    if args.write:
        STORED.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {STORED.relative_to(ROOT)}")
        return 0
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    differ = [
        f"{scenario}: {name}"
        for scenario in sorted(set(stored) | set(current))
        for name in sorted(set(stored.get(scenario, {})) | set(current.get(scenario, {})))
        if stored.get(scenario, {}).get(name) != current.get(scenario, {}).get(name)
    ]
    for line in differ:
        print("differs:", line)
    print(f"{len(current)} scenarios, {len(differ)} files differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
