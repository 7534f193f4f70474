"""What a command is about to cost, refused above a limit unless the user says yes.

The engine's cost is close to proportional to simulated user-days: one world of n users over
d days costs n·d, and twin worlds add one world per arm. `benchmarks/run.py` measured about
6 million user-days a second on the 2-core machine (1M users × 365 days in about a minute), so
`LIMIT_USER_DAYS` is about an hour there. A sweep or a replication count that would run longer
is almost always a typo (`--replications 20000`, a 150 × 150 `--set` grid); `--yes` runs it.
"""

from __future__ import annotations

from collections.abc import Iterable

from xsim.core.errors import InputError
from xsim.schema.scenario import Scenario

USER_DAYS_PER_SECOND = 6e6
LIMIT_USER_DAYS = 2e10
# every run also costs a fixed ~0.05 s (building the world, the analysis): a million tiny
# replications take as long as a large world
OVERHEAD_USER_DAYS_PER_RUN = 3e5
LIMIT_VARIANTS = 1000  # each is validated before anything runs: a typo-sized grid takes minutes


def world_user_days(scenario: Scenario) -> float:
    """User-days of one run of ``scenario``: its world and, when truth runs, one twin per arm."""
    analysis = scenario.analysis
    twins = len(scenario.arms) if analysis.truth and (
        scenario.population.n_users <= analysis.truth_max_users) else 0  # fmt: skip
    return float(scenario.population.n_users) * scenario.horizon_days * (1 + twins)


def check_cost(what: str, runs: Iterable[tuple[Scenario, int]], yes: bool) -> float:
    """Total user-days of ``runs`` ((scenario, times run) pairs); `InputError` when it exceeds
    `LIMIT_USER_DAYS` and ``yes`` is false, naming the size and how to proceed."""
    total = sum((world_user_days(s) + OVERHEAD_USER_DAYS_PER_RUN) * times for s, times in runs)
    if total > LIMIT_USER_DAYS and not yes:
        hours = total / USER_DAYS_PER_SECOND / 3600
        raise InputError(
            f"{what}: about {total:.3g} simulated user-days (roughly {hours:,.1f} hours on a "
            "2-core machine); lower it, or add --yes to run it anyway"
        )
    return total


def check_variants(count: int, yes: bool) -> None:
    """`InputError` for a sweep of more than `LIMIT_VARIANTS` variants without ``yes``."""
    if count > LIMIT_VARIANTS and not yes:
        raise InputError(
            f"--set: {count:,} variants (files x swept values); lower it, or add --yes to run "
            "them anyway"
        )
