"""The token charge without the party's history (SQLite here; the same scenarios run on
PostgreSQL in tests/integration/test_tokens_pg.py).

A charge reads the consumption by key and the subscription's sums, never `Tokens.entries`.
Every scenario checks the outcome against the domain rules applied to the whole ledger
(`hub.domain.tokens.consume` / `balance` on `entries(party)`), so a charge that went wrong as
the history grows (balance after many accepts, a retried accept, a refund and a new accept,
another party on the same key, an upgrade, the end of the period) fails here.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from hub.domain import commands as c
from hub.domain import tokens
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner, Role, Status
from hub.domain.refusals import Refusal
from hub.domain.tokens import EntryKind, TokenEntry, balance
from hub.ledger.db import make_engine, upgrade
from hub.ledger.tokens import SqlTokens
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.service_layer import accounts
from hub.service_layer.tokens import charge_token

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
AGENT = Partner("AGENT", "Shipping agent", status=Status.ACTIVE)


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path}/tokens.db")
    upgrade(eng)
    yield eng
    eng.dispose()


class NoHistory(SqlTokens):
    """The ledger with `entries` forbidden: a charge or refund must not read the history."""

    def entries(self, party: str) -> list[TokenEntry]:
        raise AssertionError(f"the charge read the whole history of {party}")


class Uow(SqlAlchemyUnitOfWork):
    def __enter__(self) -> Uow:
        super().__enter__()
        self.tokens = NoHistory(self.connection)
        return self


# --- helpers shared with the PostgreSQL test ------------------------------------------------


def operator(engine: Engine, tier: str, at: datetime = T0) -> Partner:
    """A fresh active transport operator with a paid `tier` subscription bought at `at`."""
    party = f"TO{uuid.uuid4().hex[:10].upper()}"
    roles = frozenset({Role.TRANSPORT_OPERATOR})
    partner = Partner(party, "Trucking", country="BE", status=Status.ACTIVE, roles=roles)
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.partners.save(partner)
        uow.wallets.pair(party, f"W-{party}", at)
        assert not isinstance(accounts.top_up(uow, party, "10000.00", at, "setup"), Refusal)
        assert not isinstance(accounts.buy(uow, party, tier, at, "setup"), Refusal)
        uow.commit()
    return partner


def history(engine: Engine, party: str) -> list[TokenEntry]:
    with SqlAlchemyUnitOfWork(engine) as uow:
        return uow.tokens.entries(party)


def expected_accept(engine: Engine, partner: Partner, container: str, at: datetime) -> str:
    """What the domain rules say an accept would do, on the whole ledger: '' or the reason."""
    party = partner.party_id
    with SqlAlchemyUnitOfWork(engine) as uow:
        sub = uow.tokens.active(party, at)
        entries = uow.tokens.entries(party)
    key = tokens.consumption_key(f"{container}:REL-{container}", "accept")
    result = tokens.consume(entries, sub, party, key, container, at)
    return result.reason if isinstance(result, Refusal) else ""


def accept(engine: Engine, partner: Partner, container: str, at: datetime) -> str:
    """Charge the accept of `container` in its own transaction, checked against the rules."""
    want = expected_accept(engine, partner, container, at)
    with Uow(engine) as uow:
        cmd = c.AcceptRight(container, f"REL-{container}")
        got = charge_token(uow, ContainerFile(container), cmd, partner, container, at)
        uow.commit()
    assert got == want
    return got


def revoke(engine: Engine, container: str, at: datetime) -> None:
    with Uow(engine) as uow:
        cmd = c.RevokeRelease(container, f"REL-{container}")
        assert charge_token(uow, ContainerFile(container), cmd, AGENT, "revoke", at) == ""
        uow.commit()


def left(engine: Engine, party: str, at: datetime) -> tokens.Balance:
    return balance(history(engine, party), at)


def consumptions(engine: Engine, party: str) -> list[TokenEntry]:
    return [e for e in history(engine, party) if e.kind is EntryKind.CONSUME]


# --- scenarios ------------------------------------------------------------------------------


def scenario_limited_balance_retry_refund(engine: Engine) -> None:
    partner = operator(engine, "medium")
    party, at = partner.party_id, T0 + timedelta(hours=1)
    for i in range(40):
        assert accept(engine, partner, f"C{i:04d}", at) == ""
    assert left(engine, party, at) == tokens.Balance(2000 - 40, 40, False)
    for i in range(0, 40, 4):  # retried accepts: charged already, nothing added
        assert accept(engine, partner, f"C{i:04d}", at) == ""
    assert len(consumptions(engine, party)) == 40
    for i in range(5):  # revoked: the token comes back, once
        revoke(engine, f"C{i:04d}", at)
        revoke(engine, f"C{i:04d}", at)
    assert left(engine, party, at) == tokens.Balance(2000 - 35, 35, False)
    assert accept(engine, partner, "C0000", at) == ""  # accepted again after the refund: charged
    assert left(engine, party, at) == tokens.Balance(2000 - 36, 36, False)
    assert len(consumptions(engine, party)) == 41


def scenario_last_token(engine: Engine) -> None:
    partner = operator(engine, "low")
    party, at = partner.party_id, T0 + timedelta(hours=1)
    for i in range(25):
        assert accept(engine, partner, f"L{i:04d}", at) == ""
    refused = accept(engine, partner, "L9999", at)
    assert refused.startswith(f"not enough tokens: {party} has used all 25 tokens")
    assert accept(engine, partner, "L0003", at) == ""  # a retry of a charged accept still passes
    revoke(engine, "L0003", at)
    assert accept(engine, partner, "L9999", at) == ""
    assert left(engine, party, at) == tokens.Balance(0, 25, False)


def scenario_unlimited(engine: Engine) -> None:
    partner = operator(engine, "high")
    party, at = partner.party_id, T0 + timedelta(hours=1)
    for i in range(30):
        assert accept(engine, partner, f"H{i:04d}", at) == ""
        assert accept(engine, partner, f"H{i:04d}", at) == ""
    charged = consumptions(engine, party)
    assert len(charged) == 30 and {e.tokens for e in charged} == {0}
    revoke(engine, "H0001", at)
    assert accept(engine, partner, "H0001", at) == ""
    assert len(consumptions(engine, party)) == 31
    assert left(engine, party, at) == tokens.Balance(None, 0, True)


def scenario_same_key_other_party(engine: Engine) -> None:
    first, second = operator(engine, "high"), operator(engine, "low")
    at = T0 + timedelta(hours=1)
    assert accept(engine, first, "SHARED0001", at) == ""
    assert accept(engine, second, "SHARED0001", at) == ""  # transferred on: charged again
    assert [e.tokens for e in consumptions(engine, first.party_id)] == [0]
    assert [e.tokens for e in consumptions(engine, second.party_id)] == [1]
    revoke(engine, "SHARED0001", at)  # both get theirs back
    assert left(engine, second.party_id, at) == tokens.Balance(25, 0, False)
    assert len([e for e in history(engine, first.party_id) if e.kind is EntryKind.REFUND]) == 1


def scenario_upgrade_and_period(engine: Engine) -> None:
    partner = operator(engine, "low")
    party = partner.party_id
    for i in range(3):
        assert accept(engine, partner, f"U{i:04d}", T0 + timedelta(hours=1)) == ""
    up = T0 + timedelta(days=10)
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert not isinstance(accounts.upgrade(uow, party, "high", up, "setup"), Refusal)
        uow.commit()
    # dated before the upgrade: still the Low tier (one token); after it: unlimited
    assert accept(engine, partner, "U0100", up - timedelta(hours=1)) == ""
    assert accept(engine, partner, "U0101", up + timedelta(hours=1)) == ""
    assert [e.tokens for e in consumptions(engine, party)] == [1, 1, 1, 1, 0]
    last = tokens.period_end(T0) - timedelta(seconds=1)
    assert accept(engine, partner, "U0102", last) == ""
    assert accept(engine, partner, "U0103", tokens.period_end(T0)).startswith("not enough tokens")
    with SqlAlchemyUnitOfWork(engine) as uow:
        accounts.expire_subscriptions(uow, tokens.period_end(T0), "test")
        uow.commit()
    before = history(engine, party)
    revoke(engine, "U0000", tokens.period_end(T0))  # expired: the token is gone, no refund
    assert history(engine, party) == before
    # an accept dated inside the period but after the expiry is recorded: refused too
    assert accept(engine, partner, "U0104", last).startswith("not enough tokens")


SCENARIOS = (
    scenario_limited_balance_retry_refund,
    scenario_last_token,
    scenario_unlimited,
    scenario_same_key_other_party,
    scenario_upgrade_and_period,
)


def check_views_match(engine: Engine, seed: int) -> None:
    """Random ledgers (out-of-order dates, refunds, upgrades, expiry): the database's view
    equals the domain's view of the whole history, for many keys and dates."""
    rng = random.Random(seed)
    partner = operator(engine, ["low", "medium", "high"][seed % 3])
    party = partner.party_id
    decoy = operator(engine, "low").party_id  # charged under the same keys
    keys = [tokens.consumption_key(f"K{i}:R", "accept") for i in range(12)]
    with SqlAlchemyUnitOfWork(engine) as uow:
        sub = uow.tokens.active(party, T0)
        assert sub is not None
        sid = sub.subscription_id
        for _ in range(60):
            at = T0 + timedelta(hours=rng.randint(0, 400 * 24))
            key = rng.choice(keys)
            entries = uow.tokens.entries(party)
            move = rng.random()
            if move < 0.6:
                result: Any = tokens.consume(
                    entries, uow.tokens.active(party, at), party, key, "x", at
                )
            elif move < 0.9:
                result = tokens.refund(entries, key, "x", at)
            elif move < 0.95:
                result = accounts.upgrade(uow, party, rng.choice(["medium", "high"]), at, "x")
                result = []
            else:
                result = tokens.expire(entries, sub, at)
            if isinstance(result, list):
                uow.tokens.add(result)
            other = uow.tokens.active(decoy, T0)
            decoy_entries = uow.tokens.entries(decoy)
            spent = tokens.consume(decoy_entries, other, decoy, key, "d", T0)
            if isinstance(spent, list):
                uow.tokens.add(spent)
        uow.tokens.add(tokens.expire(uow.tokens.entries(party), sub, tokens.period_end(T0)))
        store = uow.tokens
        assert isinstance(store, SqlTokens)
        entries = store.entries(party)
        for key in [*keys, "never:charged"]:
            for hours in (0, 24, 24 * 200, 24 * 364, 24 * 365, 24 * 366, 24 * 500):
                at = T0 + timedelta(hours=hours)
                for sub_id in (sid, None, "sub-other"):
                    want = tokens.charge_view(entries, sub_id, key, at)
                    assert store.charge_view(party, sub_id, key, at) == want, (key, at, sub_id)
                part = tokens.charge_view(store.charge_entries(party, sid, key), sid, key, at)
                full = tokens.charge_view(entries, sid, key, at)
                assert (part.charged, part.unlimited, part.expired) == (
                    full.charged,
                    full.unlimited,
                    full.expired,
                )
            refund_part = tokens.refund(store.refund_entries(party, key), key, "r", T0)
            assert refund_part == tokens.refund(entries, key, "r", T0)
        uow.rollback()


