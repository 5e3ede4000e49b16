"""The audit chain on real PostgreSQL: append under concurrency, detect tampering exactly."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, select, text, update

from hub.adapters import signing
from hub.adapters.signing import Ed25519Signer, KeyRing
from hub.domain.events import GateWithdrawn
from hub.errors import ConcurrencyConflict
from hub.ledger import audit
from hub.ledger.db import make_engine, upgrade
from hub.ledger.tables import audit as audit_table
from hub.ledger.tables import audit_head, outbox
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.service_layer import backups, checkpoints
from hub.service_layer.ports import AuditEntry

pytestmark = pytest.mark.integration


@pytest.fixture()
def engine(own_pg_url: str) -> Iterator[Engine]:
    # its own database: these tests break the chain on purpose
    eng = make_engine(own_pg_url)
    upgrade(eng)
    with eng.begin() as conn:
        conn.execute(text("TRUNCATE audit, audit_head, audit_checkpoints, backup_snapshots"))
    yield eng
    eng.dispose()


def _append(engine: Engine, n: int, container: str = "MSCU1234566") -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        for i in range(n):
            uow.audit.append(
                AuditEntry(
                    datetime.now(UTC),
                    "MSCBE",
                    f"step {i}",
                    container,
                    "ref",
                    {"i": i, "note": "ünïcode"},
                )
            )
        uow.commit()


def test_an_untouched_chain_verifies(engine: Engine) -> None:
    _append(engine, 5)
    _append(engine, 3)
    with engine.connect() as conn:
        assert audit.verify(conn) == []
        assert [e["action"] for e in audit.history(conn, "MSCU1234566")][-1] == "step 2"


def test_a_changed_entry_is_named(engine: Engine) -> None:
    _append(engine, 6)
    with engine.begin() as conn:
        conn.execute(update(audit_table).where(audit_table.c.seq == 3).values(actor="SOMEONEELSE"))
    with engine.connect() as conn:
        breaks = audit.verify(conn)
    assert [b.seq for b in breaks] == [3]
    assert "changed" in breaks[0].problem


def test_a_deleted_entry_is_named(engine: Engine) -> None:
    _append(engine, 6)
    with engine.begin() as conn:
        conn.execute(delete(audit_table).where(audit_table.c.seq == 4))
    with engine.connect() as conn:
        breaks = audit.verify(conn)
    assert breaks and breaks[0].seq == 4 and "deleted" in breaks[0].problem


def test_an_inserted_entry_is_named(engine: Engine) -> None:
    _append(engine, 4)
    forged = AuditEntry(datetime.now(UTC), "X", "forged", "", "", {})
    with engine.begin() as conn:
        conn.execute(
            update(audit_table).where(audit_table.c.seq >= 3).values(seq=audit_table.c.seq + 10)
        )
        prev = conn.execute(audit_table.select().where(audit_table.c.seq == 2)).one().hash
        conn.execute(
            insert(audit_table).values(
                seq=3,
                at=forged.at,
                actor="X",
                action="forged",
                container="",
                message_ref="",
                details={},
                prev_hash=prev,
                hash=audit.entry_hash(prev, 3, forged),
            )
        )
    with engine.connect() as conn:
        breaks = audit.verify(conn)
    assert breaks, "an inserted entry must break the chain"
    assert breaks[0].seq in (4, 13)


def test_a_truncated_tail_is_named(engine: Engine) -> None:
    _append(engine, 5)
    with engine.begin() as conn:
        conn.execute(delete(audit_table).where(audit_table.c.seq == 5))
    with engine.connect() as conn:
        breaks = audit.verify(conn)
    assert [b.seq for b in breaks] == [5]


def _signer(tmp_path: Path) -> tuple[Ed25519Signer, KeyRing]:
    private, public, _kid = signing.generate(tmp_path / "keys")
    return signing.load_signer(private), signing.load_key_ring([public])


def test_a_deleted_tail_and_a_rewound_head_are_named_against_a_checkpoint(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue 16 on PostgreSQL: without a checkpoint this passed `hub audit verify`."""
    signer, ring = _signer(tmp_path)
    _append(engine, 6)
    with SqlAlchemyUnitOfWork(engine) as uow:
        checkpoint = checkpoints.make(uow, signer, datetime.now(UTC))
        uow.commit()
    assert checkpoint["entries"] == 6
    with engine.begin() as conn:
        head = conn.execute(select(audit_table.c.hash).where(audit_table.c.seq == 4)).scalar()
        conn.execute(delete(audit_table).where(audit_table.c.seq > 4))
        conn.execute(update(audit_head).values(last_seq=4, last_hash=head))
        conn.execute(text("TRUNCATE audit_checkpoints"))
    with engine.connect() as conn:
        assert audit.verify(conn) == []  # what the chain alone can tell
        findings = audit.verify(conn, [checkpoint], ring)
    assert [str(f) for f in findings] == [
        f"audit entry 5: missing: checkpoint 1 of {checkpoint['at']} counts 6 entries, the chain "
        "ends at 4: the newest entries 5..6 were deleted"
    ]


