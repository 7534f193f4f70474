"""Checks that turn into numbered notes under the effects table.

Notes of one kind are merged into one line listing where they apply, so a segment breakdown
with forty small cells yields one note, not forty.
"""

from __future__ import annotations

from .exact import N_RESAMPLES
from .lift import SUPPRESS_SE
from .metrics import ArmStats, Metric
from .validity import KOHAVI_SKEW_FACTOR, SMALL_COUNT, SMALL_N

_MAX_PLACES = 8

_TEMPLATES = {
    "small_n": (
        f"Small samples (< {SMALL_N} units in an arm, or < {SMALL_COUNT} successes or failures"
        " for a proportion): normal-approximation CIs and p-values may be off in"
    ),
    "heavy_tails": (
        f"Heavy tails: an arm's skewness s fails n > {KOHAVI_SKEW_FACTOR} s^2 (Kohavi, Tang &"
        " Xu 2020), but the difference of the two means passes the same rule (the arms'"
        " skewness largely cancels), so Welch's test stands; its CI may still lean to one"
        " side in"
    ),
    "fisher_exact": (
        f"Few events (< {SMALL_COUNT} successes or failures in an arm): the p-value is Fisher's"
        " exact test, the interval Newcombe's, in"
    ),
    "permutation_welch": (
        f"Small or skewed arms (< {SMALL_N} units, or the difference of the means fails"
        f" n > {KOHAVI_SKEW_FACTOR} s^2): the p-value is a permutation test of Welch's t"
        f" ({N_RESAMPLES:,} resamples, every partition when fewer exist); the CI shown is"
        " Welch's and only approximate, in"
    ),
    "insufficient_delta_z": (
        f"Insufficient data: fewer than {SMALL_N} units in an arm for the delta method and no"
        " exact test for a ratio; the p-value is shown, but no verdict is given, in"
    ),
    "insufficient_ols_hc3": (
        "Insufficient data for the CUPED row: its residuals are too skewed for the arm sizes"
        f" (n > {KOHAVI_SKEW_FACTOR} s^2 fails for the difference) and no permutation test of a"
        " regression is run; use the raw row, in"
    ),
    "insufficient_welch_t": (
        "Insufficient data: small or skewed arms and no unit values to permute; no verdict in"
    ),
    "zero_variance": (
        "Zero variance (all values equal in an arm): the SE comes from the other arm only; if"
        " both arms are constant the difference is exact (p = 1 when equal, 0 otherwise) in"
    ),
    "no_variance": (
        "Fewer than 2 units in an arm: no variance estimate, SE/CI/p undefined, verdict"
        " 'insufficient data' in"
    ),
    "lift_suppressed": (
        f"Relative lift not shown: the control mean is within {SUPPRESS_SE:g} standard errors"
        " of 0, so the ratio has no stable scale, in"
    ),
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


def check_pair(metric: Metric, control: ArmStats, treatment: ArmStats, where: str, notes,
               validity: str = "ok") -> None:  # fmt: skip
    """Flag zero variance and, where the large-sample test stands, small samples and heavy
    tails for one comparison (fallbacks and withheld verdicts have notes of their own)."""
    arms = (control, treatment)
    if any(s.n < 2 for s in arms):
        notes.flag("no_variance", where)
        return
    if any(s.sd == 0 for s in arms):
        notes.flag("zero_variance", where)
    if validity != "ok":
        return
    if any(s.n < SMALL_N for s in arms) or (
        metric.kind == "proportion" and any(_few_events(s) for s in arms)
    ):
        notes.flag("small_n", where)
    if metric.kind == "mean" and any(s.n <= KOHAVI_SKEW_FACTOR * s.skewness**2 for s in arms):
        notes.flag("heavy_tails", where)


def _few_events(stats: ArmStats) -> bool:
    successes = stats.successes or 0
    return min(successes, stats.n - successes) < SMALL_COUNT
