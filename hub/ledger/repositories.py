"""SQLAlchemy implementations of the container, inbox, outbox and quarantine repositories.

All SQL is built with SQLAlchemy Core expressions: every value is a bound parameter. Every
value a message can influence goes through `hub.ledger.storable` on its way in: metadata is
cleaned and bounded, keys are made to fit without colliding, and data the database could not
hold exactly is refused as `Unstorable` (the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.model import ContainerFile
from hub.domain.values import CustomsStatus
from hub.ledger import documents, storable
from hub.ledger.tables import (
    bl_customs,
    bl_links,
    container_files,
    inbox,
    outbox,
    quarantine,
    quarantine_payloads,
)
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
# The batch's files, locked in container order by one statement: two workers whose batches
# share containers take their locks in the same order, so they queue instead of deadlocking.
_FILE_ROWS = select(container_files.c.container, container_files.c.doc, container_files.c.version)
_LOCK_FILES = {
    "postgresql": _FILE_ROWS.where(
        container_files.c.container == any_(bindparam("keys", type_=ARRAY(String)))
    )
    .order_by(container_files.c.container)
    .with_for_update(),
    "": _FILE_ROWS.where(container_files.c.container.in_(bindparam("keys", expanding=True)))
    .order_by(container_files.c.container)
    .with_for_update(),
}
_BLS_CONTAINERS = {
    "postgresql": select(bl_links.c.container).where(
        bl_links.c.bill_of_lading == any_(bindparam("keys", type_=ARRAY(String)))
    ),
    "": select(bl_links.c.container).where(
        bl_links.c.bill_of_lading.in_(bindparam("keys", expanding=True))
    ),
}
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


_FileState = tuple[dict[str, Any], int] | None
FilesMark = tuple[dict[str, _FileState], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]


class SqlContainerFiles(ports.ContainerFiles):
    """Container files as JSON documents, locked FOR UPDATE on PostgreSQL.

    A file read (by `get` or `preload`) stays locked to the end of the transaction, so the
    unit of work keeps it: later `get`s are answered from memory. Each `get` builds a new
    `ContainerFile` from the last saved document, so a change a caller made but did not
    save is never seen by the next one. Saves are collected and written by `flush` (at
    commit, or when a savepoint ends) with one UPDATE and one INSERT statement for all the
    files; `mark` / `restore` undo what a rolled-back savepoint did to that state."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._dialect = "postgresql" if conn.dialect.name == "postgresql" else ""
        self._docs: dict[str, _FileState] = {}
        """Locked files as of now in this transaction, pending saves included; None: no row."""
        self._new: dict[str, dict[str, Any]] = {}
        self._changed: dict[str, dict[str, Any]] = {}

    def preload(self, containers: Sequence[str], bills_of_lading: Sequence[str] = ()) -> None:
        """Lock the files of `containers` and of the containers linked to `bills_of_lading`
        with one SELECT … ORDER BY container FOR UPDATE (two statements with B/Ls).

        Containers without a row are remembered as new: they have no row to lock, and a
        process that creates one first makes this one's insert fail on the primary key (a
        `ConcurrencyConflict`, retried) instead of overwriting it."""
        wanted = set(containers)
        if bills_of_lading:
            query = _BLS_CONTAINERS[self._dialect]
            wanted.update(self.conn.scalars(query, {"keys": sorted(set(bills_of_lading))}))
        keys = sorted(wanted.difference(self._docs))
        if not keys:
            return
        found = self.conn.execute(_LOCK_FILES[self._dialect], {"keys": keys})
        for row in found:
            self._docs[row.container] = (row.doc, row.version)
        for key in keys:
            self._docs.setdefault(key, None)

    def get(self, container: str) -> ContainerFile:
        try:
            state = self._docs[container]
        except KeyError:
            row = self.conn.execute(_GET_FILE, {"key_container": container}).first()
            state = self._docs[container] = None if row is None else (row.doc, row.version)
        if state is None:
            return ContainerFile(container)
        return documents.load(container, state[0], state[1])

    def save(self, file: ContainerFile) -> None:
        right = file.right
        container = storable.require(file.container, 11, "container number")
        doc = documents.dump(file)
        version = file.version + 1
        values = {
            "doc": doc,
            "version": version,
            "status": right.status.value if right else "",
            "terminal": storable.require(file.gate_terminal(), 35, "terminal code"),
            "expires_at": right.expires_at if right and right.is_active() else None,
        }
        if file.version == 0 or container in self._new:
            self._new[container] = {"container": container, **values}
        else:
            self._changed[container] = {"key_container": container, **values}
        self._docs[container] = (doc, version)
        file.version = version

    def flush(self) -> None:
        """Write the pending saves: one executemany per statement, in container order."""
        if self._changed:
            rows = [self._changed[k] for k in sorted(self._changed)]
            self._changed = {}
            self.conn.execute(_UPDATE_FILE, rows)
        if self._new:
            rows = [self._new[k] for k in sorted(self._new)]
            self._new = {}
            self.conn.execute(_INSERT_FILE, rows)

    def mark(self) -> FilesMark:
        """The in-memory state, for `rollback_to` when a savepoint rolls back (`Buffered`)."""
        return dict(self._docs), dict(self._new), dict(self._changed)

    def rollback_to(self, mark: FilesMark) -> None:
        docs, new, changed = mark
        self._docs, self._new, self._changed = dict(docs), dict(new), dict(changed)

    def discard(self) -> None:
        """The transaction ended: its locks are gone, and so is what they protected."""
        self._docs.clear()
        self._new.clear()
        self._changed.clear()

    def containers_for_bl(self, bill_of_lading: str) -> list[str]:
        bill_of_lading = _bill(bill_of_lading)
        return sorted(self.conn.scalars(_BL_CONTAINERS, {"key_bl": bill_of_lading}))

    def link_bl(self, bill_of_lading: str, container: str) -> None:
        stmt = _insert_ignore(self.conn, bl_links)
        self.conn.execute(stmt, {"bill_of_lading": _bill(bill_of_lading), "container": container})

    def bl_status(self, bill_of_lading: str) -> CustomsStatus | None:
        value = self.conn.scalar(_BL_STATUS, {"key_bl": _bill(bill_of_lading)})
        return CustomsStatus(value) if value else None

    def set_bl_status(self, bill_of_lading: str, status: CustomsStatus, at: datetime) -> None:
        bill_of_lading = _bill(bill_of_lading)
        done = self.conn.execute(
            _UPDATE_BL_STATUS, {"key_bl": bill_of_lading, "status": status.value, "updated_at": at}
        )
        if done.rowcount == 0:
            self.conn.execute(
                _INSERT_BL_STATUS,
                {"bill_of_lading": bill_of_lading, "status": status.value, "updated_at": at},
            )

    def due_for_expiry(self, now: datetime, limit: int) -> list[str]:
        self.flush()
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
        self.flush()
        query = (
            select(container_files.c.container, container_files.c.doc, container_files.c.version)
            .where(container_files.c.terminal == terminal)
            .order_by(container_files.c.container)
        )
        files = [documents.load(r.container, r.doc, r.version) for r in self.conn.execute(query)]
        return [f for f in files if f.authorised is not None]

    def mentioning(self, party: str) -> list[ContainerFile]:
        """A text match on the JSON document narrows the rows; the caller checks the link."""
        self.flush()
        query = (
            select(container_files.c.container, container_files.c.doc, container_files.c.version)
            .where(container_files.c.status != "")
            .where(cast(container_files.c.doc, Text).contains(f'"{party}"', autoescape=True))
            .order_by(container_files.c.container)
        )
        return [documents.load(r.container, r.doc, r.version) for r in self.conn.execute(query)]


