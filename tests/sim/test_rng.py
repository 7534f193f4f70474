"""The seed tree: addresses, not call order, decide the numbers."""

import numpy as np
import pytest

from xsim.core.rng import RandomStreams


def test_same_address_same_numbers_in_any_order():
    a, b = RandomStreams(11), RandomStreams(11)
    first = a.uniforms("visit", 5, 100)
    b.uniforms("choice", 3, 100)  # an unrelated draw in between must not shift anything
    assert np.array_equal(first, b.uniforms("visit", 5, 100))
    assert np.array_equal(
        a.generator("population", 1).random(5), b.generator("population", 1).random(5)
    )


def test_addresses_are_independent():
    s = RandomStreams(11)
    draws = [
        s.uniforms("visit", 5, 50),
        s.uniforms("visit", 6, 50),
        s.uniforms("choice", 5, 50),
        s.uniforms("visit", 5, 50, sub=1),
        RandomStreams(12).uniforms("visit", 5, 50),
    ]
    for i in range(len(draws)):
        for j in range(i + 1, len(draws)):
            assert not np.array_equal(draws[i], draws[j])


def test_common_random_numbers_do_not_depend_on_population_prefix():
    """User i's uniform is the i-th of the day's array whatever else happens that day."""
    s = RandomStreams(3)
    full = s.uniforms("take_up", 9, 1000)
    again = s.uniforms("take_up", 9, 1000)[[5, 500, 999]]
    assert np.array_equal(full[[5, 500, 999]], again)


def test_replications_are_distinct_and_reproducible():
    s = RandomStreams(5)
    r0, r1 = s.replication(0), s.replication(1)
    assert not np.array_equal(r0.uniforms("visit", 0, 10), r1.uniforms("visit", 0, 10))
    assert np.array_equal(
        r1.uniforms("visit", 0, 10), RandomStreams(5).replication(1).uniforms("visit", 0, 10)
    )


def test_unknown_stream_is_named():
    with pytest.raises(KeyError, match="unknown stream 'nope'"):
        RandomStreams(1).generator("nope")
