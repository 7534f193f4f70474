"""The seed article's closed-form model of the partnership, shown beside the simulation as a
rough baseline (it ignores the strategy)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xsim.core.units import DAYS_PER_YEAR


def closed_form_baseline(scenario, users: pd.DataFrame, book: pd.DataFrame | None) -> dict:
    """The seed article's rough model, P = U·U_E/(U_E+U), F = F_E·U_E/(U_E+U), M = P·F, with U
    the platform's users, U_E the insurer's customers (its historical book) and F_E the book's
    annual premium. It ignores the strategy; beside it, per arm, the simulated counterparts in
    the same units: users kept active and new annual premium, both scaled to all U users."""
    products = scenario.insurer.products
    n_book = scenario.insurer.historical_book.n_policies
    if book is not None and len(book):
        premium = book["product"].map({k: p.premium_per_year for k, p in products.items()})
        f_e = float(premium.sum())
    else:
        f_e = n_book * float(np.mean([p.premium_per_year for p in products.values()]))
    u = scenario.population.n_users
    share = n_book / (n_book + u)
    simulated = {}
    years = scenario.experiment.duration_days / DAYS_PER_YEAR
    columns = {"arm": users["arm"], "kept": 1 - users["churned"],
               "premium_written": users["premium_written"]}  # fmt: skip
    means = pd.DataFrame(columns).groupby("arm", sort=False).mean()  # not whole-table groups
    for name, row in means.iterrows():
        kept = float(row.kept) * u
        premium_year = float(row.premium_written) * u / years
        simulated[name] = {"P_users": kept, "F_premium_per_year": premium_year,
                           "M": kept * premium_year}  # fmt: skip
    return {
        "label": "rough baseline: the seed's closed-form model (no strategy parameters)",
        "U": u, "U_E": n_book, "F_E": f_e,
        "P_users": u * share, "F_premium_per_year": f_e * share, "M": u * share * f_e * share,
        "simulated": simulated,
    }  # fmt: skip
