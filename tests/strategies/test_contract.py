"""One contract for every strategy kind: it validates and round-trips, and its decisions are
pure, vectorised, deterministic, valid, typed, and honest about consent, caps, budgets and costs.
Adding a kind without an example and its expected effects here fails."""

import ast
import dataclasses
import inspect
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from pydantic import TypeAdapter

from tests.sim.builders import build
from xsim.core import offer_effects as fx
from xsim.core.eventlog import EventLog
from xsim.core.protocols import MESSAGES, Offers
from xsim.core.rng import RandomStreams
from xsim.pipeline.runner import prepare_world
from xsim.strategies import STRATEGY_CLASSES, STRATEGY_KINDS, StrategySpec
from xsim.world.engine import Engine

EXAMPLES = {
    "none": {},
    "insurance_offer_to_buyers": {"product": "accident", "lookback_days": 30},
    "bundle_discount": {"course_topic": "finance", "product": "accident"},
    "co_branded_course": {"product": "accident", "fixed_cost": 500},
    "lecture_series": {"product": "accident", "every_days": 7, "cost_per_lecture": 100},
    "in_app_insurance_slot": {"product": "accident"},
    "social_referral": {"product": "accident", "share_boost": 5.0},
    "claims_service_content": {"product": "accident", "channel": "in_app"},
    "targeted_offer": {"product": "accident", "budget": 30, "max_contacts_per_call": 300},
}
# the effect types each example returns at its first call (fixed costs are due then)
EFFECTS = {
    "none": set(),
    "insurance_offer_to_buyers": set(),
    "bundle_discount": {fx.CourseDiscount},
    "co_branded_course": {fx.FixedCost, fx.LaunchCourses, fx.PinCourse},
    "lecture_series": {fx.FixedCost},
    "in_app_insurance_slot": {fx.ReserveSlots},
    "social_referral": {fx.BoostSharing},
    "claims_service_content": set(),
    "targeted_offer": set(),
}
KINDS = list(STRATEGY_KINDS)
CLASS_OF = dict(zip(KINDS, STRATEGY_CLASSES, strict=True))


def _rng() -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(1))


def _scenario(kind: str, **params):
    strategy = {"kind": kind, **EXAMPLES[kind], **params}
    return build(
        **{
            "population.n_users": 3000,
            "experiment.duration_days": 30,
            # profitable product so targeting has positive margins; some users already insured
            "insurer.products.accident.claim_frequency_per_year": 0.02,
            "insurer.products.accident.initial_holders_share": 0.2,
            "arms": {
                "control": {"weight": 1, "strategy": {"kind": "none"}},
                "treated": {"weight": 1, "strategy": strategy},
            },
        }
    )


def _world(kind: str, **params):
    scenario = _scenario(kind, **params)
    inputs, _ = prepare_world(scenario, RandomStreams(scenario.seed))
    arm = (np.arange(inputs.population.n_users) % 2).astype(np.int16)
    folder = tempfile.mkdtemp(prefix="xsim-contract-")
    log = EventLog(Path(folder) / "events.parquet")
    engine = Engine(inputs, arm, log)
    world = engine.run()
    events = log.read().to_pandas()
    events["kind"] = events.kind.astype(str)
    events["payer"] = events.payer.astype(str)
    return scenario, engine, world, events


