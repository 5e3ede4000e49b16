"""The outbox relay on real PostgreSQL: only the relay's own claim transaction commits without
waiting for the WAL flush; a business transaction keeps waiting for it. A claim that is not
committed (the broker did not confirm) leaves the rows unsent; two relays never share a row."""

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


def test_only_the_claim_transaction_skips_the_wal_wait(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        uow.outbox.add(_message(1), NOW)
        uow.flush()
        assert _synchronous_commit(uow) == "on"  # a business transaction: durable commit
        uow.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        claimed = uow.outbox.claim(10, NOW)
        assert [m.body for m in claimed] == [_message(1).body]
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

            def counted(limit: int, at: datetime) -> list[Outgoing]:
                got = claim(limit, at)
                claims.append(len(got))
                return got

            entered.outbox.claim = counted  # type: ignore[method-assign]
            return entered

    assert relay_all(lambda: Counting(engine), transport, lambda: NOW, limit=3) == 7
    assert claims == [3, 3, 1], "a claim that came back short is not followed by another"
    assert [m.body for m in transport.on("hub.gate", "PSAT")] == [
        _message(n).body for n in range(7)
    ]


def test_an_uncommitted_claim_leaves_the_rows_unsent_and_two_relays_share_none(
    engine: Engine,
) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        for n in range(6):
            uow.outbox.add(_message(n), NOW)
        uow.commit()
    with SqlAlchemyUnitOfWork(engine) as first, SqlAlchemyUnitOfWork(engine) as second:
        a = first.outbox.claim(4, NOW)
        b = second.outbox.claim(4, NOW)  # skips the rows the first relay holds
        assert [m.body for m in a] == [_message(n).body for n in range(4)]
        assert [m.body for m in b] == [_message(n).body for n in (4, 5)]
        # neither commits: as when the broker refused or the connection dropped
    with SqlAlchemyUnitOfWork(engine) as uow:
        again = uow.outbox.claim(10, NOW)
        assert len(again) == 6, "a claim rolled back leaves every row to be published"
