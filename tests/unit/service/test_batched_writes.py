"""Outbox and inbox rows are collected in the unit of work and written together; the worker
keeps its guarantees while batching (a failing message is rolled back alone and quarantined)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.ledger import audit
from hub.ledger.tables import bl_links, inbox, outbox
from hub.runtime import worker as worker_module
from hub.service_layer import pipeline as pipeline_module
from hub.service_layer.ports import AuditEntry, Delivery, Outgoing, UnitOfWork
from tests.unit.service.conftest import SAMPLES, STORY

pytestmark = pytest.mark.sql_only  # the write-behind repositories' statements are what it tests

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _count(hub: Hub, table: object) -> int:
    with hub.db.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def _rows(uow: UnitOfWork, table: object) -> int:
    conn = uow.connection  # type: ignore[attr-defined]
    return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def _message(n: int) -> Outgoing:
    return Outgoing("hub.partner", "MSCBE", f"body {n}".encode(), "application/xml", "ack")


def test_rows_wait_for_commit_and_are_written_together(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        uow.outbox.add(_message(1), AT)
        uow.outbox.add(_message(2), AT)
        uow.inbox.record("MSCBE", "K1", "applied", "0" * 64, AT)
        assert _rows(uow, outbox) == 0 and _rows(uow, inbox) == 0  # not even in the transaction
        assert uow.inbox.seen("MSCBE", "K1")  # a pending row counts for deduplication
        assert not uow.inbox.seen("MSCBE", "K2")
        uow.commit()
    assert _count(hub, outbox) == 2 and _count(hub, inbox) == 1
    with hub.uow() as uow:
        assert uow.inbox.seen("MSCBE", "K1")


def test_a_unit_of_work_left_without_commit_writes_nothing(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        uow.outbox.add(_message(1), AT)
        uow.inbox.record("MSCBE", "K1", "applied", "0" * 64, AT)
    assert _count(hub, outbox) == 0 and _count(hub, inbox) == 0


def test_a_rolled_back_savepoint_drops_its_pending_rows_only(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        uow.outbox.add(_message(1), AT)
        uow.inbox.record("MSCBE", "KEEP", "applied", "0" * 64, AT)
        uow.audit.append(AuditEntry(AT, "MSCBE", "kept"))
        with pytest.raises(RuntimeError), uow.savepoint():
            uow.outbox.add(_message(2), AT)
            uow.outbox.add(_message(3), AT)
            uow.inbox.record("MSCBE", "DROP", "applied", "0" * 64, AT)
            uow.audit.append(AuditEntry(AT, "MSCBE", "dropped"))
            raise RuntimeError("boom")
        assert not uow.inbox.seen("MSCBE", "DROP")
        assert uow.inbox.seen("MSCBE", "KEEP")
        with uow.savepoint():
            uow.outbox.add(_message(4), AT)
        uow.commit()
    with hub.db.connect() as conn:
        bodies = sorted(bytes(b) for b in conn.scalars(select(outbox.c.body)))
        keys = list(conn.scalars(select(inbox.c.dedup_key)))
        actions = list(conn.scalars(select(audit.audit.c.action)))
    assert bodies == [b"body 1", b"body 4"]
    assert keys == ["KEEP"]
    assert actions == ["kept"]


def test_a_savepoint_writes_its_rows_but_leaves_the_audit_chain_to_the_commit(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    """The chain's head is the one lock every hub process shares: taking it when the first
    savepoint of a batch ended held it through the rest of the batch (the waiting room's
    re-tries included) and wrote the chain once per savepoint. Audit entries cannot fail on
    what a message carries (they are cleaned when appended), so they wait for the commit."""
    hub, _ = embedded
    with hub.uow() as uow:
        with uow.savepoint():
            uow.outbox.add(_message(1), AT)
            uow.audit.append(AuditEntry(AT, "MSCBE", "inside"))
        assert _rows(uow, outbox) == 1, "a refused row must be refused inside its savepoint"
        assert _rows(uow, audit.audit) == 0
        with pytest.raises(RuntimeError), uow.savepoint():
            uow.audit.append(AuditEntry(AT, "MSCBE", "undone"))
            raise RuntimeError("boom")
        uow.commit()
    with hub.db.connect() as conn:
        actions = list(conn.scalars(select(audit.audit.c.action).order_by(audit.audit.c.seq)))
    assert actions == ["inside"]


def _story_batch(transport: InProcessTransport) -> list[Delivery]:
    for name, user in STORY:
        transport.put((SAMPLES / name).read_bytes(), user, name)
    return transport.fetch(100, 0.0)


def _failing_on(name: str, real: Callable[..., object]) -> Callable[..., object]:
    """`handle_inbound` that does all its work for `name`, then fails unexpectedly."""

    def handle(delivery: Delivery, uow: UnitOfWork, hub: object, **kw: Any) -> object:
        outcome = real(delivery, uow, hub, **kw)
        if delivery.message_id == name:
            raise RuntimeError("a defect")
        return outcome

    return handle


def test_a_message_failing_mid_batch_is_quarantined_alone(
    embedded: tuple[Hub, InProcessTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    hub, transport = embedded
    reference = _count_effects_of_story_without(hub, transport, monkeypatch)
    failing = _failing_on("demo/05_customs.xml", worker_module.handle_inbound)
    monkeypatch.setattr(worker_module, "handle_inbound", failing)  # one by one
    monkeypatch.setattr(pipeline_module, "handle_inbound", failing)  # the batch together
    batch = _story_batch(transport)
    hub.worker.process(batch)
    transport.ack(batch)
    hub.worker.drain()
    with hub.uow() as uow:
        held = uow.quarantine.list("held")
    assert [h.reason for h in held] == ["internal error: RuntimeError: a defect"]
    assert held[0].payload == (SAMPLES / "demo/05_customs.xml").read_bytes()
    assert hub.worker.stats.rejected == 1 and hub.worker.stats.applied == len(STORY) - 1
    # every other message applied, with its outbox rows, and only those
    assert reference == (
        _count(hub, outbox),
        _count(hub, inbox),
        sorted((m.exchange, m.routing_key, m.message_type) for m in transport.log),
    )
    with hub.db.connect() as conn:
        assert audit.verify(conn) == []


def _count_effects_of_story_without(
    hub: Hub, transport: InProcessTransport, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int, list[tuple[str, str, str]]]:
    """What the story does without the customs message, on a copy of the hub's database."""
    from hub.bootstrap import build
    from hub.config import Settings

    path = str(hub.db.engine.url.database)
    copy = path + ".copy"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    other_transport = InProcessTransport()
    other = build(
        Settings(database_url=f"sqlite:///{copy}"), transport=other_transport, clock=hub.clock
    )
    try:
        for name, user in STORY:
            if name != "demo/05_customs.xml":
                other_transport.put((SAMPLES / name).read_bytes(), user, name)
        other.worker.drain()
        return (
            _count(other, outbox),
            _count(other, inbox),
            sorted((m.exchange, m.routing_key, m.message_type) for m in other_transport.log),
        )
    finally:
        other.close()


