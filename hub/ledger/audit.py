"""The audit trail: append-only, each entry chained by SHA-256 to the one before.

Entries are appended when the unit of work commits, under a lock on the single `audit_head`
row, so the chain has one order even with several hub processes. The lock is taken last, just
before the commit, and on PostgreSQL the session then has only `DbWaits.head_idle_timeout` of
silence before the server ends it: a hub whose network dies between the head and its commit
stops the others for that long, not for the whole idle-in-transaction limit (docs/runbook.md,
section 8).

`verify` walks the chain (`hub.service_layer.chain`) and names every entry that was changed,
inserted or deleted; given signed checkpoints (`hub.service_layer.checkpoints`), also a deleted
tail and a rewound head.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from hub.ledger import storable
from hub.ledger.tables import audit, audit_checkpoints, audit_head
from hub.service_layer import ports
from hub.service_layer.chain import GENESIS, Break, ChainRow, entry_hash, walk
from hub.service_layer.checkpoints import CheckpointBreak, anchor, check_sequence

__all__ = [
    "GENESIS",
    "Break",
    "SqlAudit",
    "entry_hash",
    "history",
    "rows",
    "stored_checkpoints",
    "verify",
]


def normalise(details: dict[str, Any]) -> dict[str, Any]:
    """Details as they will read back from the database (JSON types only)."""
    result: dict[str, Any] = json.loads(json.dumps(details, default=str, sort_keys=True))
    return result


class SqlAudit(ports.Audit):
    """Collects entries during the unit of work; `flush` chains and writes them (`Buffered`:
    the unit of work flushes it last, after the rows its entries describe)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: list[ports.AuditEntry] = []

    def append(self, entry: ports.AuditEntry) -> None:
        """Queue `entry` as it will be stored (`storable`: what a message put in it cannot
        make the chain's write fail), so that its hash is the hash of the stored row."""
        self.pending.append(
            ports.AuditEntry(
                entry.at,
                storable.text(entry.actor, 64),
                storable.text(entry.action, 64),
                storable.text(entry.container, 11),
                storable.key(entry.message_ref, 300),
                storable.json_safe(normalise(entry.details)),
            )
        )

    def history(self, container: str) -> list[dict[str, Any]]:
        return history(self.conn, container)

    def mark(self) -> int:
        return len(self.pending)

    def rollback_to(self, mark: int) -> None:
        del self.pending[mark:]

    def discard(self) -> None:
        self.pending.clear()

    def flush(self) -> None:
        if not self.pending:
            return
        head = self._lock_head()
        seq, prev = head
        rows = []
        for entry in self.pending:
            seq += 1
            digest = entry_hash(prev, seq, entry)
            rows.append(
                {
                    "seq": seq,
                    "at": entry.at,
                    "actor": entry.actor,
                    "action": entry.action,
                    "container": entry.container,
                    "message_ref": entry.message_ref,
                    "details": entry.details,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        self.conn.execute(insert(audit), rows)
        self.conn.execute(
            update(audit_head).where(audit_head.c.id == 1).values(last_seq=seq, last_hash=prev)
        )
        self.pending.clear()

    def _lock_head(self) -> tuple[int, str]:
        query = (
            select(audit_head.c.last_seq, audit_head.c.last_hash)
            .where(audit_head.c.id == 1)
            .with_for_update()
        )
        limit = self.conn.info.get(HEAD_IDLE_TIMEOUT)
        shorten = None
        if limit and not self.conn.in_nested_transaction():
            # from here to the commit only this flush runs: a silence longer than the short
            # limit means the client is gone, and the server frees the head for everyone (not
            # inside a savepoint: the rest of the batch still runs after it). Same statement
            # as the lock: no round trip more.
            shorten = func.set_config("idle_in_transaction_session_timeout", str(limit), True)
            query = query.add_columns(shorten)
        row = self.conn.execute(query).first()
        if row is None:
            self.conn.execute(insert(audit_head).values(id=1, last_seq=0, last_hash=GENESIS))
            if shorten is not None:  # no row, so the lock's statement did not set it
                self.conn.execute(select(shorten))
            return 0, GENESIS
        return int(row.last_seq), str(row.last_hash)


HEAD_IDLE_TIMEOUT = "hub.head_idle_timeout_ms"
"""Key of a connection's `info`: the idle-in-transaction limit (ms) once a commit holds the
head; set by `hub.ledger.db.make_engine` on PostgreSQL, absent elsewhere."""


def rows(conn: Connection, first: int = 1, last: int | None = None) -> Iterator[ChainRow]:
    """The stored entries from `first` to `last` (inclusive), in order."""
    query = select(audit).where(audit.c.seq >= first).order_by(audit.c.seq)
    if last is not None:
        query = query.where(audit.c.seq <= last)
    for row in conn.execute(query.execution_options(yield_per=1000)):
        entry = ports.AuditEntry(
            row.at, row.actor, row.action, row.container, row.message_ref, row.details
        )
        yield ChainRow(row.seq, row.prev_hash, row.hash, entry)


def verify(
    conn: Connection,
    checkpoints: Sequence[Any] = (),
    verifier: ports.Verifier | None = None,
) -> list[Break | CheckpointBreak]:
    """Walk the whole chain; every changed, inserted or deleted entry is reported. With
    `checkpoints` (signed documents, oldest first, checked with `verifier`), deleting the
    newest entries and rewinding the head, or rewriting the chain, is reported too, and so is
    a checkpoint that is forged, replayed or missing."""
    trusted: list[dict[str, Any]] = []
    findings: list[Break | CheckpointBreak] = []
    if checkpoints:
        assert verifier is not None, "checkpoints need the hub's public key(s)"
        trusted, bad = check_sequence(checkpoints, verifier)
        findings.extend(bad)
    found = walk(rows(conn), wanted=[c["entries"] for c in trusted])
    findings.extend(found.breaks)
    findings.extend(_check_head(conn, found.last_seq, found.last_hash))
    findings.extend(anchor(found, trusted))
    return findings


def _check_head(conn: Connection, last_seq: int, last_hash: str) -> list[Break]:
    row = conn.execute(select(audit_head).where(audit_head.c.id == 1)).first()
    if row is None:
        return [] if last_seq == 0 else [Break(last_seq, "audit head missing")]
    if row.last_seq != last_seq or row.last_hash != last_hash:
        return [Break(int(row.last_seq), f"last entry {row.last_seq} is missing: deleted")]
    return []


def stored_checkpoints(conn: Connection) -> list[Any]:
    """The checkpoint documents the database holds, oldest first (weaker than a copy kept
    outside the hub: whoever can rewrite the chain can delete these too)."""
    query = select(audit_checkpoints.c.document).order_by(audit_checkpoints.c.number)
    return list(conn.scalars(query))


def history(conn: Connection, container: str) -> list[dict[str, Any]]:
    """Every audit entry about one container, oldest first (for authorities)."""
    query = select(audit).where(audit.c.container == container).order_by(audit.c.seq)
    return [
        {
            "seq": r.seq,
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "message_ref": r.message_ref,
            "details": r.details,
        }
        for r in conn.execute(query)
    ]


def now() -> datetime:
    return datetime.now(UTC)
