"""The audit chain on real PostgreSQL: append under concurrency, detect tampering exactly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, insert, text, update

from hub.ledger import audit
from hub.ledger.db import make_engine, upgrade
from hub.ledger.tables import audit as audit_table
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.service_layer.ports import AuditEntry

pytestmark = pytest.mark.integration


@pytest.fixture()
def engine(own_pg_url: str) -> Iterator[Engine]:
    # its own database: these tests break the chain on purpose
    eng = make_engine(own_pg_url)
    upgrade(eng)
    with eng.begin() as conn:
        conn.execute(text("TRUNCATE audit, audit_head"))
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
