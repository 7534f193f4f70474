"""Users and courses as arrays: segments, correlated traits, catalogue, social graph, arms.

Nothing here changes during a run; dynamic state lives in `xsim.world.state`. Traits come from the
'population' stream and arms from the separate 'assignment' stream, so editing a strategy never
changes who is who or who is treated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from xsim.core.rng import RandomStreams
from xsim.schema.scenario import Catalogue, PlatformSpec, Scenario, correlation_matrix

_CATALOGUE, _TRAITS, _GRAPH = 0, 1, 2


@dataclass(frozen=True)
class CourseCatalogue:
    """Courses: topic code, list price, quality and latent item vector (n_courses × dims).

    ``partner`` marks co-branded courses that strategies launch; they follow the regular ones
    and stay hidden until launched. ``partner_of_arm`` maps an arm code to its course (-1)."""

    topic: np.ndarray
    price: np.ndarray
    quality: np.ndarray
    vector: np.ndarray
    topic_names: tuple[str, ...]
    topic_centroids: np.ndarray
    partner: np.ndarray
    partner_of_arm: dict[int, int]

    @property
    def n_courses(self) -> int:
        return len(self.price)


@dataclass(frozen=True)
class Population:
    """One row per user, as a struct of arrays. ``latent_risk`` multiplies claim frequency;
    ``insurance_need``, ``risk_aversion`` and ``finance_interest`` are on a normal scale."""

    segment: np.ndarray
    segment_names: tuple[str, ...]
    age_years: np.ndarray
    income_per_month: np.ndarray
    city_tier: np.ndarray
    email_opt_in: np.ndarray
    push_opt_in: np.ndarray
    consent_data_sharing: np.ndarray
    visit_probability_per_day: np.ndarray
    price_sensitivity: np.ndarray
    social_activity: np.ndarray
    insurance_need: np.ndarray
    risk_aversion: np.ndarray
    latent_risk: np.ndarray
    finance_interest: np.ndarray
    insurance_awareness: np.ndarray
    taste: np.ndarray
    friends: sp.csr_matrix

    @property
    def n_users(self) -> int:
        return len(self.segment)


def build_catalogue(
    spec: Catalogue, taste_dims: int, streams: RandomStreams, partner_courses=()
) -> CourseCatalogue:
    """Regular courses from the scenario, then one co-branded course per entry of
    ``partner_courses``: (arm code, topic, price, quality)."""
    rng = streams.generator("population", _CATALOGUE)
    n_topics = len(spec.topics)
    centroids = rng.standard_normal((n_topics, taste_dims))
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    topic = np.arange(spec.n_courses) % n_topics
    vector = centroids[topic] + 0.3 * rng.standard_normal((spec.n_courses, taste_dims))
    price = spec.price.median * np.exp(spec.price.sigma * rng.standard_normal(spec.n_courses))
    price = np.round(np.clip(price, spec.min_price, spec.max_price), 1)
    quality = spec.quality_sd * rng.standard_normal(spec.n_courses)
    partner_of_arm = {}
    for offset, (arm, topic_name, partner_price, partner_quality) in enumerate(partner_courses):
        t = spec.topics.index(topic_name)
        partner_of_arm[arm] = spec.n_courses + offset
        topic = np.append(topic, t)
        vector = np.vstack([vector, centroids[t]])
        price = np.append(price, partner_price)
        quality = np.append(quality, partner_quality)
    partner = np.arange(len(price)) >= spec.n_courses
    return CourseCatalogue(
        topic=topic.astype(np.int16),
        price=price,
        quality=quality.astype(np.float32),
        vector=vector.astype(np.float32),
        topic_names=tuple(spec.topics),
        topic_centroids=centroids.astype(np.float32),
        partner=partner,
        partner_of_arm=partner_of_arm,
    )


def build_population(scenario: Scenario, catalogue: CourseCatalogue, streams: RandomStreams):
    """Draw every user's traits and the social graph."""
    spec = scenario.population
    traits = draw_traits(
        scenario, catalogue, streams.generator("population", _TRAITS), spec.n_users
    )
    friends = social_graph(
        traits["segment"], spec.social.mean_degree, spec.social.homophily, streams
    )
    return Population(**traits, segment_names=tuple(spec.segments), friends=friends)


