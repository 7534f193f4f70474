"""Result objects. One primitive, `to_dicts()`: a list of flat rows with stable keys.

`to_frame()`, `summary()` and `to_json()` are all derived from it (plus the notes, the SRM
check and the settings), so a CSV, a JSON file, the console table and the PDF never disagree.
Undefined numbers are ``None`` in the rows, which JSON writes as ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from xsim.core.jsonio import dumps, finite

from .srm import SRMResult
from .summary import render_summary

ROW_KEYS = (
    "segment",
    "metric",
    "kind",
    "role",
    "arm",
    "control",
    "cuped",
    "test",
    "diff_ci_method",
    "n_control",
    "n_treatment",
    "mean_control",
    "mean_treatment",
    "sd_control",
    "sd_treatment",
    "diff",
    "diff_se",
    "diff_ci_low",
    "diff_ci_high",
    "statistic",
    "df",
    "p_value",
    "p_adjusted",
    "significant",
    "validity",
    "verdict",
    "rel_lift",
    "rel_ci_low",
    "rel_ci_high",
    "rel_ci_method",
    "variance_reduction",
    "prob_beat_control",
    "expected_loss",
    "ni_margin",
    "ni_p_value",
    "noninferior",
)


def empty_row() -> dict:
    return dict.fromkeys(ROW_KEYS)


@dataclass
class EffectsResult:
    """Effects of every treatment arm vs control, per metric (and per segment)."""

    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    srm: SRMResult | None = None
    settings: dict = field(default_factory=dict)
    # Tests about the rows rather than rows: treatment x segment interaction (Cochran's Q)
    # and sequential monitoring; both go into the JSON document beside the rows.
    interactions: list[dict] = field(default_factory=list)
    monitoring: list[dict] = field(default_factory=list)

    def to_dicts(self) -> list[dict]:
        """The primitive: one flat dict per (segment, metric, arm, raw/CUPED) with ROW_KEYS."""
        return [{key: finite(row.get(key)) for key in ROW_KEYS} for row in self.rows]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.to_dicts(), columns=list(ROW_KEYS))

    def to_json(self, indent: int | None = 2) -> str:
        """Rows, notes, SRM and settings as one JSON document."""
        document = {
            "settings": self.settings,
            "srm": None
            if self.srm is None
            else {k: finite(v) for k, v in self.srm.to_dict().items()},
            "notes": list(self.notes),
            "rows": self.to_dicts(),
            "interactions": finite(self.interactions),
            "monitoring": finite(self.monitoring),
        }
        return dumps(document, indent=indent)

    def summary(self) -> str:
        """Plain-text table and numbered notes, for consoles and logs."""
        return render_summary(self.to_dicts(), self.notes, self.settings)

    def __str__(self) -> str:
        return self.summary()
