"""Spec validation: in-spec rules via pydantic, context rules via check_spec; fields named."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from xsim.core.errors import InputError
from xsim.estimators.recommend import (
    FittedRecommender,
    PopularitySpec,
    Recommender,
    RecommenderSpec,
    RegressionSpec,
    SVDSpec,
    check_spec,
    parse_recommender_spec,
)


def test_union_dispatches_on_kind_and_keeps_common_fields():
    spec = parse_recommender_spec(
        {"kind": "svd", "rank": 8, "retrain_every_days": 3, "pooling": "per_arm"}
    )
    assert isinstance(spec, SVDSpec)
    assert (spec.rank, spec.retrain_every_days, spec.pooling) == (8, 3, "per_arm")
    assert isinstance(parse_recommender_spec({"kind": "popularity"}), PopularitySpec)
    assert isinstance(
        parse_recommender_spec({"kind": "regression", "method": "ols"}), RegressionSpec
    )
    assert TypeAdapter(RecommenderSpec).validate_python({"kind": "svd"}) == SVDSpec()


def test_specs_are_frozen():
    spec = SVDSpec()
    with pytest.raises(ValidationError):
        spec.rank = 3


def test_rank_at_least_catalogue_size_is_named():
    problems = check_spec(SVDSpec(rank=300), n_items=300)
    assert problems == ["recommender.rank: must be < number of courses (300), got 300"]
    assert check_spec(SVDSpec(rank=299), n_items=300) == []
    assert check_spec(PopularitySpec(), n_items=3) == []
    assert check_spec(SVDSpec(rank=50), n_items=300, n_users=40)[0].startswith("recommender.rank")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "svd", "weights": {"social": -0.5}}, "recommender.weights.social"),
        ({"kind": "svd", "rank": 0}, "recommender.rank"),
        ({"kind": "svd", "weights": {"behaviour": 0, "purchases": 0}}, "recommender.weights"),
        ({"kind": "svd", "item_damping": 2}, "recommender.item_damping"),
        ({"kind": "popularity", "retrain_every_days": 0}, "recommender.retrain_every_days"),
        ({"kind": "popularity", "pooling": "by_arm"}, "recommender.pooling"),
        ({"kind": "regression", "negatives_per_positive": 0}, "recommender.negatives_per_"),
        ({"kind": "regression", "method": "probit"}, "recommender.method"),
        ({"kind": "svd", "rnak": 5}, "recommender.rnak"),
        ({"kind": "deep_learning"}, "recommender.kind"),
        ({"rank": 5}, "recommender.kind"),
    ],
)
def test_bad_parameters_name_the_field(data, field):
    with pytest.raises(InputError) as err:
        parse_recommender_spec(data)
    assert any(p.startswith(field) for p in err.value.problems), err.value.problems


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(InputError) as err:
        parse_recommender_spec({"kind": "deep_learning"})
    (line,) = err.value.problems
    assert "popularity, svd, regression" in line and "deep_learning" in line


def test_rank_too_large_for_the_data_fails_at_fit(world, rng):
    with pytest.raises(InputError, match="recommender.rank"):
        SVDSpec(rank=world.data.n_items).fit(world.data, None, rng)


@pytest.mark.parametrize(
    "spec", [PopularitySpec(), SVDSpec(rank=4), RegressionSpec()], ids=lambda s: s.kind
)
def test_every_kind_follows_the_protocols(world, rng, spec):
    assert isinstance(spec, Recommender)
    fitted = spec.fit(world.data, world.features, rng)
    assert isinstance(fitted, FittedRecommender)
    assert (fitted.n_users, fitted.n_items) == (world.data.n_users, world.data.n_items)


def test_union_has_a_json_schema_for_editors():
    schema = TypeAdapter(RecommenderSpec).json_schema()
    assert set(schema["discriminator"]["mapping"]) == {"popularity", "svd", "regression"}
