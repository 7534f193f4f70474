"""`xsim calibrate`: does the report keep its promises on this scenario?

Two batches of replications (`xsim.studies.replicate`):

- **A/A**: every arm runs the same strategy (the control arm's unless told otherwise), so the
  true effect is zero and every rejection is a false positive. Interim looks in these runs
  show what peeking does: testing at every look at the fixed-horizon level inflates the error
  rate; O'Brien–Fleming alpha spending and the mSPRT confidence sequence keep it.
- **A/B**: the scenario as written, with twin-world truth: coverage of each CI family against
  the true effect, and power next to the analytic power for the same effect and variance.

Neither batch has a real sample-ratio mismatch, so every SRM alarm is a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from xsim.core.errors import InputError
from xsim.estimators.effects import boundaries, confidence_sequence
from xsim.pipeline.executors import Executor, Progress
from xsim.schema.scenario import Scenario
from xsim.studies.power import analytic_power
from xsim.studies.replicate import ReplicationPlan, Replications, frame_records, run_replications

Z_95 = 1.959964  # two-sided 95 % normal quantile, for Monte Carlo bands


def aa_scenario(scenario: Scenario, arm: str | None = None) -> Scenario:
    """Every arm runs ``arm``'s strategy (default: the control's); no twin worlds needed."""
    source = arm or scenario.control_arm
    if source not in scenario.arms:
        raise InputError(f"--aa-arm: no arm named {source!r} (arms: {', '.join(scenario.arms)})")
    strategy = scenario.arms[source].strategy
    arms = {name: a.model_copy(update={"strategy": strategy}) for name, a in scenario.arms.items()}
    analysis = scenario.analysis.model_copy(update={"truth": False})
    return scenario.model_copy(update={"arms": arms, "analysis": analysis})


def ab_scenario(scenario: Scenario) -> Scenario:
    """The scenario with twin-world truth on whatever its size (coverage needs the truth)."""
    n_users = scenario.population.n_users
    update = {"truth": True, "truth_max_users": max(scenario.analysis.truth_max_users, n_users)}
    return scenario.model_copy(update={"analysis": scenario.analysis.model_copy(update=update)})


@dataclass
class Calibration:
    aa: Replications
    ab: Replications

    @property
    def alpha(self) -> float:
        return self.aa.alpha

    def false_positives(self) -> pd.DataFrame:
        """A/A rejection rate per metric and arm (raw rows), with its binomial band."""
        rows = self.aa.rows_frame()
        rows = rows[~rows["cuped"].astype(bool) & (rows["role"] == "primary")]
        table = []
        low, high = binomial_band(self.alpha, len(self.aa.records))
        for (metric, arm), g in rows.groupby(["metric", "arm"], sort=False):
            p = g["p_value"].astype(float)
            spread = g[["sd_control", "sd_treatment"]].astype(float).fillna(0.0)
            varies = bool((spread.to_numpy() > 0).any())
            rate = float(np.mean(p < self.alpha))
            verdict = "no variation" if not varies else "ok" if low <= rate <= high else "off"
            table.append({"metric": metric, "arm": arm, "false_positive_rate": rate,
                          "band_low": low, "band_high": high, "verdict": verdict})  # fmt: skip
        return pd.DataFrame(table)

    def family_wise(self) -> float:
        """Share of A/A replications where any primary raw row was significant after the
        scenario's multiple-testing correction."""
        rows = self.aa.rows_frame()
        rows = rows[~rows["cuped"].astype(bool) & (rows["role"] == "primary")]
        significant = rows["significant"].astype("boolean").fillna(False).astype(bool)
        hits = significant.groupby(rows["replication"]).any()
        return float(hits.mean()) if len(hits) else float("nan")

    def coverage(self) -> pd.DataFrame:
        """Coverage of the truth by each CI family, pooled over metrics and arms."""
        table = []
        for batch, reps in (("A/A", self.aa), ("A/B", self.ab)):
            rows = reps.rows_frame()
            for family, selected, covered in _families(rows):
                if len(covered):
                    table.append(_coverage_row(batch, family, selected, covered, self.alpha))
        return pd.DataFrame(table)

    def power(self) -> pd.DataFrame:
        """A/B rejection rate per metric and arm (raw rows) next to the analytic power."""
        rows = self.ab.rows_frame()
        rows = rows[~rows["cuped"].astype(bool) & (rows["role"] == "primary")]
        table = []
        for (metric, arm), g in rows.groupby(["metric", "arm"], sort=False):
            kind = g["kind"].mode().iloc[0]  # an all-zero outcome is read as a proportion
            m = g[["mean_control", "sd_control", "sd_treatment", "n_control", "n_treatment",
                   "true_diff", "diff_se"]].astype(float).mean()  # fmt: skip
            analytic = analytic_power(kind, m.mean_control, m.sd_control, m.sd_treatment,
                                      m.n_control, m.n_treatment, m.true_diff, self.alpha,
                                      m.diff_se)  # fmt: skip
            simulated = float(np.mean(g["p_value"].astype(float) < self.alpha))
            table.append({"metric": metric, "arm": arm, "true_diff": m.true_diff,
                          "mean_estimate": g["diff"].astype(float).mean(),
                          "simulated_power": simulated, "analytic_power": analytic,
                          "mc_se": float(np.sqrt(max(simulated * (1 - simulated), 1e-12)
                                                 / len(g)))})  # fmt: skip
        return pd.DataFrame(table)

    def srm(self) -> dict:
        return {"A/A": self.aa.srm_false_alarms(), "A/B": self.ab.srm_false_alarms()}

    def peeking(self) -> pd.DataFrame:
        return peeking_table(self.aa.records, self.alpha)

    def to_document(self) -> dict:
        tables = {
            "false_positives": self.false_positives(),
            "coverage": self.coverage(),
            "power": self.power(),
            "peeking": self.peeking(),
        }
        srm = [{"batch": batch, **alarms} for batch, alarms in self.srm().items()]
        # flat: scalars, then one list of records per table (what the report renders)
        return {
            "kind": "calibration",
            "title": "Calibration: false positives, coverage, power, SRM and peeking",
            "replications": len(self.aa.records),
            "family_wise_false_positive_rate": self.family_wise(),
            **{name: frame_records(frame) for name, frame in tables.items()},
            "srm_false_alarms": srm,
            "notes": calibration_notes(self),
            "settings": {"aa": self.aa.settings(), "ab": self.ab.settings()},
        }


