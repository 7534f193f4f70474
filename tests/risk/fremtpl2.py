"""freMTPL2 preprocessing for the reference checks (test helper, not part of the package).

Two published protocols, both described in ``shared/data/fremtpl2/README.md``:

* Noll, Salzmann & Wüthrich (2018), GLM1: ClaimNb capped at 4, Exposure at 1; features
  AreaGLM (Area as 1–6), VehPowerGLM = factor(min(VehPower, 9)), VehAgeGLM = factor
  {0 | 1–10 (ref) | 11+}, DrivAgeGLM = factor {18–20, 21–25, 26–30, 31–40, 41–50 (ref),
  51–70, 71+}, BonusMalusGLM = min(BonusMalus, 150), DensityGLM = log(Density), VehBrand,
  VehGas, Region (ref R24); learning/test split by the shipped test IDpol list.
* scikit-learn's "Poisson regression and non-normal loss" example: no capping;
  ``train_test_split(test_size=0.33, random_state=0)``; VehAge and DrivAge in 10 quantile bins
  (KBinsDiscretizer, scikit-learn 1.9 defaults); BonusMalus and log(Density) numeric; VehBrand,
  VehPower, VehGas, Region, Area one-hot. Both are reimplemented here with numpy so the test
  needs no scikit-learn: the split is a ``RandomState(0)`` permutation, the bins are
  ``np.percentile(..., method="averaged_inverted_cdf")`` of a 200,000-row ``RandomState(0)``
  draw with replacement from the training rows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

FREQ = "freMTPL2freq.csv.gz"
SEV = "freMTPL2sev.csv.gz"
TEST_IDS = "noll2018_test_idpol.csv.gz"

GLM1_FEATURES = [
    "AreaGLM",
    "VehPowerGLM",
    "VehAgeGLM",
    "DrivAgeGLM",
    "BonusMalusGLM",
    "VehBrand",
    "VehGas",
    "DensityGLM",
    "Region",
]
GLM1_REFERENCES = {"VehAgeGLM": "1-10", "DrivAgeGLM": "41-50", "Region": "R24"}
SKLEARN_FEATURES = [
    "BonusMalus",
    "VehAgeBin",
    "DrivAgeBin",
    "LogDensity",
    "VehBrand",
    "VehPower",
    "VehGas",
    "Region",
    "Area",
]
DRIV_AGE_EDGES = [17, 20, 25, 30, 40, 50, 70, 100]
DRIV_AGE_LABELS = ["18-20", "21-25", "26-30", "31-40", "41-50", "51-70", "71+"]


def load_freq(folder: Path) -> pd.DataFrame:
    """The 678,013-policy frequency table, in its original (IDpol) order."""
    return pd.read_csv(folder / FREQ)


def noll_glm1_frame(freq: pd.DataFrame) -> pd.DataFrame:
    """Policy table with the GLM1 features and capped counts and exposure.

    The frequency benchmarks have no amounts: each claim is given amount 1, so a
    frequency-severity model's severity part is the constant 1 and its cost is the frequency.
    """
    veh_age = np.select([freq["VehAge"] == 0, freq["VehAge"] <= 10], ["0", "1-10"], "11+")
    return pd.DataFrame(
        {
            "IDpol": freq["IDpol"],
            "AreaGLM": freq["Area"].map({a: i + 1 for i, a in enumerate("ABCDEF")}),
            "VehPowerGLM": pd.Categorical(np.minimum(freq["VehPower"], 9)),
            "VehAgeGLM": pd.Categorical(veh_age),
            "DrivAgeGLM": pd.cut(freq["DrivAge"], DRIV_AGE_EDGES, labels=DRIV_AGE_LABELS),
            "BonusMalusGLM": np.minimum(freq["BonusMalus"], 150),
            "VehBrand": freq["VehBrand"],
            "VehGas": freq["VehGas"],
            "DensityGLM": np.log(freq["Density"]),
            "Region": freq["Region"],
            "exposure_years": np.minimum(freq["Exposure"], 1.0),
            "claim_count": np.minimum(freq["ClaimNb"], 4),
        }
    ).assign(claim_amount=lambda f: f["claim_count"].astype(float))


def noll_split(frame: pd.DataFrame, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(learning, test) by the shipped list of Noll et al.'s 67,801 test policy ids."""
    test_ids = pd.read_csv(folder / TEST_IDS)["IDpol"]
    is_test = frame["IDpol"].isin(test_ids).to_numpy()
    return frame[~is_test], frame[is_test]