def test_backup_sequences_count_per_terminal_on_postgresql(engine: Engine, tmp_path: Path) -> None:
    signer, ring = _signer(tmp_path)
    now = datetime.now(UTC)
    with SqlAlchemyUnitOfWork(engine) as uow:
        first = backups.snapshot(uow, "PSAT", signer, now)
        other = backups.snapshot(uow, "MPET", signer, now)
        uow.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        second = backups.snapshot(uow, "PSAT", signer, now)
        uow.commit()
    assert (first["sequence"], other["sequence"], second["sequence"]) == (1, 1, 2)
    assert backups.verify(second, ring) == ""


def test_concurrent_commits_share_a_terminal_and_checkpoint_without_deadlock(
    engine: Engine, tmp_path: Path
) -> None:
    """Several hub processes: each commit pushes PSAT a snapshot (gap 0) and may make a
    checkpoint; the terminal's backup row and the audit head are always locked in that order,
    so none waits on another in a cycle; sequences and checkpoint numbers stay unique."""
    signer, ring = _signer(tmp_path)
    policy = backups.BackupPolicy(signer, gap=timedelta(0))
    errors: list[BaseException] = []

    def commit_round(i: int) -> None:
        now = datetime.now(UTC)
        with SqlAlchemyUnitOfWork(engine) as uow:
            uow.audit.append(AuditEntry(now, "T", f"step {i}", "", "", {}))
            event = GateWithdrawn("MSCU1234566", "PSAT", i, "R", "test")
            backups.on_event(uow, event, policy, lambda: now)
            if i % 2:
                job = partial(checkpoints.make_if_due, uow, signer, now, timedelta(0), 1)
                uow.before_commit("~checkpoint", job)
            uow.commit()

    def worker(start: int) -> None:
        try:
            for i in range(start, start + 5):
                retry(lambda i=i: commit_round(i))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k * 10,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with engine.connect() as conn:
        sent = conn.execute(
            select(outbox.c.body).where(outbox.c.message_type == "BackupSnapshot")
        ).scalars()
        sequences = sorted(json.loads(body)["sequence"] for body in sent)
        stored = audit.stored_checkpoints(conn)
        assert audit.verify(conn, stored, ring) == []
    assert [c["number"] for c in stored] == list(range(1, len(stored) + 1))
    # unique and consecutive: each snapshot took the terminal's row lock; a commit that found
    # a snapshot newer than its own clock (it waited for that lock) marked one pending instead,
    # which the next snapshot or tick clears
    assert 0 < len(sequences) <= 20
    assert sequences == list(range(1, len(sequences) + 1))


def retry(fn: Callable[[], None], attempts: int = 20) -> None:
    """What the worker does with a ConcurrencyConflict (a key taken by a concurrent insert:
    the first backup row of a terminal, a checkpoint number)."""
    for attempt in range(attempts):
        try:
            fn()
            return
        except ConcurrencyConflict as exc:
            if attempt == attempts - 1 or "deadlock" in str(exc):
                raise  # a lock cycle is what this test is about: not retried
            time.sleep(0.05 * (attempt + 1))
