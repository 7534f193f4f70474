"""The insurer's take-up model is centred on the scenario's own starting levels, not on copies
of their defaults: a product's ``take_up_probability`` is that of a user at the scenario's
initial trust."""

import numpy as np
import pytest

from tests.sim.builders import build
from xsim.core.rng import RandomStreams
from xsim.world.insurer import Insurer
from xsim.world.population import build_catalogue, build_population
from xsim.world.state import WorldState


def _take_up(initial_trust: float, trust_shift: float = 0.0) -> np.ndarray:
    """Take-up of a full-price quote for 200 users whose trust is ``trust_shift`` above the
    scenario's ``initial_trust``."""
    scenario = build(**{"population.n_users": 200, "insurer.initial_trust": initial_trust})
    streams = RandomStreams(scenario.seed)
    catalogue = build_catalogue(
        scenario.platform.catalogue, scenario.population.taste_dims, streams
    )
    population = build_population(scenario, catalogue, streams)
    state = WorldState.initial(scenario, population, catalogue)
    state.trust += trust_shift
    insurer = Insurer(scenario, population, np.zeros(200, np.int16), streams, log=None)
    return insurer.take_up_probability(state, np.arange(200), product=0, price=1.0)


@pytest.mark.parametrize("initial_trust", [0.2, 0.8])
def test_take_up_at_the_initial_trust_does_not_depend_on_its_level(initial_trust):
    np.testing.assert_allclose(_take_up(initial_trust), _take_up(0.5), rtol=1e-6)


def test_trust_above_the_initial_level_raises_take_up():
    assert (_take_up(0.5, trust_shift=0.2) > _take_up(0.5)).all()
