"""The reference toy model, written two ways, to measure the design's speed-up in one run.

Each simulated day every user visits with probability 10 % and a visitor buys with
probability 5 %; we count visits and purchases. ``per_user_processes`` gives every user a SimPy
process (the textbook agent-based style); ``arrays`` runs one SimPy process over numpy arrays
(xsim's style). Both draw from the project's seed tree.
"""

from __future__ import annotations

import time

import numpy as np
import simpy

from xsim.core.rng import RandomStreams

VISIT, BUY = 0.10, 0.05


def per_user_processes(n_users: int, days: int, seed: int = 1) -> dict:
    rng = RandomStreams(seed).generator("analysis", 1)
    env = simpy.Environment()
    totals = {"visits": 0, "purchases": 0}

    def user():
        while True:
            if rng.random() < VISIT:
                totals["visits"] += 1
                if rng.random() < BUY:
                    totals["purchases"] += 1
            yield env.timeout(1)

    for _ in range(n_users):
        env.process(user())
    start = time.perf_counter()
    env.run(until=days)
    return _result(totals, n_users, days, time.perf_counter() - start)


def arrays(n_users: int, days: int, seed: int = 1) -> dict:
    streams = RandomStreams(seed)
    env = simpy.Environment()
    visits = np.zeros(n_users, np.int32)
    purchases = np.zeros(n_users, np.int32)

    def daily():
        for day in range(days):
            visited = streams.uniforms("visit", day, n_users) < VISIT
            bought = visited & (streams.uniforms("choice", day, n_users) < BUY)
            np.add(visits, visited, out=visits)  # whole-array adds: no index gathering
            np.add(purchases, bought, out=purchases)
            yield env.timeout(1)

    env.process(daily())
    start = time.perf_counter()
    env.run(until=days)
    totals = {"visits": int(visits.sum()), "purchases": int(purchases.sum())}
    return _result(totals, n_users, days, time.perf_counter() - start)


def _result(totals: dict, n_users: int, days: int, seconds: float) -> dict:
    return {
        **totals,
        "seconds": round(seconds, 3),
        "user_days_per_second": n_users * days / seconds,
    }
