"""SQLAlchemy implementations of the container, inbox, outbox and quarantine repositories.

All SQL is built with SQLAlchemy Core expressions: every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.model import ContainerFile
from hub.domain.values import CustomsStatus
from hub.ledger import documents
from hub.ledger.tables import bl_customs, bl_links, container_files, inbox, outbox, quarantine
from hub.service_layer import ports


def _insert_ignore(conn: Connection, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect (built once per table)."""
    key = (conn.dialect.name, table.name)
    stmt = _IGNORING.get(key)
    if stmt is None:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt = _IGNORING[key] = dialect_insert(table).on_conflict_do_nothing()
    return stmt


_IGNORING: dict[tuple[str, str], Any] = {}

# The statements of the per-message path, built once: building a Core statement and its cache
# key on every call cost about as much as the database round trip itself (benchmarks/). Values
# are still bound parameters, given at execution.
_GET_FILE = (
    select(container_files.c.doc, container_files.c.version)
    .where(container_files.c.container == bindparam("key_container"))
    .with_for_update()
)
_INSERT_FILE = insert(container_files).values(updated_at=func.now())
_UPDATE_FILE = (
    update(container_files)
    .where(container_files.c.container == bindparam("key_container"))
    .values(updated_at=func.now())
)
_BL_CONTAINERS = select(bl_links.c.container).where(
    bl_links.c.bill_of_lading == bindparam("key_bl")
)
_BL_STATUS = select(bl_customs.c.status).where(bl_customs.c.bill_of_lading == bindparam("key_bl"))
_UPDATE_BL_STATUS = update(bl_customs).where(bl_customs.c.bill_of_lading == bindparam("key_bl"))
_INSERT_BL_STATUS = insert(bl_customs)
_INBOX_SEEN = select(inbox.c.id).where(
    and_(inbox.c.sender == bindparam("key_sender"), inbox.c.dedup_key == bindparam("key_dedup"))
)
_INSERT_INBOX = insert(inbox)
_INSERT_OUTBOX = insert(outbox)


class SqlContainerFiles(ports.ContainerFiles):
    """Container files as JSON documents, locked FOR UPDATE on PostgreSQL."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, container: str) -> ContainerFile:
        row = self.conn.execute(_GET_FILE, {"key_container": container}).first()
        if row is None:
            return ContainerFile(container)
        return documents.load(container, row.doc, row.version)

    def save(self, file: ContainerFile) -> None:
        right = file.right
        values = {
            "doc": documents.dump(file),
            "version": file.version + 1,
            "status": right.status.value if right else "",
            "terminal": file.gate_terminal(),
            "expires_at": right.expires_at if right and right.is_active() else None,
        }
        if file.version == 0:
            self.conn.execute(_INSERT_FILE, {"container": file.container, **values})
        else:
            self.conn.execute(_UPDATE_FILE, {"key_container": file.container, **values})
        file.version += 1

    def containers_for_bl(self, bill_of_lading: str) -> list[str]:
        return sorted(self.conn.scalars(_BL_CONTAINERS, {"key_bl": bill_of_lading}))

    def link_bl(self, bill_of_lading: str, container: str) -> None:
        stmt = _insert_ignore(self.conn, bl_links)
        self.conn.execute(stmt, {"bill_of_lading": bill_of_lading, "container": container})

    def bl_status(self, bill_of_lading: str) -> CustomsStatus | None:
        value = self.conn.scalar(_BL_STATUS, {"key_bl": bill_of_lading})
        return CustomsStatus(value) if value else None

    def set_bl_status(self, bill_of_lading: str, status: CustomsStatus, at: datetime) -> None:
        done = self.conn.execute(
            _UPDATE_BL_STATUS, {"key_bl": bill_of_lading, "status": status.value, "updated_at": at}
        )
        if done.rowcount == 0:
            self.conn.execute(
                _INSERT_BL_STATUS,
                {"bill_of_lading": bill_of_lading, "status": status.value, "updated_at": at},
            )

    def due_for_expiry(self, now: datetime, limit: int) -> list[str]:
        query = (
            select(container_files.c.container)
            .where(
                and_(container_files.c.expires_at.is_not(None), container_files.c.expires_at <= now)
            )
            .order_by(container_files.c.expires_at)
            .limit(limit)
        )
        return list(self.conn.scalars(query))

    def for_terminal(self, terminal: str) -> list[ContainerFile]:
        query = (
            select(container_files.c.container, container_files.c.doc, container_files.c.version)
            .where(container_files.c.terminal == terminal)
            .order_by(container_files.c.container)
        )
        files = [documents.load(r.container, r.doc, r.version) for r in self.conn.execute(query)]
        return [f for f in files if f.authorised is not None]


class SqlInbox(ports.Inbox):
    """Deduplication: one row per (sender, interchange / message id)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def seen(self, sender: str, key: str) -> bool:
        found = self.conn.execute(_INBOX_SEEN, {"key_sender": sender, "key_dedup": key})
        return found.first() is not None

    def record(self, sender: str, key: str, outcome: str, sha256: str, at: datetime) -> None:
        self.conn.execute(
            _INSERT_INBOX,
            {
                "sender": sender,
                "dedup_key": key,
                "outcome": outcome,
                "payload_sha256": sha256,
                "received_at": at,
            },
        )


