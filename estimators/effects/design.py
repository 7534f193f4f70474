"""What the experimenter states about the design, beyond the data: which metrics are better
when lower, which metric decides, which arms to compare with each other. And how outcome
columns written as words (yes/no, true/false) become the 0/1 values a proportion needs.

`Design.check_*` return one line per problem, each naming the argument at fault, so `analyze`
can report them with all others and `xsim analyze` can print them and exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

TRUE_WORDS = frozenset({"yes", "true", "y", "t"})
FALSE_WORDS = frozenset({"no", "false", "n", "f"})


@dataclass(frozen=True)
class Design:
    """``lower_is_better``: metric names whose decrease is the good direction (unsubscribes,
    churn, loss ratio). ``primary``: the metric the decision rests on; its rows form a family
    of their own (corrected across arms only), the other metrics another. ``comparisons``:
    extra (reference, arm) pairs compared like treatment vs control (e.g. two treatments)."""

    lower_is_better: Sequence[str] = ()
    primary: str | None = None
    comparisons: Sequence[tuple[str, str]] = ()

    def check_metrics(self, metrics: list, guardrails: list, data: pd.DataFrame) -> list[str]:
        named = {m.name for m in metrics} | {m.name for m, _ in guardrails}
        listed = ", ".join(sorted(named)) or "none"
        problems = [
            f"lower_is_better '{name}': not a metric or guardrail of this analysis"
            + ("" if name in data.columns else " (and not a column of the data)")
            + f" (metrics: {listed})"
            for name in self.lower_is_better
            if name not in named
        ]
        primary_names = {m.name for m in metrics}
        if self.primary is not None and self.primary not in primary_names:
            listed = ", ".join(sorted(primary_names)) or "none"
            problems.append(f"primary '{self.primary}': not one of the metrics ({listed})")
        return problems

    def check_comparisons(self, labels: pd.Series, arm: str) -> list[str]:
        if not self.comparisons:
            return []
        arms = {str(a) for a in labels.dropna().unique()}
        listed = ", ".join(f"'{a}'" for a in sorted(arms))
        problems = []
        for reference, other in self.comparisons:
            missing = [a for a in (str(reference), str(other)) if a not in arms]
            problems += [
                f"comparison '{reference}:{other}': arm '{a}' not in column '{arm}'"
                f" (arms: {listed})"
                for a in missing
            ]
            if not missing and str(reference) == str(other):
                problems.append(f"comparison '{reference}:{other}': compares an arm with itself")
        return problems


def binary_text_values(column: pd.Series) -> pd.Series | None:
    """1.0/0.0 for a text column holding only yes/no or true/false words (any case, missing
    values kept), else None. Booleans pass through pandas as numbers already."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return None
    present = column.dropna()
    if present.empty or not all(isinstance(v, str) for v in present):
        return None
    words = present.str.strip().str.lower()
    if not words.isin(TRUE_WORDS | FALSE_WORDS).all():
        return None
    mapped = column.map(lambda v: v if pd.isna(v) else float(v.strip().lower() in TRUE_WORDS))
    return mapped.astype(float)