def draw_traits(
    scenario: Scenario, catalogue: CourseCatalogue, rng: np.random.Generator, n: int
) -> dict[str, np.ndarray]:
    """Traits of ``n`` people drawn from the scenario's segments (users or book holders)."""
    spec = scenario.population
    seg_specs = list(spec.segments.values())
    weights = np.array([s.weight for s in seg_specs])
    segment = rng.choice(len(seg_specs), size=n, p=weights / weights.sum()).astype(np.int16)

    def per_segment(getter) -> np.ndarray:
        return np.array([getter(s) for s in seg_specs], dtype=np.float64)[segment]

    def normal(mean, sd=lambda s: 1.0) -> np.ndarray:
        return per_segment(mean) + per_segment(sd) * rng.standard_normal(n)

    def lognormal(getter) -> np.ndarray:
        median = per_segment(lambda s: getter(s).median)
        return median * np.exp(per_segment(lambda s: getter(s).sigma) * rng.standard_normal(n))

    def bernoulli(getter) -> np.ndarray:
        return rng.random(n) < per_segment(getter)

    chol = np.linalg.cholesky(correlation_matrix(spec.correlations))
    need_z, risk_z, finance_z = (rng.standard_normal((n, 3)) @ chol.T).T
    sigma = spec.latent_risk_sigma
    affinity = _topic_affinity(seg_specs, segment, catalogue, scenario.platform, finance_z, rng)
    tiers = np.array([s.city_tier_weights for s in seg_specs])
    tier_cdf = np.cumsum(tiers / tiers.sum(axis=1, keepdims=True), axis=1)
    visit_noise = np.exp(0.5 * rng.standard_normal(n) - 0.125)  # mean-one spread
    f32 = np.float32
    return {
        "segment": segment,
        "age_years": np.clip(
            normal(lambda s: s.age_years.mean, lambda s: s.age_years.sd), 16, 90
        ).astype(f32),
        "income_per_month": lognormal(lambda s: s.income_per_month).astype(f32),
        "city_tier": np.minimum(
            1 + (rng.random(n)[:, None] > tier_cdf[segment]).sum(axis=1), 3
        ).astype(np.int8),
        "email_opt_in": bernoulli(lambda s: s.email_opt_in),
        "push_opt_in": bernoulli(lambda s: s.push_opt_in),
        "consent_data_sharing": bernoulli(lambda s: s.data_sharing_consent),
        "visit_probability_per_day": np.clip(
            per_segment(lambda s: s.visit_probability_per_day) * visit_noise, 0, 1
        ).astype(f32),
        "price_sensitivity": lognormal(lambda s: s.price_sensitivity).astype(f32),
        "social_activity": per_segment(lambda s: s.social_activity).astype(f32),
        "insurance_need": (per_segment(lambda s: s.insurance_need) + need_z).astype(f32),
        "risk_aversion": normal(lambda s: s.risk_aversion).astype(f32),
        "latent_risk": (
            per_segment(lambda s: s.risk_level) * np.exp(sigma * risk_z - sigma**2 / 2)
        ).astype(f32),
        "finance_interest": finance_z.astype(f32),
        "insurance_awareness": per_segment(lambda s: s.insurance_awareness).astype(f32),
        "taste": (affinity @ catalogue.topic_centroids).astype(f32),
    }


def _topic_affinity(seg_specs, segment, catalogue, platform: PlatformSpec, finance_z, rng):
    """Interest in each topic: segment mean plus noise; literacy topics share ``finance_z``
    (the latent correlated with claim risk)."""
    n, topics = len(segment), catalogue.topic_names
    means = np.array([[s.topic_affinity.get(t, 0.0) for t in topics] for s in seg_specs])
    noise = rng.standard_normal((n, len(topics)))
    for t, name in enumerate(topics):
        if name in platform.literacy_topics:
            noise[:, t] = finance_z
    return means[segment] + noise


def social_graph(
    segment: np.ndarray, mean_degree: float, homophily: float, streams: RandomStreams
) -> sp.csr_matrix:
    """Undirected friendship graph: each edge stays within the segment with prob. homophily."""
    rng = streams.generator("population", _GRAPH)
    n = len(segment)
    n_edges = int(round(n * mean_degree / 2))
    if n < 2 or n_edges == 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    order = np.argsort(segment, kind="stable")
    counts = np.bincount(segment, minlength=segment.max() + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    source = rng.integers(0, n, n_edges)
    same = rng.random(n_edges) < homophily
    seg = segment[source]
    within = order[starts[seg] + (rng.random(n_edges) * counts[seg]).astype(np.int64)]
    target = np.where(same, within, rng.integers(0, n, n_edges))
    keep = source != target
    rows = np.concatenate([source[keep], target[keep]])
    cols = np.concatenate([target[keep], source[keep]])
    graph = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    graph.data[:] = 1.0  # duplicate edges were summed; a friendship is a friendship
    return graph


def assign_arms(n_users: int, weights: list[float], streams: RandomStreams) -> np.ndarray:
    """Arm code of each user, from the assignment stream alone (one uniform per user)."""
    u = streams.generator("assignment").random(n_users)
    cdf = np.cumsum(weights) / np.sum(weights)
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(weights) - 1).astype(np.int16)
