"""Fixtures of the risk-model tests: a synthetic policy book and the freMTPL2 tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from . import fremtpl2

# True log-frequency and log-severity effects of the synthetic book.
TRUE_FREQUENCY = {"Intercept": -2.3, "age": 0.02, "tier[T.b]": 0.3, "tier[T.c]": -0.25}
TRUE_PLATFORM = {"theta": 0.4}
TRUE_SEVERITY = {"Intercept": 7.5, "age": 0.0, "tier[T.b]": 0.2, "tier[T.c]": 0.0, "theta": 0.0}
SEVERITY_SHAPE = 2.0


def synthetic_book(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Policies with Poisson claims (log-exposure offset) and Gamma claim amounts.

    age is centred at 45 in the truth, so the intercept is the log frequency at age 45, tier a.
    theta (a platform feature) matters for everyone, but is recorded only with consent.
    """
    age = rng.uniform(20, 70, n)
    tier = rng.choice(np.array(["a", "b", "c"]), n, p=[0.5, 0.3, 0.2])
    theta = rng.normal(size=n)
    consent = rng.random(n) < 0.6
    exposure = rng.uniform(0.05, 1.0, n)
    tier_effect = pd.Series(tier).map({"a": 0.0, "b": 0.3, "c": -0.25}).to_numpy()
    log_freq = -2.3 + 0.02 * (age - 45) + tier_effect + TRUE_PLATFORM["theta"] * theta
    counts = rng.poisson(exposure * np.exp(log_freq))
    mean_claim = np.exp(7.5 + 0.2 * (tier == "b"))
    amounts = rng.gamma(SEVERITY_SHAPE * counts, mean_claim / SEVERITY_SHAPE) * (counts > 0)
    return pd.DataFrame(
        {
            "age": age - 45,
            "tier": tier,
            "theta": np.where(consent, theta, np.nan),
            "consent": consent,
            "exposure_years": exposure,
            "claim_count": counts,
            "claim_amount": amounts,
        }
    )


@pytest.fixture(scope="session")
def book() -> pd.DataFrame:
    """A 60,000-policy synthetic book (seed 20261123)."""
    return synthetic_book(np.random.default_rng(20261123), 60_000)


@pytest.fixture(scope="session")
def fremtpl2_dir(shared_data: Path) -> Path:
    folder = shared_data / "fremtpl2"
    needed = [fremtpl2.FREQ, fremtpl2.SEV, fremtpl2.TEST_IDS]
    if not all((folder / name).is_file() for name in needed):
        pytest.skip(f"freMTPL2 files absent from {folder}")
    return folder


@pytest.fixture(scope="session")
def fremtpl2_freq(fremtpl2_dir: Path) -> pd.DataFrame:
    return fremtpl2.load_freq(fremtpl2_dir)