def _bill(bill_of_lading: str) -> str:
    return storable.require(bill_of_lading, 70, "bill of lading")


def _inbox_key(sender: str, key: str) -> tuple[str, str]:
    """The stored form of an inbox key (`storable.key`): every method uses it, so a key that
    had to be hashed to fit is still found again."""
    return storable.key(sender, 64), storable.key(key, 300)


class SqlInbox(ports.Inbox):
    """Deduplication: one row per (sender, interchange / message id).

    Rows are collected in memory and written with one statement by `flush` (the unit of work
    calls it at commit, and when a savepoint ends); `seen` counts the pending rows too, and the
    unique key on (sender, dedup_key) still stops a concurrent writer at commit."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: list[dict[str, Any]] = []
        self._pending_keys: set[tuple[str, str]] = set()
        self._stored: set[tuple[str, str]] = set()
        self._absent: set[tuple[str, str]] = set()

    def preload(self, keys: Sequence[tuple[str, str]]) -> None:
        """One SELECT for a whole batch. What it found absent may still be inserted by another
        process before this one commits: the unique key refuses the second insert then."""
        wanted = {_inbox_key(s, k) for s, k in keys} - self._stored - self._absent
        if not wanted:
            return
        pair = tuple_(inbox.c.sender, inbox.c.dedup_key)
        query = select(inbox.c.sender, inbox.c.dedup_key).where(pair.in_(sorted(wanted)))
        found = {(r.sender, r.dedup_key) for r in self.conn.execute(query)}
        self._stored |= found
        self._absent |= wanted - found

    def seen(self, sender: str, key: str) -> bool:
        sender, key = _inbox_key(sender, key)
        if (sender, key) in self._pending_keys or (sender, key) in self._stored:
            return True
        if (sender, key) in self._absent:
            return False
        found = self.conn.execute(_INBOX_SEEN, {"key_sender": sender, "key_dedup": key})
        return found.first() is not None

    def record(self, sender: str, key: str, outcome: str, sha256: str, at: datetime) -> None:
        sender, key = _inbox_key(sender, key)
        self.pending.append(
            {
                "sender": sender,
                "dedup_key": key,
                "outcome": outcome,
                "payload_sha256": sha256,
                "received_at": at,
            }
        )
        self._pending_keys.add((sender, key))

    def mark(self) -> int:
        return len(self.pending)

    def rollback_to(self, mark: int) -> None:
        """Forget the rows recorded after the first `mark` (a savepoint rolled back)."""
        if mark >= len(self.pending):
            return
        del self.pending[mark:]
        self._pending_keys = {(r["sender"], r["dedup_key"]) for r in self.pending}

    def discard(self) -> None:
        """What a preload found stays known: a row another transaction commits still meets
        the unique key."""
        self.rollback_to(0)

    def flush(self) -> None:
        if self.pending:
            self.conn.execute(_INSERT_INBOX, self.pending)
            # written now: what a preload found absent is there (a resend later in the batch)
            self._stored |= self._pending_keys
            self._absent -= self._pending_keys
            self.pending = []
            self._pending_keys = set()


_ASYNC_COMMIT = text("SET LOCAL synchronous_commit TO OFF")
_CLAIMED = (
    outbox.c.id,
    outbox.c.exchange,
    outbox.c.routing_key,
    outbox.c.body,
    outbox.c.content_type,
    outbox.c.message_type,
    outbox.c.container,
    outbox.c.headers,
    outbox.c.origin_at,
)


class SqlOutbox(ports.Outbox):
    """Outbound messages, written in the business transaction: collected in memory and
    inserted with one statement by `flush` (at commit, or when a savepoint ends)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: list[dict[str, Any]] = []

    def add(self, message: ports.Outgoing, at: datetime) -> None:
        self.pending.append(
            {
                "created_at": at,
                "exchange": message.exchange,
                "routing_key": message.routing_key,
                "content_type": storable.text(message.content_type, 64),
                "message_type": storable.text(message.message_type, 32),
                "container": storable.text(message.container, 11),
                "headers": storable.json_safe(message.headers, 1000),
                "body": message.body,
                "answers": storable.key(message.answers, 300),
                "origin_at": self.origin,
            }
        )

    def answers_to(self, routing_key: str, key: str) -> list[ports.Outgoing]:
        key = storable.key(key, 300)  # as `add` stored it
        query = (
            select(*_CLAIMED)
            .where(outbox.c.routing_key == routing_key, outbox.c.answers == key)
            .order_by(outbox.c.id)
        )
        rows: list[Any] = [row._asdict() for row in self.conn.execute(query)]
        rows += [r for r in self.pending if r["routing_key"] == routing_key and r["answers"] == key]
        return [
            ports.Outgoing(
                r["exchange"],
                r["routing_key"],
                bytes(r["body"]),
                r["content_type"],
                r["message_type"],
                r["container"],
                dict(r["headers"]),
                r.get("id") or 0,
                key,
            )
            for r in rows
        ]

    def recent(self, routing_key: str, limit: int, preview: int) -> list[ports.SentMessage]:
        c = outbox.c
        query = (
            select(
                c.id,
                c.created_at,
                c.routing_key,
                c.message_type,
                c.container,
                c.sent_at,
                func.substr(c.body, 1, preview).label("preview"),
                func.length(c.body).label("size"),
            )
            .order_by(c.id.desc())
            .limit(limit)
        )
        if routing_key:
            query = query.where(c.routing_key == routing_key)
        return [
            ports.SentMessage(**{**row._asdict(), "preview": bytes(row.preview or b"")})
            for row in self.conn.execute(query)
        ]

    def mark(self) -> int:
        return len(self.pending)

    def rollback_to(self, mark: int) -> None:
        """Forget the messages added after the first `mark` (a savepoint rolled back)."""
        del self.pending[mark:]

    def discard(self) -> None:
        self.pending.clear()

    def flush(self) -> None:
        if self.pending:
            self.conn.execute(_INSERT_OUTBOX, self.pending)
            self.pending = []

    def claim(self, limit: int, at: datetime) -> list[ports.Outgoing]:
        if self.conn.dialect.name == "postgresql":
            # The relay's transaction holds nothing but this claim. If the server loses its last
            # commits, those messages are published again with the same message ids (delivery
            # out is at-least-once), so its commit need not wait for the WAL flush.
            self.conn.execute(_ASYNC_COMMIT)
        pick = (
            select(outbox.c.id)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = (
            update(outbox)
            .where(outbox.c.id.in_(pick))
            .values(sent_at=at)
            .returning(*_CLAIMED)
            .execution_options(synchronize_session=False)
        )
        rows = sorted(self.conn.execute(claimed), key=lambda r: int(r.id))
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
                origin=r.origin_at,
            )
            for r in rows
        ]


