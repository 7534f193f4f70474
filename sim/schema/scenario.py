"""The scenario schema: pydantic models of the YAML file.

Every model forbids unknown keys; field names carry their units (``_days``, ``_per_year``,
``_per_month``). Cross-references (a strategy naming a product, channel or topic) are checked by
`Scenario` so an error names the field path, e.g. ``arms.offer.strategy.product``. Reading files
lives in `xsim.schema.io`; this module only describes and validates.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xsim.estimators.recommend import PopularitySpec, RecommenderSpec, check_spec
from xsim.schema.analysis import AnalysisSpec, analysis_problems
from xsim.schema.objective import ObjectiveSpec, OptimizeSpec, objective_problems
from xsim.schema.risk import RiskControlSpec
from xsim.strategies import StrategySpec

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Correlation = Annotated[float, Field(ge=-0.95, le=0.95)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Normal(Strict):
    mean: float
    sd: float = Field(ge=0.0)


class LogNormal(Strict):
    """Log-normal given by its median and the sd of its log."""

    median: float = Field(gt=0.0)
    sigma: float = Field(0.5, ge=0.0)


class Segment(Strict):
    """A user segment: its share of the population and the distributions of its traits.

    ``insurance_need`` and ``risk_aversion`` are means on a standard-normal scale;
    ``risk_level`` multiplies the latent claim risk of the segment's users (1 = book average).
    ``topic_affinity`` shifts the mean interest in each named topic (default 0).
    """

    weight: float = Field(gt=0.0)
    age_years: Normal = Normal(mean=32, sd=6)
    income_per_month: LogNormal = LogNormal(median=10000, sigma=0.5)
    city_tier_weights: tuple[float, float, float] = (0.3, 0.4, 0.3)
    email_opt_in: Probability = 0.6
    push_opt_in: Probability = 0.5
    data_sharing_consent: Probability = 0.4
    visit_probability_per_day: Probability = 0.08
    price_sensitivity: LogNormal = LogNormal(median=1.0, sigma=0.3)
    social_activity: Probability = 0.1
    insurance_need: float = 0.0
    risk_aversion: float = 0.0
    risk_level: float = Field(1.0, gt=0.0)
    insurance_awareness: Probability = 0.2
    topic_affinity: dict[str, float] = {}


class Correlations(Strict):
    """Correlations of the latent normals behind need, claim risk and finance interest."""

    need_risk: Correlation = 0.3
    finance_interest_risk: Correlation = -0.2
    need_finance_interest: Correlation = 0.0


class Social(Strict):
    mean_degree: float = Field(10.0, ge=0.0, le=500.0)
    homophily: Probability = 0.7


class PopulationSpec(Strict):
    n_users: int = Field(100_000, gt=0, le=50_000_000)
    segments: dict[str, Segment] = Field(min_length=1)
    correlations: Correlations = Correlations()
    social: Social = Social()
    latent_risk_sigma: float = Field(0.5, ge=0.0, le=3.0)
    taste_dims: int = Field(8, ge=1, le=64)


class Catalogue(Strict):
    n_courses: int = Field(300, ge=1, le=100_000)
    topics: list[str] = Field(
        ["finance", "career", "health", "parenting", "language", "tech"], min_length=1
    )
    price: LogNormal = LogNormal(median=89.0, sigma=0.6)
    min_price: float = Field(9.9, gt=0.0)
    max_price: float = Field(499.0, gt=0.0)
    quality_sd: float = Field(0.5, ge=0.0)

    @model_validator(mode="after")
    def _price_bounds(self):
        if self.max_price < self.min_price:
            raise ValueError("max_price must be >= min_price")
        return self


class PlatformSpec(Strict):
    """Course-platform behaviour. Utilities are on the multinomial-logit scale."""

    catalogue: Catalogue = Catalogue()
    slate_size: int = Field(6, ge=1, le=50)
    position_bias_per_slot: float = Field(0.15, ge=0.0)
    no_purchase_utility: float = 7.0
    taste_weight: float = Field(1.0, ge=0.0)
    price_weight_per_100: float = Field(0.6, ge=0.0)
    engagement_halflife_days: float = Field(14.0, gt=0.0)
    engagement_visit_effect: float = Field(0.15, ge=0.0)
    word_of_mouth_visit_effect: float = Field(0.5, ge=0.0)
    fatigue_visit_effect: float = Field(0.2, ge=0.0)
    search_share_of_visits: Probability = 0.3
    churn_probability_per_day: Probability = 0.002
    churn_inactivity_scale_days: float = Field(30.0, gt=0.0)
    churn_fatigue_effect: float = Field(0.5, ge=0.0)
    literacy_topics: list[str] = ["finance"]
    awareness_per_literacy_purchase: Probability = 0.15


class Severity(Strict):
    """Gamma claim severity by mean and coefficient of variation."""

    mean: float = Field(gt=0.0)
    cv: float = Field(gt=0.0)


class Product(Strict):
    premium_per_year: float = Field(gt=0.0)
    claim_frequency_per_year: float = Field(ge=0.0, le=50.0)
    severity: Severity
    commission: Probability = 0.2
    take_up_probability: Probability = Field(
        0.15, description="purchase probability of an average user who clicks a quote"
    )
    reporting_delay_days: LogNormal = LogNormal(median=15, sigma=1.0)
    settlement_delay_days: LogNormal = LogNormal(median=20, sigma=0.7)
    lapse_probability_per_month: Probability = 0.02
    initial_holders_share: Probability = Field(
        0.05, description="share of platform users holding the product at t=0 (the existing book)"
    )
    organic_take_up_per_year: Probability = Field(
        0.02,
        description="yearly chance that an average uninsured user buys without the "
        "partnership (organic sales; 0 turns them off)",
    )
    term_months: int = Field(12, ge=1, le=120, description="policy term; renewal at its end")
    renewal_probability: Probability = Field(0.85, description="chance a policy renews at term")
    acquisition_cost_per_policy: float = Field(
        0.0, ge=0.0, le=1e6, description="insurer's cost of writing a policy (underwriting, issue)"
    )


class PurchaseModel(Strict):
    """Logit coefficients of insurance take-up (features standardised or 0–1 scaled)."""

    need: float = 0.8
    awareness: float = 1.5
    trust: float = 1.0
    risk_aversion: float = 0.5
    discount: float = Field(1.5, ge=0.0, description="per unit of -log(1 - discount)")
    affordability: float = Field(0.3, ge=0.0, description="per reference share of income")
    reference_premium_share_of_income: float = Field(0.01, gt=0.0)
    age_per_decade: float = Field(
        0.2, description="organic take-up: log-odds per decade of age above the mean"
    )


class HistoricalBook(Strict):
    n_policies: int = Field(50_000, ge=0, le=10_000_000)
    years: float = Field(3.0, gt=0.0, le=10.0)


class InsurerSpec(Strict):
    products: dict[str, Product] = Field(min_length=1, max_length=64)
    purchase_model: PurchaseModel = PurchaseModel()
    historical_book: HistoricalBook = HistoricalBook()
    initial_trust: Probability = 0.5
    trust_per_settled_claim: Probability = 0.1
    risk: RiskControlSpec = RiskControlSpec()
    awareness_per_lecture: Probability = 0.3
    trust_per_lecture: Probability = 0.15
    trust_per_service_contact: Probability = 0.2


class Channel(Strict):
    """A contact channel. ``opt_in`` names the user flag it needs ('email', 'push' or 'none')."""

    cost_per_send: float = Field(0.0, ge=0.0)
    open_rate: Probability = 0.2
    click_rate: Probability = 0.03
    unsubscribe_rate: Probability = 0.002
    fatigue_per_send: float = Field(0.1, ge=0.0)
    fatigue_open_effect: float = Field(
        0.5, ge=0.0, description="open rate x exp(-effect x fatigue)"
    )
    cap_per_week: int = Field(2, ge=0)
    needs_consent: bool = False
    opt_in: Literal["email", "push", "none"] = "none"


def default_channels() -> dict[str, Channel]:
    """Channels every scenario has unless it redefines them (ballpark industry rates)."""
    return {
        "email": Channel(cost_per_send=0.02, open_rate=0.2, click_rate=0.15, opt_in="email"),
        "push": Channel(
            cost_per_send=0.005, open_rate=0.08, click_rate=0.3, fatigue_per_send=0.15,
            opt_in="push",
        ),
        "bundle": Channel(
            open_rate=1.0, click_rate=0.3, unsubscribe_rate=0.0, fatigue_per_send=0.0,
            cap_per_week=7,
        ),
        "in_app": Channel(
            open_rate=1.0, click_rate=0.03, unsubscribe_rate=0.0, fatigue_per_send=0.02,
            cap_per_week=7,
        ),
        "social": Channel(
            open_rate=0.5, click_rate=0.2, unsubscribe_rate=0.0, fatigue_per_send=0.05,
            cap_per_week=3,
        ),
    }  # fmt: skip


class ClusterSpec(Strict):
    """Social clusters, the randomisation units when ``experiment.unit`` is 'cluster'.

    Clusters are communities of the friendship graph: connected components of its strong ties
    (friendships whose two ends share at least ``min_shared_friends`` friends; 0 keeps every
    friendship). Users in tiny components join their friends' cluster; components larger than
    ``max_users`` are cut into breadth-first pieces."""

    min_shared_friends: int = Field(2, ge=0, le=1000)
    max_users: int = Field(2000, ge=1)


class ExperimentSpec(Strict):
    warmup_days: int = Field(28, ge=0, le=3650)
    duration_days: int = Field(90, ge=1, le=3650)
    unit: Literal["user", "cluster"] = Field(
        "user", description="randomisation unit: users, or social clusters (see clusters)"
    )
    clusters: ClusterSpec = ClusterSpec()
    control_arm: str | None = Field(None, description="default: the first arm")


class Arm(Strict):
    weight: float = Field(gt=0.0)
    strategy: StrategySpec


class OutputSpec(Strict):
    """What a run records beyond the user table: visit events, the event-log chunk size, how
    many users' slates are scored against true tastes after each retraining (0: none), and
    the risk model's report (its fit on the book, the monitor's history)."""

    log_visits: bool = False
    recommender_quality_users: int = Field(1000, ge=0)
    risk_report: bool = True
    event_chunk_rows: int = Field(1_000_000, ge=1000)


class Scenario(Strict):
    """A whole scenario. `load_scenario` in `xsim.schema.io` is the only way to read one."""

    name: str = Field(min_length=1, max_length=200)
    seed: int = Field(ge=0)
    population: PopulationSpec
    platform: PlatformSpec = PlatformSpec()
    insurer: InsurerSpec
    channels: dict[str, Channel] = Field(default_factory=default_channels)
    experiment: ExperimentSpec = ExperimentSpec()
    arms: dict[str, Arm] = Field(min_length=1)
    recommender: RecommenderSpec = PopularitySpec()
    analysis: AnalysisSpec = AnalysisSpec()
    outputs: OutputSpec = OutputSpec()
    objective: ObjectiveSpec = ObjectiveSpec()
    optimize: OptimizeSpec | None = None

    @field_validator("channels", mode="before")
    @classmethod
    def _merge_default_channels(cls, value):
        """Channels the scenario defines replace or add to the defaults (email, push, bundle)."""
        if not isinstance(value, dict):
            return value
        return {**default_channels(), **value}

    @model_validator(mode="after")
    def _cross_references(self):
        problems = cross_reference_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def control_arm(self) -> str:
        return self.experiment.control_arm or next(iter(self.arms))

    @property
    def horizon_days(self) -> int:
        return self.experiment.warmup_days + self.experiment.duration_days


def cross_reference_problems(s: Scenario) -> list[str]:
    """Names used in one part of the scenario that another part does not define."""
    namespaces = {
        "products": set(s.insurer.products),
        "channels": set(s.channels),
        "topics": set(s.platform.catalogue.topics),
        "segments": set(s.population.segments),
    }
    problems = []
    for arm_name, arm in s.arms.items():
        for field, space, name in arm.strategy.references():
            if name not in namespaces[space]:
                known = ", ".join(sorted(namespaces[space]))
                problems.append(
                    f"arms.{arm_name}.strategy.{field}: unknown {space[:-1]} {name!r} "
                    f"(known: {known})"
                )
    for seg_name, seg in s.population.segments.items():
        for topic in seg.topic_affinity:
            if topic not in namespaces["topics"]:
                problems.append(
                    f"population.segments.{seg_name}.topic_affinity: unknown topic {topic!r}"
                )
    for topic in s.platform.literacy_topics:
        if topic not in namespaces["topics"]:
            problems.append(f"platform.literacy_topics: unknown topic {topic!r}")
    if s.experiment.control_arm is not None and s.experiment.control_arm not in s.arms:
        problems.append(f"experiment.control_arm: no arm named {s.experiment.control_arm!r}")
    if s.platform.slate_size > s.platform.catalogue.n_courses:
        problems.append("platform.slate_size: larger than catalogue.n_courses")
    if len(set(s.platform.catalogue.topics)) != len(s.platform.catalogue.topics):
        problems.append("platform.catalogue.topics: topics must be unique")
    problems += _correlation_problems(s.population.correlations)
    problems += analysis_problems(s.analysis)
    problems += check_spec(s.recommender, s.platform.catalogue.n_courses, s.population.n_users)
    problems += objective_problems(s)
    return problems


def _correlation_problems(c: Correlations) -> list[str]:
    """Positive definite (Sylvester's criterion on the 3 × 3 matrix): jointly possible."""
    a, b, d = c.need_risk, c.need_finance_interest, c.finance_interest_risk
    determinant = 1 + 2 * a * b * d - a * a - b * b - d * d
    if 1 - a * a <= 1e-9 or determinant <= 1e-9:
        return ["population.correlations: the three correlations are not jointly possible"]
    return []


def correlation_matrix(c: Correlations) -> np.ndarray:
    """Correlation matrix of the latent normals (need, risk, finance interest)."""
    return np.array(
        [
            [1.0, c.need_risk, c.need_finance_interest],
            [c.need_risk, 1.0, c.finance_interest_risk],
            [c.need_finance_interest, c.finance_interest_risk, 1.0],
        ]
    )