def glm1_loss(counts: np.ndarray, expected: np.ndarray) -> float:
    """Noll et al.'s loss: 200/n · Σ [μ − N + N·log(N/μ)] (units of 10⁻²)."""
    ylogy = np.where(counts > 0, counts * np.log(np.maximum(counts, 1) / expected), 0.0)
    return float(200 * np.mean(expected - counts + ylogy))


def sklearn_split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``train_test_split(frame, test_size=0.33, random_state=0)`` without scikit-learn."""
    n = len(frame)
    n_test = math.ceil(0.33 * n)
    permutation = np.random.RandomState(0).permutation(n)
    return frame.iloc[permutation[n_test:]], frame.iloc[permutation[:n_test]]


def quantile_edges(train: pd.DataFrame, columns: list[str], n_bins: int = 10) -> dict:
    """KBinsDiscretizer(n_bins, quantile, subsample=200_000, random_state=0).fit edges."""
    rows = np.random.RandomState(0).randint(0, len(train), size=200_000)
    edges = {}
    for column in columns:
        sample = train[column].to_numpy(dtype=float)[rows]
        levels = np.linspace(0, 100, n_bins + 1)
        e = np.percentile(sample, levels, method="averaged_inverted_cdf")
        edges[column] = e[np.ediff1d(e, to_begin=np.inf) > 1e-8]
    return edges


def sklearn_frame(freq: pd.DataFrame, edges: dict) -> pd.DataFrame:
    """Policy table with the example's linear features (bins as categorical bin numbers).

    As in `noll_glm1_frame`, each claim has amount 1 (the benchmark is about frequency).
    """

    def binned(column: str) -> pd.Categorical:
        bins = np.searchsorted(edges[column][1:-1], freq[column].to_numpy(float), side="right")
        return pd.Categorical(bins, categories=range(len(edges[column]) - 1))

    return pd.DataFrame(
        {
            "BonusMalus": freq["BonusMalus"],
            "VehAgeBin": binned("VehAge"),
            "DrivAgeBin": binned("DrivAge"),
            "LogDensity": np.log(freq["Density"]),
            "VehBrand": freq["VehBrand"],
            "VehPower": pd.Categorical(freq["VehPower"]),
            "VehGas": freq["VehGas"],
            "Region": freq["Region"],
            "Area": freq["Area"],
            "exposure_years": freq["Exposure"],
            "claim_count": freq["ClaimNb"],
            "claim_amount": freq["ClaimNb"].astype(float),
        },
        index=freq.index,
    )


def severity_frame(freq: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """GLM1 policy table joined with freMTPL2sev, prepared as scikit-learn's Tweedie example.

    Claim amounts summed per policy (rows of unknown policies dropped), ClaimNb ≤ 4,
    Exposure ≤ 1, amount ≤ 200,000, and ClaimNb := 0 where the joined amount is 0.
    """
    sev = pd.read_csv(folder / SEV).groupby("IDpol")["ClaimAmount"].sum()
    frame = noll_glm1_frame(freq)
    amount = frame["IDpol"].map(sev).fillna(0.0).clip(upper=200_000)
    frame["claim_amount"] = amount.to_numpy()
    frame.loc[frame["claim_amount"] == 0, "claim_count"] = 0
    return frame