class SqlOutbox(ports.Outbox):
    """Outbound messages, written in the business transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, message: ports.Outgoing, at: datetime) -> None:
        self.conn.execute(
            _INSERT_OUTBOX,
            {
                "created_at": at,
                "exchange": message.exchange,
                "routing_key": message.routing_key,
                "content_type": message.content_type,
                "message_type": message.message_type,
                "container": message.container,
                "headers": message.headers,
                "body": message.body,
            },
        )

    def claim(self, limit: int) -> list[ports.Outgoing]:
        query = (
            select(outbox)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [
            ports.Outgoing(
                r.exchange,
                r.routing_key,
                bytes(r.body),
                r.content_type,
                r.message_type,
                r.container,
                {**r.headers, "message_id": f"hub-{r.id}"},
                r.id,
            )
            for r in self.conn.execute(query)
        ]

    def mark_sent(self, ids: Sequence[int], at: datetime) -> None:
        self.conn.execute(update(outbox).where(outbox.c.id.in_(list(ids))).values(sent_at=at))


class SqlQuarantine(ports.Quarantine):
    """Rejected payloads with their reasons."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, entry: ports.QuarantineEntry) -> int:
        result = self.conn.execute(
            insert(quarantine).values(
                received_at=entry.received_at,
                broker_user=entry.broker_user,
                sender=entry.sender,
                content_type=entry.content_type,
                reason=entry.reason,
                problems=list(entry.problems),
                payload=entry.payload,
                status=entry.status,
            )
        )
        key = result.inserted_primary_key
        return int(key[0]) if key else 0

    def get(self, entry_id: int) -> ports.QuarantineEntry | None:
        row = self.conn.execute(select(quarantine).where(quarantine.c.id == entry_id)).first()
        return _entry(row) if row else None

    def mark(self, entry_id: int, status: str, at: datetime) -> None:
        self.conn.execute(
            update(quarantine)
            .where(quarantine.c.id == entry_id)
            .values(status=status, resolved_at=at)
        )

    def list(self, status: str | None = None) -> list[ports.QuarantineEntry]:
        query = select(quarantine).order_by(quarantine.c.id)
        if status:
            query = query.where(quarantine.c.status == status)
        return [_entry(row) for row in self.conn.execute(query)]


def _entry(row: Any) -> ports.QuarantineEntry:
    return ports.QuarantineEntry(
        received_at=row.received_at,
        payload=bytes(row.payload),
        reason=row.reason,
        problems=tuple(row.problems),
        broker_user=row.broker_user,
        sender=row.sender,
        content_type=row.content_type,
        id=row.id,
        status=row.status,
    )
