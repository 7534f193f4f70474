"""Recommenders learnt from what the platform observes: popularity, multi-view SVD, regression.

Plug-in pattern: a frozen, validated spec per kind (`PopularitySpec`, `SVDSpec`,
`RegressionSpec`; the registry is the discriminated union `RecommenderSpec`, its kinds
`RECOMMENDER_KINDS`, `parse_recommender_spec` validates a mapping) whose
``fit(interactions, features, rng)`` returns a fitted object with ``scores(users, items=None)``
and ``top_k(users, k, exclude_owned=True, owned=None)``. Also: the biased MF rating model
(`fit_biased_mf`) and ranking-quality metrics. See docs/recommenders.md.
"""

from .base import FittedRecommender, Recommender, RecommenderSpecBase
from .factors import FactorModel
from .interactions import Features, Interactions, event_matrix
from .mf import BiasedMFSpec, fit_biased_mf, rmse
from .popularity import FittedPopularity, PopularitySpec, popularity_from_counts
from .quality import (
    catalogue_coverage,
    ndcg_at_k,
    precision_at_k,
    relevant_top_n,
    utility_gains,
)
from .ranking import top_k_from_scores
from .regression import FittedRegression, RegressionSpec
from .specs import RECOMMENDER_KINDS, RecommenderSpec, check_spec, parse_recommender_spec
from .svd import SVDSpec, ViewWeights, combined_matrix, social_view

__all__ = [
    "RECOMMENDER_KINDS",
    "BiasedMFSpec",
    "FactorModel",
    "Features",
    "FittedPopularity",
    "FittedRecommender",
    "FittedRegression",
    "Interactions",
    "PopularitySpec",
    "Recommender",
    "RecommenderSpec",
    "RecommenderSpecBase",
    "RegressionSpec",
    "SVDSpec",
    "ViewWeights",
    "catalogue_coverage",
    "check_spec",
    "combined_matrix",
    "event_matrix",
    "fit_biased_mf",
    "ndcg_at_k",
    "parse_recommender_spec",
    "popularity_from_counts",
    "precision_at_k",
    "relevant_top_n",
    "rmse",
    "social_view",
    "top_k_from_scores",
    "utility_gains",
]
