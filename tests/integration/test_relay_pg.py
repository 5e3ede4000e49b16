"""The outbox relay on real PostgreSQL: only the relay's own mark-sent transaction commits
without waiting for the WAL flush; a business transaction keeps waiting for it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text

from hub.adapters.inprocess import InProcessTransport
from hub.ledger.db import make_engine, upgrade
from hub.ledger.tables import outbox
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.service_layer.ports import Outgoing
from hub.service_layer.relay import relay_all

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture()
def engine(own_pg_url: str) -> Iterator[Engine]:
    eng = make_engine(own_pg_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def _message(n: int) -> Outgoing:
    return Outgoing("hub.gate", "PSAT", f"<m n='{n}'/>".encode(), "application/xml", "Gate")


def _synchronous_commit(uow: SqlAlchemyUnitOfWork) -> str:
    assert uow.conn is not None
    return str(uow.conn.scalar(text("SHOW synchronous_commit")))


def test_only_the_mark_sent_transaction_skips_the_wal_wait(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.outbox.add(_message(1), NOW)
        uow.flush()
        assert _synchronous_commit(uow) == "on"  # a business transaction: durable commit
        uow.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        claimed = uow.outbox.claim(10)
        uow.outbox.mark_sent([m.id for m in claimed if m.id is not None], NOW)
        assert _synchronous_commit(uow) == "off"
        uow.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert _synchronous_commit(uow) == "on", "SET LOCAL ends with the relay's transaction"
        assert uow.conn is not None
        assert uow.conn.scalar(select(outbox.c.sent_at)) is not None


def test_relay_all_publishes_everything_and_stops_after_a_short_claim(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        for n in range(7):
            uow.outbox.add(_message(n), NOW)
        uow.commit()
    transport = InProcessTransport()
    claims: list[int] = []

    class Counting(SqlAlchemyUnitOfWork):
        def __enter__(self) -> SqlAlchemyUnitOfWork:
            entered = super().__enter__()
            claim = entered.outbox.claim

            def counted(limit: int) -> list[Outgoing]:
                got = claim(limit)
                claims.append(len(got))
                return got

            entered.outbox.claim = counted  # type: ignore[method-assign]
            return entered

    assert relay_all(lambda: Counting(engine), transport, lambda: NOW, limit=3) == 7
    assert claims == [3, 3, 1], "a claim that came back short is not followed by another"
    assert [m.body for m in transport.on("hub.gate", "PSAT")] == [
        _message(n).body for n in range(7)
    ]
