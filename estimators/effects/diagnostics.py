"""Checks that turn into numbered notes under the effects table.

Notes of one kind are merged into one line listing where they apply, so a segment breakdown
with forty small cells yields one note, not forty.
"""

from __future__ import annotations

from .metrics import ArmStats, Metric

SMALL_N = 30  # units per arm below which t/z approximations are shaky for any metric
SMALL_COUNT = 10  # successes or failures per arm for the proportion z test
KOHAVI_SKEW_FACTOR = 355  # n > 355 s^2 per arm (Kohavi et al. 2020, ch. 17)
_MAX_PLACES = 8

_TEMPLATES = {
    "small_n": (
        f"Small samples (< {SMALL_N} units in an arm, or < {SMALL_COUNT} successes or failures"
        " for a proportion): normal-approximation CIs and p-values may be off in"
    ),
    "heavy_tails": (
        f"Heavy tails: skewness s needs n > {KOHAVI_SKEW_FACTOR} s^2 per arm for the normal"
        " approximation of a mean (Kohavi, Tang & Xu 2020); not met, so treat the CI as rough"
        " (consider capping outliers or a CUPED covariate) in"
    ),
    "zero_variance": (
        "Zero variance (all values equal in an arm): the SE comes from the other arm only; if"
        " both arms are constant the difference is exact (p = 1 when equal, 0 otherwise) in"
    ),
    "no_variance": "Fewer than 2 units in an arm: no variance estimate, SE/CI/p undefined in",
    "fieller_unbounded": (
        "Relative lift: Fieller's interval is unbounded (control mean not distinguishable from"
        " 0), so the log-delta interval is shown instead in"
    ),
    "lift_undefined": (
        "Relative-lift interval undefined (control mean indistinguishable from 0 and the means"
        " differ in sign, or no variance estimate) in"
    ),
    "cuped_worse": (
        "Regression adjustment increased the variance (covariates uncorrelated with the"
        " outcome); prefer the raw row in"
    ),
    "cuped_skipped": "Regression adjustment skipped (ratio metric or too few units) in",
    "segment_skipped": "Segment cells skipped (control or treatment arm absent) in",
}


class NoteBook:
    """Ordered notes: free-standing lines plus grouped flags rendered one line per kind."""

    def __init__(self) -> None:
        self._entries: list[tuple[str, str]] = []
        self._places: dict[str, list[str]] = {}

    def add(self, text: str) -> None:
        self._entries.append(("text", text))

    def flag(self, kind: str, where: str) -> None:
        if kind not in self._places:
            self._places[kind] = []
            self._entries.append(("flag", kind))
        if where not in self._places[kind]:
            self._places[kind].append(where)

    def render(self) -> list[str]:
        lines = []
        for entry_type, value in self._entries:
            if entry_type == "text":
                lines.append(value)
                continue
            places = self._places[value]
            shown = "; ".join(places[:_MAX_PLACES])
            more = f"; and {len(places) - _MAX_PLACES} more" if len(places) > _MAX_PLACES else ""
            lines.append(f"{_TEMPLATES[value]}: {shown}{more}.")
        return lines


def check_pair(metric: Metric, control: ArmStats, treatment: ArmStats, where: str, notes: NoteBook):
    """Flag small samples, heavy tails and zero variance for one comparison."""
    arms = (control, treatment)
    if any(s.n < 2 for s in arms):
        notes.flag("no_variance", where)
        return
    if any(s.n < SMALL_N for s in arms) or (
        metric.kind == "proportion" and any(_few_events(s) for s in arms)
    ):
        notes.flag("small_n", where)
    if any(s.sd == 0 for s in arms):
        notes.flag("zero_variance", where)
    if metric.kind == "mean" and any(s.n <= KOHAVI_SKEW_FACTOR * s.skewness**2 for s in arms):
        notes.flag("heavy_tails", where)


def _few_events(stats: ArmStats) -> bool:
    successes = stats.successes or 0
    return min(successes, stats.n - successes) < SMALL_COUNT