class Statements:
    """Counts the SQL statements run on an engine."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)
        self.engine = engine

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def statements_per_charge(engine: Engine, partner: Partner, prior: int) -> int:
    """SQL statements of one charge after `prior` earlier accepts (rows added directly)."""
    party = partner.party_id
    with SqlAlchemyUnitOfWork(engine) as uow:
        sub = uow.tokens.active(party, T0)
        assert sub is not None
        n = 0 if tokens.TIERS[sub.tier].allowance is None else 1
        sid = sub.subscription_id
        rows = [
            TokenEntry(EntryKind.CONSUME, party, sid, n, T0, "p", f"P{prior}-{i}:R:accept")
            for i in range(prior)
        ]
        uow.tokens.add(rows)
        uow.commit()
    container = f"S{prior:07d}"
    with Uow(engine) as uow:
        counter = Statements(engine)
        cmd = c.AcceptRight(container, "R")
        at = T0 + timedelta(hours=1)
        assert charge_token(uow, ContainerFile(container), cmd, partner, container, at) == ""
        counter.close()
        uow.commit()
    return counter.count


# --- the tests (SQLite) ---------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_charge_scenarios(engine: Engine, scenario: Any) -> None:
    scenario(engine)


@pytest.mark.parametrize("seed", range(6))
def test_database_view_equals_the_rules_on_the_whole_history(engine: Engine, seed: int) -> None:
    check_views_match(engine, seed)


@pytest.mark.parametrize("tier", ["low", "medium", "high"])
def test_statements_per_charge_do_not_grow_with_history(engine: Engine, tier: str) -> None:
    partner = operator(engine, tier)
    counts = {statements_per_charge(engine, partner, prior) for prior in (0, 5, 15)}
    assert len(counts) == 1 and counts.pop() <= 6  # with the partner table, read once a batch


def test_charge_view_without_subscription_sees_only_the_key() -> None:
    entry = TokenEntry(EntryKind.CONSUME, "P", "s1", 1, T0, "c", "k")
    assert tokens.charge_view([entry], None, "k", T0) == tokens.ChargeView(True)
    assert tokens.charge_view([entry], None, "other", T0) == tokens.ChargeView(False)


def test_an_expiry_is_recorded_once_and_later_runs_read_no_history(engine: Engine) -> None:
    partner = operator(engine, "low")
    party = partner.party_id
    assert accept(engine, partner, "E0001", T0 + timedelta(hours=1)) == ""
    end = tokens.period_end(T0)
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert accounts.expire_subscriptions(uow, end - timedelta(seconds=1), "test") == []
        done = accounts.expire_subscriptions(uow, end, "test")
        uow.commit()
    assert [(e.kind, e.tokens) for e in done] == [(EntryKind.EXPIRE, 24)]
    for later in (end, end + timedelta(days=30)):
        with Uow(engine) as uow:  # `entries` would raise: the expiry is found by the view
            assert accounts.expire_subscriptions(uow, later, "test") == []
            uow.commit()
    assert [e.kind for e in history(engine, party)].count(EntryKind.EXPIRE) == 1
    assert left(engine, party, end) == tokens.Balance(0, 1, False)
