"""What happened, read from the event log of one small run."""

import numpy as np
import pandas as pd
import pytest

import xsim
from tests.sim.builders import build
from xsim.core.eventlog import INITIAL, ORGANIC

WARMUP = 14


@pytest.fixture(scope="module")
def trace():
    scenario = build(
        **{
            "population.n_users": 6000,
            "channels": {"email": {"cap_per_week": 1, "needs_consent": True, "opt_in": "email"}},
            "arms.offer.strategy.every_days": 3,
        }
    )
    result = xsim.run(scenario)
    events = pd.read_parquet(result.events_path)
    events["kind"] = events.kind.astype(str)
    return scenario, result, events


def test_no_strategy_acts_before_warmup_or_in_control(trace):
    scenario, _, events = trace
    contacts = events[events.kind == "contact"]
    assert len(contacts) > 0
    assert contacts.day.min() >= WARMUP
    control = list(scenario.arms).index("control")
    assert not (contacts.arm == control).any()


def test_offer_schedule_follows_every_days(trace):
    scenario, _, events = trace
    offer = list(scenario.arms).index("offer")
    days = np.unique(events[(events.kind == "contact") & (events.arm == offer)].day)
    assert set(((days - WARMUP) % 3).tolist()) == {0}


def test_bundle_quotes_follow_same_day_finance_purchases(trace):
    scenario, result, events = trace
    bundle = list(scenario.arms).index("bundle")
    contacts = events[(events.kind == "contact") & (events.arm == bundle)]
    purchases = events[events.kind == "purchase"]
    finance = np.flatnonzero(np.arange(60) % 3 == 0)  # topic 0 (finance) courses in the builder
    finance_purchases = purchases[purchases.item.isin(finance)]
    bought = set(zip(finance_purchases.user, finance_purchases.day, strict=True))
    assert len(contacts) > 0
    assert all((u, d) in bought for u, d in zip(contacts.user, contacts.day, strict=True))


def test_every_partnership_policy_follows_a_quote(trace):
    """Policies sold through a channel follow a quote that day; the others are the existing
    book (day 0) or organic sales (no quote, monthly)."""
    _, _, events = trace
    quotes = set(
        zip(events.user[events.kind == "quote"], events.day[events.kind == "quote"], strict=True)
    )
    policies = events[events.kind == "policy"]
    sold = policies[policies.channel >= 0]
    assert len(sold) > 0
    assert all((u, d) in quotes for u, d in zip(sold.user, sold.day, strict=True))
    assert set(policies.channel[policies.channel < 0]) <= {INITIAL, ORGANIC}
    assert (policies.day[policies.channel == INITIAL] == 0).all()
    organic = policies[policies.channel == ORGANIC]
    assert len(organic) > 0 and not any(
        (u, d) in quotes for u, d in zip(organic.user, organic.day, strict=True)
    )


def test_consent_and_weekly_cap_are_enforced(trace):
    scenario, result, events = trace
    users = result.users.set_index("user_id")
    email = list(scenario.channels).index("email")
    mail = events[(events.kind == "contact") & (events.channel == email)]
    assert users.consent_data_sharing[mail.user].all()
    assert users.email_opt_in[mail.user].all()
    week = (mail.day // 7).astype(int)
    assert mail.groupby([mail.user, week]).size().max() <= 1
