"""The unit of work's contract, on both ledgers (SQLite and `hub.ledger.memory`): what is not
committed is not kept, a savepoint that fails undoes only itself, and the audit chain is
hashed the same way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain.model import ContainerFile
from hub.service_layer.chain import entry_hash
from hub.service_layer.ports import AuditEntry, Outgoing

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ENTRY = AuditEntry(AT, "MSCBE", "received COREOR", "MSCU1234565", "ref-1", {"n": 1})
ANSWER = Outgoing("hub.partner", "MSCBE", b"ack", "application/xml", "ack", answers="k-1")


def _write(hub: Hub, box: str) -> None:
    with hub.uow() as uow:
        uow.files.save(ContainerFile(box))
        uow.inbox.record("MSCBE", f"key-{box}", "applied", "0" * 64, AT)
        uow.outbox.add(ANSWER, AT)
        uow.audit.append(ENTRY)
        uow.commit()


def test_what_is_not_committed_is_not_kept(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        uow.files.save(ContainerFile("MSCU1234565"))
        uow.inbox.record("MSCBE", "key-1", "applied", "0" * 64, AT)
        uow.outbox.add(ANSWER, AT)
        assert uow.inbox.seen("MSCBE", "key-1") and uow.files.get("MSCU1234565").version == 1
    with hub.uow() as uow:
        assert not uow.inbox.seen("MSCBE", "key-1")
        assert uow.files.get("MSCU1234565").version == 0
        assert uow.outbox.answers_to("MSCBE", "k-1") == []


def test_a_failed_savepoint_undoes_only_itself(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        uow.inbox.record("MSCBE", "kept", "applied", "0" * 64, AT)
        with pytest.raises(RuntimeError), uow.savepoint():
            uow.inbox.record("MSCBE", "undone", "applied", "0" * 64, AT)
            uow.files.save(ContainerFile("MSCU1234565"))
            raise RuntimeError("a defect of this message")
        uow.commit()
    with hub.uow() as uow:
        assert uow.inbox.seen("MSCBE", "kept") and not uow.inbox.seen("MSCBE", "undone")
        assert uow.files.get("MSCU1234565").version == 0


def test_the_audit_chain_is_hashed_alike(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        before, head = uow.evidence.audit_head()
    _write(hub, "MSCU1234565")
    _write(hub, "TGHU1234569")
    expected = head
    for seq in (before + 1, before + 2):
        expected = entry_hash(expected, seq, ENTRY)
    with hub.uow() as uow:
        assert uow.evidence.audit_head() == (before + 2, expected)
        assert len(uow.outbox.answers_to("MSCBE", "k-1")) == 2
        history = uow.audit.history("MSCU1234565")
    assert [h["seq"] for h in history] == [before + 1, before + 2]
