"""Realised claims per arm: count and amount with intervals, a chain-ladder projection to
ultimate, and the rule that claims metrics need enough claims to be estimated.

Claims counted are those the user table counts (`xsim.analysis.metrics`): occurring in the
experiment period (from the end of the warm-up) and reported by the horizon. Money is in the
scenario's currency. The simulation also knows the claims not yet reported (IBNR); each arm's
row carries that truth (``true_*`` keys) beside the chain-ladder estimate, which uses only
what an insurer would see: the arm's own reporting triangle.

A claims metric (one reading a realised-claims column) in an arm, or its control, with fewer
than `MIN_CLAIMS` reported claims is "not yet estimable": its effects rows keep their numbers
but are never called significant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import stats

from xsim.core.eventlog import KINDS, kind_codes
from xsim.core.jsonio import finite

if TYPE_CHECKING:  # the report's tables import this module: keep the schema out of their load
    from xsim.schema.scenario import Scenario

MIN_CLAIMS = 30
# Half-monthly grid: a 90-day experiment gives a 6 x 6 triangle, so most development factors
# pool several origins and Mack's standard error can be estimated (a monthly grid gives 3 x 3,
# whose last factor rests on one origin and leaves a single variance estimate).
PERIOD_DAYS = 15
ESTIMATED, NOT_ESTIMABLE = "estimated", "not yet estimable"
# User columns built from realised claims. Not `insurer_value` or `claims_expected`: they use
# the insurer's risk model, whose expected claims do not wait for claims to happen.
CLAIM_COLUMNS = frozenset(
    {"claims", "claims_incurred", "claims_reported", "claims_paid", "claims_ibnr",
     "claims_ibnr_count", "insurer_margin"}
)  # fmt: skip
_CLAIM, _REPORTED = KINDS.index("claim"), KINDS.index("claim_reported")


# --- chain ladder ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainLadder:
    """Basic chain ladder of one cumulative triangle (arrays per age or per origin)."""

    factors: np.ndarray  # volume-weighted age-to-age factors, one per age but the last
    cdf: np.ndarray  # age-to-ultimate factors per age (1 at the last age: no tail)
    latest: np.ndarray  # latest cumulative value of each origin
    ultimate: np.ndarray
    ibnr: np.ndarray  # ultimate - latest
    mack_se: np.ndarray | None  # Mack's standard error of each origin's IBNR
    total_mack_se: float | None

    @property
    def total_ultimate(self) -> float:
        return float(self.ultimate.sum())

    @property
    def total_ibnr(self) -> float:
        return float(self.ibnr.sum())


def chain_ladder(triangle: pd.DataFrame | np.ndarray) -> ChainLadder:
    """Volume-weighted chain ladder (Mack 1993) of a cumulative triangle: rows are origin
    periods, columns development ages, NaN where not yet observed (below the diagonal).

    Factor k = sum of C[i, k+1] / sum of C[i, k] over the origins observed at both ages; no tail
    beyond the last age. A factor with no volume behind it is NaN, and so is every ultimate
    that needs it. Mack's standard errors follow his recursion, with the variance parameter of
    an age that has a single link ratio extrapolated log-linearly from the others (as R's
    ChainLadder does by default); they are None when fewer than two can be estimated."""
    c = np.asarray(triangle, dtype=float)
    observed = ~np.isnan(c)
    age = observed.sum(axis=1) - 1  # each origin's latest observed age
    pairs = observed[:, :-1] & observed[:, 1:]
    volume = np.where(pairs, c[:, :-1], 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        factors = np.where(pairs, c[:, 1:], 0.0).sum(axis=0) / volume
    factors[volume <= 0] = np.nan
    cdf = np.append(np.cumprod(factors[::-1])[::-1], 1.0)
    latest = c[np.arange(len(c)), age]
    ultimate = latest * cdf[age]
    sigma = _sigmas(c, pairs, factors)
    se, total = (None, None) if sigma is None else _mack(c, age, factors, sigma, volume)
    return ChainLadder(factors, cdf, latest, ultimate, ultimate - latest, se, total)


def _sigmas(c: np.ndarray, pairs: np.ndarray, factors: np.ndarray) -> np.ndarray | None:
    """Mack's sigma_k per age: the weighted spread of the link ratios around factor k. Ages with
    one ratio get a log-linear extrapolation; None when fewer than two ages have a positive
    estimate to extrapolate from, or a factor is undefined."""
    if not np.isfinite(factors).all():
        return None
    sigma = np.full(len(factors), np.nan)
    for k in range(len(factors)):
        # a zero origin adds volume to no ratio: Var(C[k+1] | C[k]) = sigma² C[k] says nothing
        use = pairs[:, k] & (c[:, k] > 0)
        if use.sum() >= 2:
            ratios = c[use, k + 1] / c[use, k]
            spread = (c[use, k] * (ratios - factors[k]) ** 2).sum() / (use.sum() - 1)
            sigma[k] = np.sqrt(spread)
    known = np.isfinite(sigma) & (sigma > 0)
    if known.sum() < 2:
        return None
    ages = np.arange(len(sigma))
    slope, intercept = np.polyfit(ages[known], np.log(sigma[known]), 1)
    missing = ~np.isfinite(sigma)
    sigma[missing] = np.exp(intercept + slope * ages[missing])
    return sigma


def _mack(c, age, factors, sigma, volume) -> tuple[np.ndarray, float]:
    """Mack's recursion (1999 form, as in R's ChainLadder) for each origin's IBNR standard
    error and the total's; process and parameter error together."""
    full = c.copy()
    for k, f in enumerate(factors):  # the projected full triangle
        missing = np.isnan(full[:, k + 1])
        full[missing, k + 1] = full[missing, k] * f
    factor_var = sigma**2 / volume  # squared standard error of each factor (volumes > 0 here)
    se, total = np.zeros(len(c)), 0.0
    for k, f in enumerate(factors):
        rows = age <= k  # origins projected from age k on
        x = full[rows, k]
        se[rows] = np.sqrt(x * sigma[k] ** 2 + x**2 * factor_var[k] + se[rows] ** 2 * f**2)
        total = np.sqrt(total**2 * f**2 + (x * sigma[k] ** 2).sum() + x.sum() ** 2 * factor_var[k])
    return se, float(total)


