"""The only place where random generators are made.

A run has one root ``numpy.random.SeedSequence(seed)``. Named child streams are addressed by
*position in a fixed tuple*, never by creation order, so adding a draw in one subsystem never
shifts the numbers of another:

    root ─┬─ population   (traits, catalogue, social graph)
          ├─ assignment   (arm of each user: its own stream, so strategy changes never reshuffle)
          ├─ history      (the insurer's historical book)
          ├─ behaviour ─┬─ visit ─ day ─ sub   (common random numbers, see below)
          │             └─ ...
          ├─ strategies ─ arm ─ call
          ├─ estimators
          └─ analysis

Common random numbers: behaviour noise is drawn as a full-length array of uniforms per user for
each (draw, day, sub) triple, from a generator keyed by exactly that triple. User ``i`` therefore
sees the same uniform for the same decision on the same day in every world that shares the
population, whatever the arm assignment or the number of other users acting that day. Twin-world
ground truth rests on this.
"""

from __future__ import annotations

import numpy as np

STREAMS: tuple[str, ...] = (
    "population",
    "assignment",
    "history",
    "behaviour",
    "strategies",
    "estimators",
    "analysis",
    "replications",
    "privacy",
)

# Appending is safe; reordering or removing changes every result of that draw.
BEHAVIOUR_DRAWS: tuple[str, ...] = (
    "visit",
    "choice",
    "share",
    "churn",
    "open",
    "click",
    "unsubscribe",
    "take_up",
    "claim",
    "severity",
    "report_delay",
    "settle_delay",
    "lapse",
    "browse",
    "search",
    "organic",
    "explore",
    "search_buy",
)


class RandomStreams:
    """Seed tree of one run: named child generators and common-random-number uniforms.

    Contract: every generator returned is a fresh ``numpy.random.Generator`` whose state depends
    only on the root entropy and the address asked for, so calls may happen in any order and in
    any process and still give the same numbers.
    """

    def __init__(self, seed: int | np.random.SeedSequence | None):
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.root = root
        self.entropy = root.entropy
        self._root_key = tuple(root.spawn_key)

    def _sequence(self, *key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.entropy, spawn_key=self._root_key + key)

    def generator(self, stream: str, *sub_key: int) -> np.random.Generator:
        """A generator for a named stream, optionally addressed deeper by integers."""
        index = _index(STREAMS, stream, "stream")
        return np.random.Generator(np.random.PCG64(self._sequence(index, *sub_key)))

    def uniforms(self, draw: str, day: int, n_users: int, sub: int = 0) -> np.ndarray:
        """Full-length array of U(0,1) for one behavioural draw on one day (float32: 24 bits
        resolve daily probabilities down to 6e-8, half the memory and time of float64).

        ``sub`` separates several draws of the same kind on the same day (per product, per
        channel). Index the result by user: ``u = streams.uniforms("visit", day, n)[users]``.
        """
        behaviour = STREAMS.index("behaviour")
        index = _index(BEHAVIOUR_DRAWS, draw, "behaviour draw")
        seq = self._sequence(behaviour, index, int(sub), int(day))
        return np.random.Generator(np.random.PCG64(seq)).random(n_users, dtype=np.float32)

    def salt(self) -> bytes:
        """16 bytes that key the pseudonymous ids of exported tables (never written out)."""
        return self._sequence(STREAMS.index("privacy")).generate_state(4).tobytes()

    def replication(self, index: int) -> RandomStreams:
        """The seed tree of replication ``index`` (independent of how many are run)."""
        return RandomStreams(self._sequence(STREAMS.index("replications"), int(index)))


def _index(names: tuple[str, ...], name: str, what: str) -> int:
    try:
        return names.index(name)
    except ValueError:
        raise KeyError(f"unknown {what} {name!r}; known: {', '.join(names)}") from None
