"""Names of the user-table columns, so a scenario can be checked before anything runs.

`xsim.analysis.metrics.user_table` produces exactly these columns (a test holds it to that).
"""

from __future__ import annotations

USER_ATTRIBUTES: tuple[str, ...] = (
    "user_id", "arm", "segment", "age_years", "income_per_month", "city_tier",
    "consent_data_sharing", "email_opt_in", "push_opt_in", "true_risk", "insurance_need",
)  # fmt: skip

PRE_PERIOD: tuple[str, ...] = ("visits_pre", "purchases_pre", "course_revenue_pre")

OUTCOMES: tuple[str, ...] = (
    "visits", "purchases", "course_conversion", "course_revenue", "shares", "churned",
    "engagement_final", "awareness_final", "trust_final",
    "contacts", "opens", "clicks", "quotes", "unsubscribed",
    "contact_cost_platform", "contact_cost_insurer", "discount_platform", "discount_insurer",
    "reward_platform", "reward_insurer", "lectures_attended", "service_contacts",
    "fixed_cost_platform", "fixed_cost_insurer",
    "policies", "policy_conversion", "policies_partnership", "policies_organic",
    "premium_written", "premium_earned", "commission", "premium_subsidy_platform", "lapses",
    "claims", "claims_incurred", "claims_reported", "claims_paid", "claims_ibnr_count",
    "claims_ibnr", "platform_net_revenue", "insurer_margin",
    "platform_value", "insurer_value", "commission_value", "claims_expected",
)  # fmt: skip

USER_COLUMNS: tuple[str, ...] = USER_ATTRIBUTES + PRE_PERIOD + OUTCOMES

# Outcomes where less is better (guardrails and Bayesian read-outs need the direction).
LOWER_IS_BETTER: frozenset[str] = frozenset(
    {"churned", "unsubscribed", "claims", "claims_incurred", "lapses", "contact_cost_platform",
     "contact_cost_insurer", "discount_platform", "discount_insurer", "reward_platform",
     "reward_insurer", "fixed_cost_platform", "fixed_cost_insurer"}
)  # fmt: skip


# 0/1 outcomes: a metric written without a kind is a proportion for these and a mean for the
# other outcomes, whatever one replication's data look like (an all-zero column is no guide).
PROPORTIONS: frozenset[str] = frozenset(
    {"course_conversion", "policy_conversion", "churned", "unsubscribed"}
)
