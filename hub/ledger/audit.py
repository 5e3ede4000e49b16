"""The audit trail: append-only, each entry chained by SHA-256 to the one before.

Entries are appended when the unit of work commits, under a lock on the single `audit_head`
row, so the chain has one order even with several hub processes. `verify` walks the chain and
names the first entry that was changed, inserted or deleted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.ledger import storable
from hub.ledger.tables import audit, audit_head
from hub.service_layer import ports

GENESIS = "0" * 64


def normalise(details: dict[str, Any]) -> dict[str, Any]:
    """Details as they will read back from the database (JSON types only)."""
    result: dict[str, Any] = json.loads(json.dumps(details, default=str, sort_keys=True))
    return result


def entry_hash(prev_hash: str, seq: int, entry: ports.AuditEntry) -> str:
    """The chained hash of one entry."""
    body = {
        "seq": seq,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "container": entry.container,
        "message_ref": entry.message_ref,
        "details": entry.details,
    }
    text = prev_hash + json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class SqlAudit(ports.Audit):
    """Collects entries during the unit of work; `flush` chains and writes them."""

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
        row = self.conn.execute(query).first()
        if row is None:
            self.conn.execute(insert(audit_head).values(id=1, last_seq=0, last_hash=GENESIS))
            return 0, GENESIS
        return int(row.last_seq), str(row.last_hash)


@dataclass(frozen=True)
class Break:
    """Where the chain is broken: the entry and what is wrong with it."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"audit entry {self.seq}: {self.problem}"


def verify(conn: Connection) -> list[Break]:
    """Walk the whole chain; every changed, inserted or deleted entry is reported."""
    breaks: list[Break] = []
    prev, expected_seq = GENESIS, 1
    for row in conn.execute(select(audit).order_by(audit.c.seq)):
        if row.seq != expected_seq:
            breaks.append(Break(expected_seq, f"missing (next entry is {row.seq}): deleted"))
        if row.prev_hash != prev:
            breaks.append(
                Break(
                    row.seq,
                    "does not follow the previous entry: "
                    "an entry before it was changed, inserted or deleted",
                )
            )
        entry = ports.AuditEntry(
            row.at, row.actor, row.action, row.container, row.message_ref, row.details
        )
        if entry_hash(row.prev_hash, row.seq, entry) != row.hash:
            breaks.append(Break(row.seq, "content does not match its hash: changed"))
        prev, expected_seq = row.hash, row.seq + 1
    breaks.extend(_check_head(conn, expected_seq - 1, prev))
    return breaks


def _check_head(conn: Connection, last_seq: int, last_hash: str) -> list[Break]:
    row = conn.execute(select(audit_head).where(audit_head.c.id == 1)).first()
    if row is None:
        return [] if last_seq == 0 else [Break(last_seq, "audit head missing")]
    if row.last_seq != last_seq or row.last_hash != last_hash:
        return [Break(int(row.last_seq), f"last entry {row.last_seq} is missing: deleted")]
    return []


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