# --- the arm's reporting triangle -----------------------------------------------------------
@dataclass(frozen=True)
class ReportingTriangle:
    """Cumulative reported claims of one arm, by occurrence period (rows, labelled by the day
    the period starts) and development period (columns, 0 = reported in the period it occurred).
    NaN where the period had not ended by the as-of day."""

    amount: pd.DataFrame
    count: pd.DataFrame
    period_days: float

    @property
    def n_periods(self) -> int:
        return self.amount.shape[1]


def claim_events(events: pa.Table) -> pa.Table:
    """Only the ``claim`` and ``claim_reported`` events of a log (one pass over the log)."""
    codes = kind_codes(events)
    return events.filter(pa.array((codes == _CLAIM) | (codes == _REPORTED)))


def arm_claims(events: pa.Table, arm_code: int, start_day: float,
               as_of_day: float) -> pd.DataFrame:  # fmt: skip
    """One row per claim of the arm occurring in [start_day, as_of_day): occurrence day,
    amount and report day (NaN when not reported by the as-of day)."""
    codes = kind_codes(events)
    day = events.column("day").to_numpy().astype(float)
    arm = events.column("arm").to_numpy()
    ref = events.column("ref").to_numpy()
    amount = events.column("amount").to_numpy()
    # every claim has a user, so no user filter (which the user table applies to drop arm-level
    # events): the log of a run folder, whose user ids are pseudonyms, reads the same
    mine = arm == arm_code
    occurred = mine & (codes == _CLAIM) & (day >= start_day) & (day < as_of_day)
    claims = pd.DataFrame({"day": day[occurred], "amount": amount[occurred]}, index=ref[occurred])
    reported = mine & (codes == _REPORTED) & (day <= as_of_day)
    report_day = pd.Series(day[reported], index=ref[reported])
    claims["report_day"] = report_day.reindex(claims.index).to_numpy()
    return claims


