"""The outbox relay on real PostgreSQL: only the relay's own claim transaction commits without
waiting for the WAL flush; a business transaction keeps waiting for it. A claim that is not
committed (the broker did not confirm) leaves the rows unsent; two relays never share a row."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text

from hub.adapters.inprocess import InProcessTransport
from hub.adapters.retry import Backoff
from hub.errors import BrokerUnavailable
from hub.ledger.db import make_engine, upgrade
from hub.ledger.tables import outbox
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.runtime.relay import BackgroundRelay, relay_all
from hub.service_layer.ports import Outgoing

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


class FlakyTransport(InProcessTransport):
    """Refuses the first `failures` publishes as a lost broker would; counts reconnects and the
    passes that serviced the connection."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.failures, self.reconnects, self.serviced = failures, 0, 0

    def service(self, timeout: float = 0.0) -> None:
        self.serviced += 1

    def publish(self, messages: Sequence[Outgoing]) -> None:
        if self.failures:
            self.failures -= 1
            raise BrokerUnavailable("lost RabbitMQ while publishing (test)")
        super().publish(messages)

    def connect(self) -> None:
        self.reconnects += 1


def _commit(engine: Engine, *numbers: int) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        for n in numbers:
            uow.outbox.add(_message(n), NOW)
        uow.commit()


def _unsent(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(outbox.c.id).where(outbox.c.sent_at.is_(None))).all())


def _wait(predicate: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_background_relay_publishes_on_a_nudge_and_on_stop(engine: Engine) -> None:
    transport = FlakyTransport()
    relay = BackgroundRelay(
        lambda: SqlAlchemyUnitOfWork(engine), transport, lambda: NOW, idle=30.0, backoff=Backoff()
    )
    relay.start()
    try:
        assert relay.running
        _commit(engine, 1, 2)
        relay.nudge()  # idle is 30 s: only the nudge can make this quick
        assert _wait(lambda: len(transport.on("hub.gate", "PSAT")) == 2), "nudge not heeded"
        _commit(engine, 3)
    finally:
        relay.stop()  # one last pass publishes what the last batch committed
    assert not relay.running
    assert [m.body for m in transport.on("hub.gate", "PSAT")] == [
        _message(n).body for n in (1, 2, 3)
    ]
    assert relay.published == 3 and _unsent(engine) == 0
    assert transport.serviced >= 2, "every pass services the connection (heartbeats)"


def test_the_background_relay_rides_out_a_broker_outage(engine: Engine) -> None:
    transport = FlakyTransport(failures=2)
    relay = BackgroundRelay(
        lambda: SqlAlchemyUnitOfWork(engine),
        transport,
        lambda: NOW,
        idle=0.05,
        backoff=Backoff(),
    )
    _commit(engine, 1, 2, 3)
    relay.start()
    try:
        assert _wait(lambda: relay.published == 3, 15.0), "the relay did not recover"
    finally:
        relay.stop()
    assert transport.reconnects == 2, "it reconnects after each refused publish"
    assert [m.body for m in transport.on("hub.gate", "PSAT")] == [
        _message(n).body for n in (1, 2, 3)
    ], "refused publishes leave the rows unsent, so each message goes out once, in order"
    assert _unsent(engine) == 0