def calibrate(
    scenario: Scenario,
    replications: int,
    executor: Executor | None = None,
    progress=None,
    aa_arm: str | None = None,
    look_every_days: int = 7,
) -> Calibration:
    """Run the A/A and the A/B batches; ``progress(task, done, total)`` per batch."""
    aa_plan = ReplicationPlan(aa_scenario(scenario, aa_arm), aa=True,
                              peek_every_days=look_every_days)  # fmt: skip
    ab_plan = ReplicationPlan(ab_scenario(scenario), objective=True)
    aa = run_replications(aa_plan, replications, executor, _task(progress, "A/A replications"))
    ab = run_replications(ab_plan, replications, executor, _task(progress, "A/B replications"))
    return Calibration(aa, ab)


def _task(progress, name: str) -> Progress | None:
    return None if progress is None else lambda done, total: progress(name, done, total)


def binomial_band(rate: float, n: int) -> tuple[float, float]:
    """95 % band of an observed rate over ``n`` replications when the true rate is ``rate``."""
    half = Z_95 * np.sqrt(rate * (1 - rate) / max(n, 1))
    return float(max(rate - half, 0.0)), float(min(rate + half, 1.0))


def _families(rows: pd.DataFrame):
    """(family, rows, covered flags) for each CI family the report prints."""
    cuped = rows["cuped"].astype(bool)
    raw, adjusted = rows[~cuped], rows[cuped]
    rel = raw[["rel_ci_low", "rel_ci_high", "true_rel_lift"]].astype(float).dropna()
    rel_covered = (rel.rel_ci_low <= rel.true_rel_lift) & (rel.true_rel_lift <= rel.rel_ci_high)
    yield "difference (z / Welch / delta method)", raw, raw["ci_covers_truth"].dropna()
    yield "difference, CUPED (OLS, HC1)", adjusted, adjusted["ci_covers_truth"].dropna()
    yield "relative lift (Fieller / log-delta)", raw.loc[rel.index], rel_covered


