"""The worker's batch on real PostgreSQL, where an error aborts the whole transaction: a row the
database refuses at commit (one executemany for the batch) still quarantines only the message
that made it, and the others are applied with their outbox rows."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.entrypoints.partners_file import load_partners_file
from hub.ledger import audit
from hub.ledger.tables import inbox, outbox
from hub.service_layer import outbound
from hub.service_layer import pipeline as pipeline_module
from hub.service_layer.ports import Outgoing
from hub.service_layer.subscriptions import buy, top_up
from tests.conftest import PG_ADMIN, SAMPLES, _psql
from tests.unit.service.conftest import STORY

pytestmark = pytest.mark.integration


def _hub(pg_url: str) -> Iterator[tuple[Hub, InProcessTransport]]:
    name = f"hub_batch_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    transport = InProcessTransport()
    hub = build(Settings(database_url=url), transport=transport)
    try:
        with hub.uow() as uow:
            for partner in load_partners_file(SAMPLES / "partners.yaml"):
                uow.partners.save(partner)
            uow.wallets.pair("TRUCKCO", "W-1", hub.clock())
            top_up(uow, "TRUCKCO", "500.00", hub.clock(), cause="test")
            buy(uow, "TRUCKCO", "low", hub.clock(), cause="test")
            uow.commit()
        yield hub, transport
    finally:
        hub.close()
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture()
def good(pg_url: str) -> Iterator[tuple[Hub, InProcessTransport]]:
    yield from _hub(pg_url)


@pytest.fixture()
def faulty(pg_url: str) -> Iterator[tuple[Hub, InProcessTransport]]:
    yield from _hub(pg_url)


def _effects(hub: Hub, transport: InProcessTransport) -> tuple[int, int, list[tuple[str, str]]]:
    with hub.db.connect() as conn:
        rows = int(conn.scalar(select(func.count()).select_from(outbox)) or 0)
        seen = int(conn.scalar(select(func.count()).select_from(inbox)) or 0)
        assert audit.verify(conn) == []
    return rows, seen, sorted((m.routing_key, m.message_type) for m in transport.log)


def _too_long_for(key: str, real: Callable[..., list[Outgoing]]) -> Callable[..., object]:
    def acknowledgement(unit: Any, *args: Any) -> list[Outgoing]:
        messages = real(unit, *args)
        if unit.dedup_key == key:  # routing_key is VARCHAR(128): PostgreSQL refuses this row
            return [replace(m, routing_key="x" * 200) for m in messages]
        return messages

    return acknowledgement


def test_a_refused_row_quarantines_its_message_alone(
    good: tuple[Hub, InProcessTransport],
    faulty: tuple[Hub, InProcessTransport],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub, transport = good
    for name, user in STORY:
        if name != "demo/05_customs.xml":
            transport.put((SAMPLES / name).read_bytes(), user, name)
    hub.worker.drain()
    expected = _effects(hub, transport)

    hub, transport = faulty
    monkeypatch.setattr(
        pipeline_module.outbound,
        "acknowledgement",
        _too_long_for("xml:CUS-0001", outbound.acknowledgement),
    )
    for name, user in STORY:
        transport.put((SAMPLES / name).read_bytes(), user, name)
    hub.worker.drain()
    with hub.uow() as uow:
        held = uow.quarantine.list("held")
    assert len(held) == 1 and held[0].kind == "unstorable"
    assert "value too long for type character varying(128)" in held[0].reason
    assert held[0].payload == (SAMPLES / "demo/05_customs.xml").read_bytes()
    assert hub.worker.stats.applied == len(STORY) - 1 and hub.worker.stats.rejected == 1
    assert _effects(hub, transport) == expected
    assert not transport.unacked


def test_a_key_another_process_takes_after_the_batch_looked_is_refused_at_commit(
    good: tuple[Hub, InProcessTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.errors import ConcurrencyConflict
    from hub.ledger.repositories import SqlInbox

    hub, transport = good
    real = SqlInbox.preload

    def preload_then_race(self: SqlInbox, keys: Any) -> None:
        real(self, keys)  # finds nothing; then another process commits the same message
        with hub.db.engine.begin() as conn:
            for sender, key in keys:
                conn.execute(
                    inbox.insert().values(
                        sender=sender,
                        dedup_key=key,
                        outcome="applied",
                        payload_sha256="0" * 64,
                        received_at=hub.clock(),
                    )
                )

    transport.put((SAMPLES / "demo/01_release.edi").read_bytes(), "mscbe", "release")
    batch = transport.fetch(10, 0.0)
    with monkeypatch.context() as patched:
        patched.setattr(SqlInbox, "preload", preload_then_race)
        with pytest.raises(ConcurrencyConflict):
            hub.worker.process(batch)
    hub.worker.process(batch)  # the retry sees the other process's row
    assert hub.worker.stats.duplicates == 1 and hub.worker.stats.applied == 0
    with hub.uow() as uow:
        assert uow.quarantine.list() == []
        assert uow.files.get("MSCU1234566").right is None
    with hub.db.connect() as conn:
        assert int(conn.scalar(select(func.count()).select_from(outbox)) or 0) == 0
