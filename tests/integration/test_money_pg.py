"""Token accounting on real PostgreSQL: two workers accepting for the same operator with one
token left → exactly one succeeds (`Tokens.lock` takes a row lock on its subscriptions)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from hub.domain import commands as c
from hub.domain import tokens
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner, Role, Status
from hub.domain.refusals import Refusal
from hub.domain.tokens import EntryKind, balance
from hub.ledger.db import make_engine, upgrade
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.service_layer import accounts
from hub.service_layer.tokens import charge_token

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
HOLD = 0.3
"""How long the winner keeps its transaction open, so that the other worker must wait."""


@pytest.fixture()
def engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url, pool_size=4)
    upgrade(eng)
    yield eng
    eng.dispose()


def operator_with_one_token(engine: Engine) -> Partner:
    """A fresh active transport operator with a Low subscription and 24 of 25 tokens used."""
    party = f"TO{uuid.uuid4().hex[:10].upper()}"
    roles = frozenset({Role.TRANSPORT_OPERATOR})
    partner = Partner(party, "PG Trucking", country="BE", status=Status.ACTIVE, roles=roles)
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.partners.save(partner)
        uow.wallets.pair(party, f"W-{party}", NOW)
        assert not isinstance(accounts.top_up(uow, party, "151.25", NOW, "setup"), Refusal)
        assert not isinstance(accounts.buy(uow, party, "low", NOW, "setup"), Refusal)
        for i in range(24):
            sub = uow.tokens.active(party, NOW)
            used = tokens.consume(uow.tokens.entries(party), sub, party, f"k{i}", "setup", NOW)
            assert not isinstance(used, Refusal)
            uow.tokens.add(used)
        uow.commit()
    return partner


def accept(engine: Engine, partner: Partner, container: str, start: threading.Barrier) -> str:
    """One worker: charge the accept of `container`; hold the transaction open if it succeeds."""
    with SqlAlchemyUnitOfWork(engine) as uow:
        start.wait()
        cmd = c.AcceptRight(container, f"REL-{container}")
        reason = charge_token(uow, ContainerFile(container), cmd, partner, container, NOW)
        if not reason:
            time.sleep(HOLD)
            uow.commit()
    return reason or "charged"


def race(engine: Engine, partner: Partner) -> dict[str, float]:
    """Two workers at once: each outcome and the seconds it took."""
    start = threading.Barrier(2)
    began = time.perf_counter()
    results: dict[str, float] = {}

    def worker(container: str) -> None:
        outcome = accept(engine, partner, container, start)
        results[outcome.split(":")[0]] = time.perf_counter() - began

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("MSCU1234566", "FCIU9908030")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_workers_with_one_token_left_exactly_one_succeeds(engine: Engine, round_: int) -> None:
    partner = operator_with_one_token(engine)
    took = race(engine, partner)
    assert sorted(took) == ["charged", "not enough tokens"]
    assert took["not enough tokens"] >= HOLD * 0.9  # the loser waited for the winner's commit
    with SqlAlchemyUnitOfWork(engine) as uow:
        entries = uow.tokens.entries(partner.party_id)
    assert sum(e.kind is EntryKind.CONSUME for e in entries) == 25
    assert balance(entries, NOW).remaining == 0


def buy_at_once(engine: Engine, party: str, tiers: tuple[str, str]) -> list[str]:
    """Two workers buy for `party` at the same moment; each holds its transaction a while."""
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(tier: str) -> None:
        with SqlAlchemyUnitOfWork(engine) as uow:
            start.wait()
            result = accounts.buy(uow, party, tier, NOW, f"race {tier}")
            if not isinstance(result, Refusal):
                time.sleep(HOLD)
                uow.commit()
        outcomes.append(result.code if isinstance(result, Refusal) else result.entry.kind.value)

    threads = [threading.Thread(target=worker, args=(t,)) for t in tiers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.parametrize("round_", range(2))
def test_two_purchases_at_once_never_open_two_subscriptions(engine: Engine, round_: int) -> None:
    """Issue 19: one active subscription per operator, even when two purchases race (the
    wallet row is locked before the active subscription is read)."""
    party = f"TO{uuid.uuid4().hex[:10].upper()}"
    roles = frozenset({Role.TRANSPORT_OPERATOR})
    partner = Partner(party, "PG Trucking", country="BE", status=Status.ACTIVE, roles=roles)
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.partners.save(partner)
        uow.wallets.pair(party, f"W-{party}", NOW)
        assert not isinstance(accounts.top_up(uow, party, "1000.00", NOW, "setup"), Refusal)
        uow.commit()
    assert buy_at_once(engine, party, ("low", "low")) == ["grant", "subscription-active"]
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert len(uow.tokens.subscriptions(party)) == 1
        assert [m.amount for m in uow.wallets.movements(party)][1:] == [Decimal("151.25")]
