"""Container files kept by the unit of work: read once, written together at commit, and undone
with the savepoint (or transaction) that changed them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain.model import ContainerFile
from hub.ledger.tables import container_files
from hub.service_layer import pipeline as pipeline_module
from tests.unit.service.conftest import SAMPLES, STORY

pytestmark = pytest.mark.sql_only  # the write-behind repositories' statements are what it tests

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BOX = "MSCU1234566"


def _stored(hub: Hub, container: str) -> tuple[dict[str, Any], int] | None:
    with hub.db.connect() as conn:
        row = conn.execute(
            select(container_files.c.doc, container_files.c.version).where(
                container_files.c.container == container
            )
        ).first()
    return None if row is None else (row.doc, row.version)


def _file(container: str, terminal: str) -> ContainerFile:
    file = ContainerFile(container)
    file.terminal = terminal
    return file


def _statements(hub: Hub) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()).upper())

    event.listen(hub.db.engine, "before_cursor_execute", record)
    return seen


def test_saves_wait_for_commit_and_later_gets_come_from_memory(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    statements = _statements(hub)
    with hub.uow() as uow:
        uow.files.preload([BOX, "MEDU1234567"])
        file = uow.files.get(BOX)
        assert file.version == 0
        uow.files.save(_file(BOX, "PSAT"))
        again = uow.files.get(BOX)
        assert again.terminal == "PSAT" and again.version == 1
        assert again is not file
        again.terminal = "UNSAVED"  # a change nobody saved is not seen by the next reader
        assert uow.files.get(BOX).terminal == "PSAT"
        assert not [s for s in statements if "CONTAINER_FILES" in s and "SELECT" not in s]
        changed = uow.files.get(BOX)
        changed.terminal = "MPET"
        uow.files.save(changed)
        uow.commit()
    reads = [s for s in statements if s.startswith("SELECT CONTAINER_FILES.")]
    writes = [s for s in statements if "CONTAINER_FILES" in s and not s.startswith("SELECT")]
    assert len(reads) == 1  # the preload; every get afterwards came from memory
    assert len(writes) == 1 and writes[0].startswith("INSERT")  # the last state, once
    stored = _stored(hub, BOX)
    assert stored is not None and stored[0]["terminal"] == "MPET" and stored[1] == 2


def test_a_rolled_back_savepoint_takes_its_file_changes_with_it(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        uow.files.save(_file(BOX, "PSAT"))
        uow.commit()
    with hub.uow() as uow:
        kept = uow.files.get(BOX)
        kept.terminal = "KEPT"
        with uow.savepoint():
            uow.files.save(kept)
        with pytest.raises(RuntimeError), uow.savepoint():
            undone = uow.files.get(BOX)
            undone.terminal = "UNDONE"
            uow.files.save(undone)
            uow.files.save(_file("MEDU1234567", "UNDONE"))
            raise RuntimeError("this message fails")
        after = uow.files.get(BOX)
        assert after.terminal == "KEPT" and after.version == 2
        assert uow.files.get("MEDU1234567").version == 0  # the new file is gone too
        after.terminal = "LAST"
        uow.files.save(after)  # an UPDATE again: the row was written by the first savepoint
        uow.commit()
    stored = _stored(hub, BOX)
    assert stored is not None and stored[0]["terminal"] == "LAST" and stored[1] == 3
    assert _stored(hub, "MEDU1234567") is None


def test_a_transaction_left_without_commit_forgets_its_files(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        uow.files.save(_file(BOX, "PSAT"))
        uow.rollback()
        assert uow.files.get(BOX).version == 0
    assert _stored(hub, BOX) is None


def test_a_message_failing_after_its_save_is_undone_alone_in_the_fallback(
    embedded: tuple[Hub, InProcessTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole batch runs again message by message; the failing message's file change is
    neither written nor seen by the messages after it, and it is quarantined once."""
    hub, transport = embedded
    real = pipeline_module.record_events
    failing = "MSCBE"  # the release: it saves the file, then fails while recording its events

    def record_events(uow: Any, events: Any, actor: str, *args: Any, **kwargs: Any) -> None:
        if actor == failing:
            raise RuntimeError("defect after the save")
        real(uow, events, actor, *args, **kwargs)

    monkeypatch.setattr(pipeline_module, "record_events", record_events)
    for name, user in STORY[:2]:  # the release, then FWDANT's accept of it
        transport.put((SAMPLES / name).read_bytes(), user, name)
    batch = transport.fetch(10, 0.0)
    hub.worker.process(batch)
    transport.ack(batch)
    assert hub.worker.stats.rejected >= 2  # the release quarantined; the accept finds no release
    with hub.uow() as uow:
        held = uow.quarantine.list("held")
    internal = [q for q in held if q.reason.startswith("internal error")]
    assert len(internal) == 1 and "defect after the save" in internal[0].reason
    assert _stored(hub, BOX) is None  # the release's save went with its savepoint
