"""Insurance numbers per arm from a run folder: funnel, loss ratio and actual/expected claims
with delta-method intervals, IBNR and the latent risk of the users each arm insured.

Expected claims = each policy's exposure inside the experiment period times its product's claim
cost per exposure year in the insurer's historical book (`book.parquet`); the scenario's
frequency × mean severity when the book is absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from xsim.core.units import DAYS_PER_YEAR, held_days
from xsim.reports.decision import Risk
from xsim.reports.runfolder import RunRecord
from xsim.reports.tables import pct, sig

FUNNEL = (("visit", "visits"), ("course purchase", "purchases"), ("insurance quote", "quotes"),
          ("policy", "policies"), ("claim", "claims"))  # fmt: skip
THIN_CLAIMS = 30  # fewer claims than this: a loss ratio is mostly noise
SELECTION_ALARM = 1.10  # insured users' latent risk 10 % above the arm's average


def funnel(record: RunRecord) -> pd.DataFrame:
    """Share of each arm's users who reached each step (rows: arms, columns: steps)."""
    users = record.users
    reached = pd.DataFrame({step: users[col] > 0 for step, col in FUNNEL if col in users})
    return reached.groupby(users["arm"], sort=False).mean().reindex(record.arms)


def ratio_ci(num: np.ndarray, den: np.ndarray, level: float = 0.95) -> tuple[float, ...]:
    """Σnum/Σden over users with its delta-method CI (users are the independent units),
    truncated at 0."""
    n, total = len(num), den.sum()
    if n < 2 or total <= 0:
        return (np.nan, np.nan, np.nan)
    r = num.sum() / total
    linear = (num - r * den) / den.mean()
    half = stats.norm.ppf(0.5 + level / 2) * linear.std(ddof=1) / np.sqrt(n)
    return (r, max(r - half, 0.0), r + half)  # amounts are non-negative: so is the ratio


def expected_claims(record: RunRecord) -> np.ndarray | None:
    """Expected claim cost per user over the experiment period (None without an event log)."""
    events = record.events(["policy", "lapse"], ["day", "user", "item", "ref"])
    products = list((record.scenario.get("insurer") or {}).get("products") or {})
    if events is None or not products or "user_id" not in record.users:
        return None
    sold = events[events.kind == "policy"]
    lapsed = events[events.kind == "lapse"]
    days = held_days(sold.day.to_numpy(float), sold.ref.to_numpy(), lapsed.day.to_numpy(float),
                     lapsed.ref.to_numpy(), record.horizon_days, record.warmup_days)  # fmt: skip
    exposure = days / DAYS_PER_YEAR
    cost = _claim_cost_per_year(record, products)[sold.item.to_numpy()]
    # user ids may be indices or pseudonyms (`xsim.pipeline.privacy`): match them, never assume
    # their order
    row = pd.Index(record.users["user_id"]).get_indexer(sold.user)
    known = row >= 0
    weights = (exposure * cost)[known]
    return np.bincount(row[known], weights=weights, minlength=len(record.users))


def _claim_cost_per_year(record: RunRecord, products: list[str]) -> np.ndarray:
    specs = record.scenario["insurer"]["products"]
    costs = []
    for name in products:
        spec = specs[name]
        prior = spec["claim_frequency_per_year"] * spec["severity"]["mean"]
        book = record.book
        rows = book[book["product"] == name] if book is not None else None
        exposure = rows.exposure_years.sum() if rows is not None else 0.0
        costs.append(rows.claim_amount.sum() / exposure if exposure > 0 else prior)
    return np.asarray(costs, dtype=float)


def claims_table(record: RunRecord) -> pd.DataFrame:
    """Per arm: policies, claims, loss ratio and A/E with 95% CIs, IBNR, insured users' risk."""
    users = record.users.reset_index(drop=True)
    expected = expected_claims(record)
    rows = {}
    for arm in record.arms:
        mask = (users["arm"] == arm).to_numpy()
        u = users[mask]
        row = {"policies": int(u.policies.sum()), "claims": int(u.claims.sum())}
        lr = ratio_ci(u.claims_incurred.to_numpy(float), u.premium_earned.to_numpy(float))
        row.update(zip(("loss_ratio", "lr_low", "lr_high"), lr, strict=True))
        ae = (np.nan,) * 3 if expected is None else ratio_ci(u.claims_incurred.to_numpy(float),
                                                            expected[mask])  # fmt: skip
        row.update(zip(("actual_expected", "ae_low", "ae_high"), ae, strict=True))
        incurred = u.claims_incurred.sum()
        row["ibnr_count"] = int(u.claims_ibnr_count.sum())
        row["ibnr_share"] = u.claims_ibnr.sum() / incurred if incurred > 0 else np.nan
        insured = u[u.policies > 0]
        row["risk_index"] = (
            insured.true_risk.mean() / u.true_risk.mean() if len(insured) else np.nan
        )
        rows[arm] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def insurance_risks(table: pd.DataFrame) -> list[Risk]:
    """Selection, claims above the book, thin or immature claims."""
    risks = []
    for arm, row in table.iterrows():
        if row.policies == 0:
            continue
        if row.risk_index > SELECTION_ALARM:
            text = (
                f"Adverse selection in {arm}: the users it insured carry {row.risk_index:.2f}x "
                "the latent claim risk of its average user, so its loss ratio will worsen as "
                "claims mature."
            )
            risks.append(Risk(text, 2, arm))
        if row.ae_low > 1:
            text = (
                f"Claims in {arm} run above the insurer's book: actual/expected "
                f"{sig(row.actual_expected)} (CI {sig(row.ae_low)} to {sig(row.ae_high)})."
            )
            risks.append(Risk(text, 2, arm))
        if row.claims < THIN_CLAIMS or row.ibnr_share > 0:
            risks.append(Risk(_immature(str(arm), row), 1, arm))
    return risks


def _immature(arm: str, row: pd.Series) -> str:
    claims = int(row.claims)
    if claims == 0:
        return (
            f"No claims yet in {arm} ({int(row.policies):,} policies): its loss ratio cannot be "
            "judged before claims mature; claims occurring after the horizon are unseen."
        )
    ibnr = f", {pct(row.ibnr_share, False)} of the incurred amount not yet reported (IBNR)"
    return (
        f"Immature claims in {arm}: only {claims:,} claim{'s' if claims > 1 else ''}"
        f"{ibnr if row.ibnr_share > 0 else ''}; "
        f"its loss ratio {sig(row.loss_ratio)} (CI {sig(row.lr_low)} to {sig(row.lr_high)}) is "
        "an early, noisy reading."
    )