class SqlQuarantine(ports.Quarantine):
    """Rejected deliveries: each entry names its payload by SHA-256, and the bytes are stored
    once in `quarantine_payloads` however many entries (units of one delivery, redeliveries,
    other senders, replays) name them. Every other field is cleaned and bounded by `storable`:
    this write is the hub's last resort, it must not fail on what a message carries."""

    REASON_WIDTH = 2000

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, entry: ports.QuarantineEntry) -> int:
        digest = hashlib.sha256(entry.payload).hexdigest()
        self._store_payload(digest, entry.payload, entry.received_at)
        result = self.conn.execute(
            insert(quarantine).values(
                received_at=entry.received_at,
                broker_user=storable.text(entry.broker_user, 64),
                sender=storable.text(entry.sender, 64),
                content_type=storable.text(entry.content_type, 64),
                kind=storable.text(entry.kind, 16),
                reason=storable.text(entry.reason, self.REASON_WIDTH, lines=True),
                problems=storable.problems(entry.problems),
                payload_sha256=digest,
                status=storable.text(entry.status, 16),
            )
        )
        key = result.inserted_primary_key
        return int(key[0]) if key else 0

    def _store_payload(self, digest: str, payload: bytes, at: datetime) -> None:
        """The bytes, unless already there: looked up first so that they are sent once."""
        if self.conn.scalar(_PAYLOAD_KNOWN, {"key_sha": digest}) is not None:
            return
        row = {"sha256": digest, "size": len(payload), "payload": payload, "stored_at": at}
        self.conn.execute(_insert_ignore(self.conn, quarantine_payloads), row)

    def get(self, entry_id: int) -> ports.QuarantineEntry | None:
        row = self.conn.execute(_ENTRIES.where(quarantine.c.id == entry_id)).first()
        return _entry(row) if row else None

    def mark(self, entry_id: int, status: str, at: datetime) -> None:
        self.conn.execute(
            update(quarantine)
            .where(quarantine.c.id == entry_id)
            .values(status=status, resolved_at=at)
        )

    def find(
        self, query: ports.QuarantineFilter, limit: int, after: int = 0
    ) -> list[ports.QuarantineEntry]:
        where = [*_matching(query), quarantine.c.id > after]
        page = _ENTRIES.where(*where).order_by(quarantine.c.id).limit(limit)
        return [_entry(row) for row in self.conn.execute(page)]

    def tally(self, query: ports.QuarantineFilter) -> tuple[int, int]:
        counted = select(func.count(), func.max(quarantine.c.id)).where(*_matching(query))
        n, last = self.conn.execute(counted).one()
        return int(n), int(last or 0)

    def list(
        self, status: str | None = None, kind: str | None = None
    ) -> list[ports.QuarantineEntry]:
        query = _ENTRIES.order_by(quarantine.c.id)
        if status:
            query = query.where(quarantine.c.status == status)
        if kind:
            query = query.where(quarantine.c.kind == kind)
        return [_entry(row) for row in self.conn.execute(query)]


def _matching(query: ports.QuarantineFilter) -> list[ColumnElement[bool]]:
    """`query` as conditions on held entries (a `QuarantineFilter` field left empty: none)."""
    q = quarantine.c
    where: list[ColumnElement[bool]] = [q.status == "held"]
    if query.kind:
        where.append(q.kind == query.kind)
    if query.sender:
        who = query.sender.upper()
        where.append(or_(func.upper(q.sender) == who, func.upper(q.broker_user) == who))
    if query.text:
        words = query.text.lower()
        where.append(
            or_(
                func.lower(q.reason).contains(words, autoescape=True),
                func.lower(cast(q.problems, Text)).contains(words, autoescape=True),
            )
        )
    if query.since:
        where.append(q.received_at >= query.since)
    if query.until:
        where.append(q.received_at <= query.until)
    if query.upto:
        where.append(q.id <= query.upto)
    return where


_PAYLOAD_KNOWN = select(quarantine_payloads.c.sha256).where(
    quarantine_payloads.c.sha256 == bindparam("key_sha")
)
_ENTRIES = select(quarantine, quarantine_payloads.c.payload).join(
    quarantine_payloads, quarantine_payloads.c.sha256 == quarantine.c.payload_sha256
)


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
        kind=row.kind,
    )