def test_every_kind_has_an_example():
    assert set(KINDS) == set(EXAMPLES) == set(EFFECTS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_validates_and_round_trips(kind):
    """The scenario's union picks the kind's class; a dump (Python or JSON) reads back equal."""
    adapter = TypeAdapter(StrategySpec)
    spec = adapter.validate_python({"kind": kind, **EXAMPLES[kind]})
    assert type(spec) is CLASS_OF[kind]
    assert adapter.validate_python(spec.model_dump()) == spec
    assert adapter.validate_json(adapter.dump_json(spec)) == spec


@pytest.fixture(scope="module", params=KINDS)
def world(request):
    return (request.param, *_world(request.param))


def _snapshot(view) -> dict:
    return {
        name: value.copy() if isinstance(value, np.ndarray) else value
        for name, value in vars(view).items()
        if not sp.issparse(value)
    }


def test_decide_is_pure_deterministic_and_valid(world):
    kind, scenario, engine, _, _ = world
    strategy = scenario.arms["treated"].strategy
    users = np.flatnonzero(engine.arm == 1)
    view = engine.view(scenario.horizon_days - 1, users, 1, strategy)
    before = _snapshot(view)
    first = strategy.decide(view, _rng())
    second = strategy.decide(view, _rng())
    for name, value in before.items():  # pure: nothing in the view changed
        if isinstance(value, np.ndarray):
            assert np.array_equal(value, getattr(view, name), equal_nan=value.dtype.kind == "f")
    assert isinstance(first, Offers)
    for field in ("users", "product", "channel", "discount", "message"):
        assert np.array_equal(getattr(first, field), getattr(second, field)), field
    assert np.isin(first.users, users).all()
    keys = pd.DataFrame(
        {"u": first.users, "c": first.channel, "m": first.message, "p": first.product}
    )
    assert not keys.duplicated().any()
    assert ((first.message >= 0) & (first.message < len(MESSAGES))).all()
    assert ((first.channel >= 0) & (first.channel < len(scenario.channels))).all()
    assert ((first.discount >= 0) & (first.discount <= 0.9)).all()


def test_decide_returns_only_typed_effects(world):
    """At its first call each kind returns exactly its expected effects, each a frozen
    dataclass of `xsim.core.offer_effects` that applies itself (never a loose setting)."""
    kind, scenario, engine, _, _ = world
    strategy = scenario.arms["treated"].strategy
    users = np.flatnonzero(engine.arm == 1)
    first_day = scenario.experiment.warmup_days + strategy.start_day
    offers = strategy.decide(engine.view(first_day, users, 1, strategy), _rng())
    assert isinstance(offers.effects, tuple)
    for effect in offers.effects:
        assert isinstance(effect, fx.OfferEffect)
        assert type(effect).__module__ == fx.__name__
        assert dataclasses.is_dataclass(effect) and type(effect).__dataclass_params__.frozen
    assert {type(effect) for effect in offers.effects} == EFFECTS[kind]


def test_offers_hold_contact_rows_and_effects_only():
    """Arm-level changes travel as typed effects, never as extra optional fields of `Offers`."""
    names = [f.name for f in dataclasses.fields(Offers)]
    assert names == ["users", "product", "channel", "discount", "message", "effects"]


def test_view_arrays_are_read_only(world):
    _, scenario, engine, _, _ = world
    view = engine.view(0, np.arange(10), 1, scenario.arms["treated"].strategy)
    with pytest.raises(ValueError):
        view.active[0] = False


@pytest.mark.parametrize("cls", STRATEGY_CLASSES, ids=KINDS)
def test_decide_has_no_python_loop(cls):
    """Vectorised: decide() holds no for/while loop or comprehension (users are arrays)."""
    tree = ast.parse(inspect.getsource(cls.decide).strip())
    loops = (ast.For, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    assert not [node for node in ast.walk(tree) if isinstance(node, loops)]


def test_costs_add_up_and_follow_the_payer(world):
    kind, scenario, engine, _, events = world
    treated = events[events.arm == 1]
    spend_kinds = ["contact", "discount", "reward", "fixed_cost"]
    logged = treated[treated.kind.isin(spend_kinds)].amount.sum()
    assert logged == pytest.approx(engine.state.arms.spent[1])
    payer = scenario.arms["treated"].strategy.payer
    assert set(treated[treated.kind.isin(spend_kinds)].payer) <= {payer}
    assert not (events[events.arm == 0].kind.isin(spend_kinds)).any()  # control spends nothing


def test_consent_and_caps_hold(world):
    kind, scenario, engine, _, events = world
    contacts = events[events.kind == "contact"]
    week = (contacts.day // 7).astype(int)
    per_week = contacts.groupby([contacts.user, contacts.channel, week]).size()
    caps = np.array([c.cap_per_week for c in scenario.channels.values()])
    if len(per_week):
        channels = per_week.index.get_level_values(1).to_numpy()
        assert (per_week.to_numpy() <= caps[channels]).all()


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "none"])
def test_require_consent_excludes_non_consenting_users(kind):
    scenario, engine, _, events = _world(kind, require_consent=True)
    contacted = events[(events.kind == "contact") & (events.arm == 1)].user.to_numpy()
    assert engine.pop.consent_data_sharing[contacted].all()


def test_budget_stops_contacts():
    scenario, engine, _, events = _world("targeted_offer", budget=5)
    cost = events[(events.kind == "contact") & (events.arm == 1)].amount.sum()
    assert 0 < cost <= 5 + 1e-9