def _coverage_row(batch: str, family: str, rows: pd.DataFrame, covered, alpha: float) -> dict:
    covered = covered.astype(float)
    per_metric = covered.groupby([rows.loc[covered.index, "metric"],
                                  rows.loc[covered.index, "arm"]]).mean()  # fmt: skip
    worst = per_metric.idxmin()
    return {"batch": batch, "family": family, "nominal": 1 - alpha, "coverage": covered.mean(),
            "intervals": len(covered), "worst": f"{worst[0]} / {worst[1]}",
            "worst_coverage": per_metric.min()}  # fmt: skip


def peeking_table(records: list[dict], alpha: float) -> pd.DataFrame:
    """False-positive rate of the fixed-horizon test, of testing at every look (peeking),
    of O'Brien–Fleming alpha spending and of the mSPRT confidence sequence, over A/A runs,
    per metric that varies."""
    looks = [r["looks"] for r in records if r.get("looks")]
    rows = []
    for metric in looks[0] if looks else []:
        diff = np.array([lk[metric]["diff"] for lk in looks])
        se = np.array([lk[metric]["se"] for lk in looks])
        if not np.any(se[:, -1] > 0):
            continue  # no variation (e.g. no policies in an A/A of 'none'): nothing to test
        days = ",".join(map(str, looks[0][metric]["day"]))
        for method, hit in _peeking_rejections(diff, se, alpha).items():
            rows.append({"metric": metric, "method": method, "look_days": days,
                         "false_positive_rate": float(np.mean(hit)),
                         "replications": len(hit)})  # fmt: skip
    return pd.DataFrame(rows)


def _peeking_rejections(diff: np.ndarray, se: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Per replication (rows; looks are columns): did each method ever reject?"""
    positive = se > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(positive, diff / se, 0.0)
        # Outcomes accumulate over a fixed set of users, so the estimate is a running sum
        # with roughly independent increments: its information fraction grows with its
        # variance, t_k = se_k^2 / se_K^2 (not 1/se^2 as when users enrol over time).
        information = np.where(positive, se**2 / se[:, -1:] ** 2, np.nan)
    usable = positive[:, -1]
    design = boundaries(_increasing(np.nanmean(information[usable], axis=0)), alpha, "obf")
    sequence = confidence_sequence(diff, np.where(positive, se, np.nan), alpha)
    crit = float(stats.norm.isf(alpha / 2))
    return {
        "fixed horizon (last look only)": np.abs(z[:, -1]) >= crit,
        f"peeking: test at each of {z.shape[1]} looks": (np.abs(z) >= crit).any(axis=1),
        "O'Brien-Fleming alpha spending": (np.abs(z) >= design.z_bounds).any(axis=1),
        "mSPRT always-valid": sequence.stop_look() >= 0,
    }


def _increasing(fractions: np.ndarray) -> np.ndarray:
    """Mean observed information fractions as a design needs them: in (0, 1], the last 1,
    strictly increasing (an earlier look never carries more information than a later one)."""
    t = np.clip(np.nan_to_num(fractions, nan=1.0), 1e-3, 1.0)
    t[-1] = 1.0
    for k in range(len(t) - 2, -1, -1):
        t[k] = min(t[k], t[k + 1] - 1e-6)
    return t


def calibration_notes(c: Calibration) -> list[str]:
    notes = [
        f"A/A: every arm runs the same strategy, so all {len(c.aa.records)} replications have "
        "a true effect of exactly zero; a false-positive rate inside its 95% binomial band "
        f"around alpha = {c.alpha:g} means the tests are calibrated.",
        "Family-wise: share of A/A replications with any significant primary row after the "
        f"scenario's correction ({c.aa.plan.scenario.analysis.correction}): "
        f"{c.family_wise():.3f}.",
    ]
    power = c.power()
    gaps = power[np.abs(power.simulated_power - power.analytic_power) > 3 * power.mc_se + 0.02]
    if len(gaps):
        names = ", ".join(f"{r.metric} / {r.arm}" for r in gaps.itertuples())
        notes.append(
            f"Simulated power differs from the analytic power for {names}: the analytic "
            "formula assumes independent units and an estimate centred on the truth; "
            "interference (spillover, a pooled recommender) or skewed outcomes break that."
        )
    return notes