def reporting_triangle(events: pa.Table, arm_code: int, period_days: float, as_of_day: float,
                       start_day: float = 0.0) -> ReportingTriangle:  # fmt: skip
    """The arm's cumulative reported amount and count by occurrence x development period, as
    seen on ``as_of_day`` (the horizon), for claims occurring from ``start_day`` on.

    Periods are counted back from the as-of day, so every diagonal ends on a period boundary
    (a partial last period would make the latest diagonal look immature); the first period
    may then hold less than ``period_days`` of occurrences."""
    # the tolerance keeps an exact multiple of period_days from opening an empty extra period
    n = max(int(np.ceil((as_of_day - start_day) / period_days - 1e-9)), 1)
    first = as_of_day - n * period_days
    claims = arm_claims(events, arm_code, start_day, as_of_day)
    claims = claims[claims.report_day.notna()]
    origin = ((claims.day.to_numpy() - first) // period_days).astype(int)
    calendar = ((claims.report_day.to_numpy() - first) // period_days).astype(int)
    # development 0: reported in the period it occurred; a report on the as-of day itself
    # belongs to the last period (periods are closed on the right at the as-of day)
    dev = np.minimum(calendar, n - 1) - origin
    frames = []
    for weights in (claims.amount.to_numpy(), np.ones(len(claims))):
        cells = np.zeros((n, n))
        np.add.at(cells, (origin, dev), weights)
        cumulative = np.cumsum(cells, axis=1)
        cumulative[np.add.outer(np.arange(n), np.arange(n)) > n - 1] = np.nan
        labels = first + period_days * np.arange(n)
        frames.append(pd.DataFrame(cumulative, index=pd.Index(labels, name="origin_day")))
    return ReportingTriangle(frames[0], frames[1], period_days)


# --- intervals ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompoundPoissonInterval:
    count: int
    count_low: float
    count_high: float
    total: float
    total_low: float
    total_high: float | None  # None with no claims: nothing to say how large one would be


def compound_poisson_interval(amounts, alpha: float = 0.05) -> CompoundPoissonInterval:
    """Intervals at level 1 - alpha for the claim count and the total amount.

    Count: exact Poisson interval (Garwood 1936) from chi-square quantiles. Total: the sum of
    N ~ Poisson(lambda) claims has Var(S) = lambda E[X²], estimated without a severity model by
    the sum of the squared amounts; the interval is that of a gamma with the observed total as
    mean and this variance. The gamma (not the normal) because S is positive and right-skewed
    — with a few dozen heavy-tailed claims a normal interval runs below zero and is too short
    on the high side; the two-moment gamma is the usual approximation in risk theory. With a
    few dozen heavy-tailed claims it still covers a little less than nominal (about 91 % at
    95 % for 30 gamma claims of cv 1.5, where a normal interval gives 89 %), as the sum of
    squares then understates the variance; near nominal from a few hundred claims."""
    x = np.asarray(amounts, dtype=float)
    n, total, square = len(x), float(x.sum()), float((x**2).sum())
    low = stats.chi2.ppf(alpha / 2, 2 * n) / 2 if n > 0 else 0.0
    high = stats.chi2.ppf(1 - alpha / 2, 2 * n + 2) / 2
    if n == 0 or total <= 0:
        return CompoundPoissonInterval(n, float(low), float(high), total, 0.0, None)
    shape, scale = total**2 / square, square / total
    t_low, t_high = stats.gamma.ppf([alpha / 2, 1 - alpha / 2], shape, scale=scale)
    return CompoundPoissonInterval(n, float(low), float(high), total, float(t_low),
                                   float(t_high))  # fmt: skip


# --- per arm --------------------------------------------------------------------------------
def realised_claims(
    scenario: Scenario,
    users: pd.DataFrame,
    events: pa.Table,
    alpha: float = 0.05,
    period_days: float = PERIOD_DAYS,
) -> list[dict]:
    """Per arm: claims occurring in the experiment and reported by the horizon (count and
    amount, each with its compound-Poisson interval), the chain-ladder ultimate and IBNR from
    the arm's own triangle, the simulation's truth beside them (``true_*``: IBNR included) and
    whether claims metrics are estimable (at least `MIN_CLAIMS` reported claims)."""
    events = claim_events(events)
    start, horizon = float(scenario.experiment.warmup_days), float(scenario.horizon_days)
    user_arm = users["arm"].to_numpy()
    rows = []
    for code, arm in enumerate(scenario.arms):
        mine = user_arm == arm
        if not mine.any():
            continue
        claims = arm_claims(events, code, start, horizon)
        reported = claims.amount[claims.report_day.notna()].to_numpy()
        interval = compound_poisson_interval(reported, alpha)
        triangle = reporting_triangle(events, code, period_days, horizon, start)
        truth = users.loc[mine, ["claims", "claims_incurred", "claims_ibnr"]].sum()
        rows.append({"arm": str(arm), **_observed(interval), **_projection(triangle),
                     "true_claims": int(truth.claims),
                     "true_claims_incurred": float(truth.claims_incurred),
                     "true_claims_ibnr": float(truth.claims_ibnr),
                     "estimable": interval.count >= MIN_CLAIMS, "period_days": period_days,
                     "development_periods": triangle.n_periods})  # fmt: skip
        rows[-1]["note"] = _note(rows[-1])
    return [{k: finite(v) for k, v in row.items()} for row in rows]


def _observed(interval: CompoundPoissonInterval) -> dict:
    return {
        "claims_reported_count": interval.count,
        "claims_reported_count_ci_low": interval.count_low,
        "claims_reported_count_ci_high": interval.count_high,
        "claims_reported": interval.total,
        "claims_reported_ci_low": interval.total_low,
        "claims_reported_ci_high": interval.total_high,
    }


def _projection(triangle: ReportingTriangle) -> dict:
    """Chain-ladder ultimate and IBNR of amount and count (None without two periods)."""
    keys = ("chain_ladder_ultimate", "chain_ladder_ibnr", "chain_ladder_ibnr_se",
            "chain_ladder_ultimate_count")  # fmt: skip
    if triangle.n_periods < 2:
        return dict.fromkeys(keys)
    amount, count = chain_ladder(triangle.amount), chain_ladder(triangle.count)
    values = (amount.total_ultimate, amount.total_ibnr, amount.total_mack_se,
              count.total_ultimate)  # fmt: skip
    return dict(zip(keys, finite(values), strict=True))  # an undefined factor: None, not NaN


def _note(row: dict) -> str | None:
    """Why a number is missing or not to be read as a result."""
    notes = []
    if row["development_periods"] < 2:
        notes.append(
            f"fewer than 2 development periods of {row['period_days']:g} days: no chain-ladder "
            "projection"
        )
    elif row["claims_reported_count"] == 0:
        notes.append("no claims reported yet: nothing to project")
    elif row["chain_ladder_ultimate"] is None:
        notes.append("a development factor has no reported claims behind it: no projection")
    se, ibnr = row["chain_ladder_ibnr_se"], row["chain_ladder_ibnr"]
    if se is not None and ibnr is not None and se > abs(ibnr):
        notes.append(
            "the chain-ladder IBNR is smaller than its Mack standard error: too few claims per "
            "period for a reliable projection"
        )
    if not row["estimable"]:
        notes.append(
            f"{row['claims_reported_count']} reported claims (< {MIN_CLAIMS}): claims metrics "
            "are not yet estimable"
        )
    return "; ".join(notes) or None


# --- the not-yet-estimable rule for effects rows -------------------------------------------
def is_claims_metric(columns: Iterable[str]) -> bool:
    """Whether a metric reading these user columns rests on realised claims."""
    return any(column in CLAIM_COLUMNS for column in columns)


@dataclass(frozen=True)
class ClaimsGate:
    """Reported claims per arm and the names of the claims metrics of an analysis."""

    claims: dict[str, int]
    metrics: frozenset[str]

    @classmethod
    def of(cls, users: pd.DataFrame, metrics: Iterable) -> ClaimsGate:
        """From the user table and the analysed metrics (objects with ``name``, ``columns``).
        Counts reported claims (incurred minus not yet reported), as `realised_claims` does."""
        reported = users["claims"].astype(int) - users["claims_ibnr_count"].astype(int)
        per_arm = reported.groupby(users["arm"].astype(str), sort=False).sum()
        names = frozenset(m.name for m in metrics if is_claims_metric(m.columns))
        return cls({str(a): int(n) for a, n in per_arm.items()}, names)

    def thin(self, row: dict) -> list[str]:
        """Arms of the row (treatment, control) with fewer than `MIN_CLAIMS` claims."""
        if row["metric"] not in self.metrics:
            return []
        arms = [row["arm"], row["control"]]
        return [a for a in arms if a is not None and self.claims.get(a, 0) < MIN_CLAIMS]


def gate_rows(rows: list[dict], gate: ClaimsGate | None) -> list[dict]:
    """Add ``status`` to every effects row; a claims metric with too few claims in its arm or
    control is "not yet estimable": never significant (its guardrail neither holds nor fails),
    numbers kept for reference."""
    for row in rows:
        row["status"] = ESTIMATED
        if gate is not None and gate.thin(row):
            row["status"] = NOT_ESTIMABLE
            row["significant"] = False
            if "verdict" in row:  # the estimator's verdict gives way: one reading per row
                row["verdict"] = NOT_ESTIMABLE
            if row.get("role") == "guardrail":
                row["noninferior"] = None
    return rows


def gate_notes(rows: list[dict], gate: ClaimsGate | None) -> list[str]:
    """One note naming the arms with too few claims, when any claims row was gated."""
    if gate is None:
        return []
    thin = list(dict.fromkeys(a for row in rows for a in gate.thin(row)))
    if not thin:
        return []
    counts = ", ".join(f"{a} ({gate.claims.get(a, 0)})" for a in thin)
    arms = "arm" if len(thin) == 1 else "arms"
    return [
        f"Fewer than {MIN_CLAIMS} reported claims in {arms} {counts}: claims metrics "
        f"({', '.join(sorted(gate.metrics))}) are not yet estimable there; their rows keep "
        "their numbers but are never called significant."
    ]
