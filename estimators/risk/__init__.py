"""Risk models for the insurer: expected annual claim cost per policy from rating factors.

Three kinds, each a frozen pydantic spec with a `kind` (the registry is `RiskModelSpec`):

* ``freq_sev_glm`` — Poisson GLM of claim counts (offset log exposure) × Gamma GLM of claim size;
* ``tweedie_glm`` — Tweedie GLM of the pure premium;
* ``logistic`` — binomial GLM of P(at least one claim) × Gamma GLM of claim size.

Usage::

    spec = FreqSevGLMSpec()                      # or parse_risk_model_spec({"kind": ...})
    model = spec.fit(book, features=["age", "city_tier"],
                     platform_features=["theta_0", "finance_courses"], consent="consent")
    model.expected_cost(prospects)               # claim cost per exposure-year, per row
    print(model.summary())                       # coefficient tables
    model.diagnostics(holdout).ae_cost           # actual vs expected by decile

`spec.fit(data, *, features=None, platform_features=(), consent=None, reference_levels=None,
exposure="exposure_years", claim_count="claim_count", claim_amount="claim_amount")`:
`data` has one row per policy period with exposure in years (> 0), the claim count (integer
≥ 0) and the total claim amount (≥ 0). `features` are the insurer's rating factors (default: all
other columns); numeric columns enter linearly, other columns as factors whose reference level is
the first (see `features.py`; `reference_levels` overrides it). `platform_features` are the
partner's data, used only for rows whose `consent` column is true. Bad input raises
`xsim.core.errors.InputError` with one line per problem naming the column or argument.
"""

from .base import FittedGLMRiskModel, GLMSpecBase
from .data import PolicyColumns
from .diagnostics import (
    actual_vs_expected,
    d2_score,
    gini,
    lorenz_curve,
    mean_deviance,
    mean_poisson_deviance,
    unit_deviance,
)
from .evaluation import RiskDiagnostics
from .features import FeatureEncoder
from .freq_sev import FittedFreqSevGLM, FreqSevGLMSpec
from .glm import GLMFit
from .logistic import FittedLogistic, LogisticSpec
from .protocols import FittedRiskModel, RiskModel
from .specs import RISK_MODEL_KINDS, RiskModelSpec, parse_risk_model_spec
from .tweedie import FittedTweedieGLM, TweedieGLMSpec
from .value import partner_data_value

__all__ = [
    "RISK_MODEL_KINDS",
    "FeatureEncoder",
    "FittedFreqSevGLM",
    "FittedGLMRiskModel",
    "FittedLogistic",
    "FittedRiskModel",
    "FittedTweedieGLM",
    "FreqSevGLMSpec",
    "GLMFit",
    "GLMSpecBase",
    "LogisticSpec",
    "PolicyColumns",
    "RiskDiagnostics",
    "RiskModel",
    "RiskModelSpec",
    "TweedieGLMSpec",
    "actual_vs_expected",
    "d2_score",
    "gini",
    "lorenz_curve",
    "mean_deviance",
    "mean_poisson_deviance",
    "parse_risk_model_spec",
    "partner_data_value",
    "unit_deviance",
]