def test_a_transient_fault_rolls_the_whole_batch_back(
    embedded: tuple[Hub, InProcessTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.errors import DatabaseUnavailable

    hub, transport = embedded
    real = worker_module.handle_inbound

    def handle(delivery: Delivery, uow: UnitOfWork, ctx: object, **kw: Any) -> object:
        outcome = real(delivery, uow, ctx, **kw)
        if delivery.message_id == "demo/05_customs.xml":
            raise DatabaseUnavailable("gone")
        return outcome

    monkeypatch.setattr(worker_module, "handle_inbound", handle)
    monkeypatch.setattr(pipeline_module, "handle_inbound", handle)
    batch = _story_batch(transport)
    with pytest.raises(DatabaseUnavailable):
        hub.worker.process(batch)
    assert _count(hub, outbox) == 0 and _count(hub, inbox) == 0
    with hub.uow() as uow:
        assert uow.quarantine.list() == []


def _refused_row_for(name: str, real: Callable[..., list[Outgoing]]) -> Callable[..., object]:
    """`outbound.acknowledgement` that gives `name`'s message a row the database refuses."""

    def acknowledgement(unit: Any, *args: Any) -> list[Outgoing]:
        messages = real(unit, *args)
        if unit.dedup_key == name:
            return [replace(m, routing_key=None) for m in messages]  # NOT NULL
        return messages

    return acknowledgement


def test_a_row_the_database_refuses_at_commit_quarantines_only_its_message(
    embedded: tuple[Hub, InProcessTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.service_layer import outbound

    hub, transport = embedded
    reference = _count_effects_of_story_without(hub, transport, monkeypatch)
    bad = "xml:CUS-0001"
    monkeypatch.setattr(
        pipeline_module.outbound,
        "acknowledgement",
        _refused_row_for(bad, outbound.acknowledgement),
    )
    batch = _story_batch(transport)
    assert "CUS-0001" in (SAMPLES / "demo/05_customs.xml").read_text()
    hub.worker.process(batch)
    transport.ack(batch)
    hub.worker.drain()
    with hub.uow() as uow:
        held = uow.quarantine.list("held")
    # a value the database refuses is a permanent problem of that message (`Unstorable`)
    assert len(held) == 1 and held[0].kind == "unstorable" and "NOT NULL" in held[0].reason
    assert held[0].payload == (SAMPLES / "demo/05_customs.xml").read_bytes()
    assert reference == (
        _count(hub, outbox),
        _count(hub, inbox),
        sorted((m.exchange, m.routing_key, m.message_type) for m in transport.log),
    )
    with hub.db.connect() as conn:
        assert audit.verify(conn) == []


def test_a_clean_batch_runs_without_savepoints(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(hub.db.engine, "before_cursor_execute", seen)
    try:
        batch = _story_batch(transport)
        hub.worker.process(batch)
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", seen)
    assert hub.worker.stats.applied == len(STORY)
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]
    inserts = [
        s for s in statements if s.upper().startswith(("INSERT INTO OUTBOX", "INSERT INTO INBOX"))
    ]
    assert len(inserts) == 2  # one executemany each for the whole batch


def test_events_use_the_files_just_saved_and_say_the_same(
    embedded: tuple[Hub, InProcessTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notifications built from the saved files equal those built by reading them again."""
    hub, transport = embedded
    with monkeypatch.context() as patched:
        patched.setattr(pipeline_module, "saved_files", lambda executions: {})
        reference = _run_story_on_copy(hub)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(hub.db.engine, "before_cursor_execute", seen)
    try:
        batch = _story_batch(transport)
        hub.worker.process(batch)
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", seen)
    hub.worker.drain()
    assert _log(transport) == reference
    assert any(m[2] == "LightChanged" or m[1] == "TRUCKCO" for m in reference)
    reads = [s for s in statements if s.startswith("SELECT CONTAINER_FILES.")]
    writes = [
        s
        for s in statements
        if s.startswith(("UPDATE CONTAINER_FILES", "INSERT INTO CONTAINER_FILES"))
    ]
    # the batch's files are locked by one read, none again for commands or events, and
    # written by one statement per kind at commit
    assert len(reads) == 1 and "ORDER BY CONTAINER_FILES.CONTAINER" in reads[0]
    assert 1 <= len(writes) <= 2
    links = [s for s in statements if s.startswith("INSERT INTO BL_LINKS")]
    with hub.uow() as uow:
        bills = uow.files.get("MSCU1234566").bills_of_lading()
        assert bills and all("MSCU1234566" in uow.files.containers_for_bl(bl) for bl in bills)
    # each link inserted once, when a command gave the file that B/L, not on every command
    assert links and len(links) == _count(hub, bl_links)


def _log(transport: InProcessTransport) -> list[tuple[str, str, str, str]]:
    return [(m.exchange, m.routing_key, m.message_type, m.container) for m in transport.log]


def _run_story_on_copy(hub: Hub) -> list[tuple[str, str, str, str]]:
    from hub.bootstrap import build
    from hub.config import Settings

    path = str(hub.db.engine.url.database)
    copy = path + ".story"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    other_transport = InProcessTransport()
    other = build(
        Settings(database_url=f"sqlite:///{copy}"), transport=other_transport, clock=hub.clock
    )
    try:
        batch = _story_batch(other_transport)
        other.worker.process(batch)
        other.worker.drain()
        return _log(other_transport)
    finally:
        other.close()


def test_a_batch_asks_the_inbox_once_and_still_drops_every_duplicate(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    release = (SAMPLES / "demo/01_release.edi").read_bytes()
    transport.put(release, "mscbe", "first")
    hub.worker.drain()
    published = len(transport.log)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    accept = (SAMPLES / "demo/02_accept.xml").read_bytes()
    transport.put(release, "mscbe", "again")  # already in the inbox
    transport.put(accept, "fwdant", "accept")
    transport.put(accept, "fwdant", "accept again")  # a duplicate within the batch
    event.listen(hub.db.engine, "before_cursor_execute", seen)
    try:
        batch = transport.fetch(100, 0.0)
        hub.worker.process(batch)
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", seen)
    assert hub.worker.stats.duplicates == 2 and hub.worker.stats.applied == 2
    assert len([s for s in statements if s.startswith("SELECT INBOX.")]) == 1
    assert _count(hub, inbox) == 2
    transport.ack(batch)
    hub.worker.drain()
    fwdant_acks = [m for m in transport.log[published:] if m.routing_key == "FWDANT"]
    acks = [m.headers.get("x-hub-repeat", False) for m in fwdant_acks if m.message_type == "ack"]
    assert acks == [False, True], "one answer, and the same again for the resend"


def test_a_resend_in_the_same_batch_is_a_duplicate_on_the_one_by_one_path_too(
    embedded: tuple[Hub, InProcessTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback path flushes inbox rows after each message's savepoint; a partner's resend
    later in the same batch must still be seen as a duplicate, not applied again (which the
    unique key would refuse, taking the whole batch down with it)."""
    hub, transport = embedded
    failing = _failing_on("demo/05_customs.xml", worker_module.handle_inbound)
    monkeypatch.setattr(worker_module, "handle_inbound", failing)
    monkeypatch.setattr(pipeline_module, "handle_inbound", failing)
    for name, user in STORY:
        transport.put((SAMPLES / name).read_bytes(), user, name)
    release, user = STORY[0]
    transport.put((SAMPLES / release).read_bytes(), user, "resent release")
    batch = transport.fetch(100, 0.0)
    hub.worker.process(batch)  # falls back to one by one: the customs message fails
    transport.ack(batch)
    assert hub.worker.stats.duplicates == 1
    assert hub.worker.stats.applied == len(STORY) - 1 and hub.worker.stats.rejected == 1
    with hub.db.connect() as conn:
        assert audit.verify(conn) == []
