"""A/B statistics on plain DataFrames (one row per randomisation unit).

`analyze` builds the report: per metric and treatment arm, means, absolute and relative lift
with CIs and p-values, CUPED rows, Holm/BH adjustment, guardrails, Bayesian read-outs, SRM and
notes. The building blocks (tests, power, sequential monitoring) are usable on their own.
This package never imports the simulator engine, runner or CLI.
"""

from .analyze import analyze
from .bayes import BayesResult, beta_binomial, normal_approximation
from .cuped import AdjustedEffect, covariate_matrix, ols_hc1, regression_adjusted
from .datafile import read_table
from .frequentist import (
    DiffTest,
    RelativeLift,
    fieller_interval,
    log_delta_interval,
    proportion_test,
    relative_lift,
    welch_test,
    z_test,
)
from .metric_spec import METRIC_KINDS, MetricSpec, dump_metric_spec, parse_metric_spec
from .metrics import ArmStats, Mean, Metric, Proportion, Ratio
from .monitoring import SequentialResult, sequential_analysis
from .msprt import ConfidenceSequence, best_mixture_ratio, confidence_sequence
from .multiplicity import CORRECTIONS, Guardrail, adjust_pvalues, non_inferiority
from .power import (
    mde_mean,
    mde_proportion,
    power_mean,
    power_proportion,
    sample_size_mean,
    sample_size_proportion,
)
from .results import ROW_KEYS, EffectsResult
from .sequential import (
    SPENDING_FUNCTIONS,
    GroupSequentialDesign,
    GroupSequentialResult,
    alpha_spent,
    boundaries,
    exit_probabilities,
    monitor,
)
from .srm import SRMResult, srm_test

__all__ = [
    "CORRECTIONS",
    "METRIC_KINDS",
    "ROW_KEYS",
    "SPENDING_FUNCTIONS",
    "AdjustedEffect",
    "ArmStats",
    "BayesResult",
    "ConfidenceSequence",
    "DiffTest",
    "EffectsResult",
    "GroupSequentialDesign",
    "GroupSequentialResult",
    "Guardrail",
    "Mean",
    "Metric",
    "MetricSpec",
    "Proportion",
    "Ratio",
    "RelativeLift",
    "SRMResult",
    "SequentialResult",
    "adjust_pvalues",
    "alpha_spent",
    "analyze",
    "best_mixture_ratio",
    "beta_binomial",
    "boundaries",
    "confidence_sequence",
    "covariate_matrix",
    "dump_metric_spec",
    "exit_probabilities",
    "fieller_interval",
    "log_delta_interval",
    "mde_mean",
    "mde_proportion",
    "monitor",
    "non_inferiority",
    "normal_approximation",
    "ols_hc1",
    "parse_metric_spec",
    "power_mean",
    "power_proportion",
    "proportion_test",
    "read_table",
    "regression_adjusted",
    "relative_lift",
    "sample_size_mean",
    "sample_size_proportion",
    "sequential_analysis",
    "srm_test",
    "welch_test",
    "z_test",
]
