"""The effects of a simulated run: the A/B estimates with the simulated truth beside them.

`RunEffects.to_dicts()` is the one primitive: the rows of `EffectsResult` plus, when twin worlds
ran, ``true_diff``, ``true_rel_lift`` and ``ci_covers_truth``, and on every row ``status``
("not yet estimable" for a claims metric with too few claims: `xsim.analysis.claims`). CSV,
JSON, the console table and the PDF are all derived from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from xsim.analysis.claims import ClaimsGate, gate_notes, gate_rows
from xsim.analysis.truth import Truth
from xsim.core.jsonio import dumps, finite
from xsim.estimators.effects import EffectsResult, Guardrail, analyze
from xsim.schema.scenario import Scenario

TRUTH_KEYS = ("true_diff", "true_rel_lift", "ci_covers_truth", "interference", "sampling")


@dataclass
class RunEffects:
    effects: EffectsResult
    truth: Truth | None = None
    claims_gate: ClaimsGate | None = None  # None: no claims counts, every row "estimated"

    @classmethod
    def not_estimated(cls, problems: list[str], truth: Truth | None = None) -> RunEffects:
        """No effects table, with the reasons as notes (a population too small for its arms)."""
        note = "Effects not estimated: " + "; ".join(problems)
        return cls(EffectsResult(rows=[], notes=[note], srm=None, settings={}), truth)

    def to_dicts(self) -> list[dict]:
        rows = self.effects.to_dicts()
        raw = {(r["metric"], r["arm"]): r["diff"] for r in rows
               if r["segment"] is None and not r["cuped"]}  # fmt: skip
        for row in rows:
            row.update(dict.fromkeys(TRUTH_KEYS))
            if self.truth is None or row["segment"] is not None:
                continue
            true_diff, true_rel = self.truth.effect(row["metric"], row["arm"])
            row["true_diff"], row["true_rel_lift"] = finite(true_diff), finite(true_rel)
            low, high = row["diff_ci_low"], row["diff_ci_high"]
            if low is not None and high is not None:
                row["ci_covers_truth"] = bool(low <= true_diff <= high)
            raw_diff = raw.get((row["metric"], row["arm"]))
            if raw_diff is not None and row["diff"] is not None and self.truth.members:
                parts = self.truth.split(row["metric"], row["arm"], raw_diff, row["diff"])
                row["interference"], row["sampling"] = map(finite, parts)
        return gate_rows(rows, self.claims_gate)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.to_dicts())

    @property
    def settings(self) -> dict:
        return self.effects.settings

    @property
    def notes(self) -> list[str]:
        gated = gate_notes(self.effects.to_dicts(), self.claims_gate)
        return [*self.effects.notes, *self._truth_notes(), *gated]

    def to_json(self) -> str:
        document = json.loads(self.effects.to_json())
        document["rows"] = self.to_dicts()
        document["notes"] = self.notes
        document["truth"] = None if self.truth is None else self.truth.to_dict()
        return dumps(document, indent=2)

    def _truth_notes(self) -> list[str]:
        if self.truth is None:
            return ["No ground truth: twin worlds were off or the population was too large."]
        raw = [r for r in self.to_dicts() if not r["cuped"] and r["ci_covers_truth"] is not None]
        missed = [r for r in raw if not r["ci_covers_truth"]]
        note = (
            "Truth: twin worlds (each arm applied to the whole population with common random "
            "numbers) give the true effect beside each estimate; the gap is split into "
            "interference (the arm's members in the experiment vs their own twins) and sampling "
            "(which users drew which arm)."
        )
        if missed:
            expected = len(raw) * self.effects.settings.get("alpha", 0.05)
            note += (
                f" The CI misses the truth for {len(missed)} of {len(raw)} raw rows "
                f"({'; '.join(_miss_cause(r) for r in missed)}); about {expected:.1f} misses "
                "are expected by chance."
            )
        return [note]


def _miss_cause(row: dict) -> str:
    """'metric / arm: mostly sampling' or '...: mostly interference', by the larger part."""
    interference, sampling = row["interference"], row["sampling"]
    label = f"{row['metric']} / {row['arm']}"
    if interference is None or sampling is None:
        return label
    cause = "interference" if abs(interference) > abs(sampling) else "sampling"
    return f"{label}: mostly {cause} ({interference:+.4g} interference, {sampling:+.4g} sampling)"


def estimate_effects(users: pd.DataFrame, scenario: Scenario, truth: Truth | None) -> RunEffects:
    """Analyse the users table with the scenario's analysis settings (typed metrics, whose
    kinds the schema fixed: never guessed from one run's values)."""
    spec = scenario.analysis
    metrics = list(spec.metrics)
    guardrails = [Guardrail(g.metric, g.margin, g.relative) for g in spec.guardrails]
    effects = analyze(
        users,
        arm="arm",
        control=scenario.control_arm,
        metrics=metrics,
        covariates={m.name: spec.covariates.get(m.name, []) for m in metrics},
        alpha=spec.alpha,
        correction=spec.correction,
        guardrails=guardrails,
        expected_weights={name: arm.weight for name, arm in scenario.arms.items()},
    )
    gate = ClaimsGate.of(users, [*metrics, *(g.metric for g in spec.guardrails)])
    return RunEffects(effects, truth, gate)
