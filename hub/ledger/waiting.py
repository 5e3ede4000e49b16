"""The waiting room's table (`waiting_messages`, indexed by container in `waiting_containers`).

Payload bytes are stored once per SHA-256 in `quarantine_payloads`, beside the quarantine's:
a parked message that ends up refused is quarantined without a second copy. Re-tries and
expiry lock the rows they take (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): two processes never
re-try the same parked message, and neither waits for the other's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, func, insert, select, update

from hub.ledger import storable
from hub.ledger.repositories import _insert_ignore
from hub.ledger.tables import quarantine_payloads, waiting_containers, waiting_messages
from hub.service_layer import ports

WAITING = "waiting"

_WAITING_IDS = select(waiting_containers.c.waiting_id).where(
    waiting_containers.c.container.in_(bindparam("boxes", expanding=True))
)
_COLUMNS = (
    waiting_messages,
    quarantine_payloads.c.payload,
)
_WITH_PAYLOAD = select(*_COLUMNS).join(
    quarantine_payloads, quarantine_payloads.c.sha256 == waiting_messages.c.payload_sha256
)


class SqlWaitingRoom(ports.WaitingRoom):
    """`ports.WaitingRoom` on SQLAlchemy Core; writes at once (parking is rare)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._counts: dict[str, int] = {}
        """Senders' waiting messages as counted in this transaction, parkings included."""

    def park(self, message: ports.ParkedMessage) -> int:
        digest = hashlib.sha256(message.payload).hexdigest()
        self._store_payload(digest, message.payload, message.parked_at)
        result = self.conn.execute(
            insert(waiting_messages).values(
                sender=storable.key(message.sender, 64),
                broker_user=storable.text(message.broker_user, 64),
                dedup_key=storable.key(message.dedup_key, 300),
                message_id=storable.text(message.message_id, 255),
                content_type=storable.text(message.content_type, 64),
                containers=list(message.containers),
                reason=storable.text(message.reason, 2000, lines=True),
                payload_sha256=digest,
                parked_at=message.parked_at,
                deadline=message.deadline,
                status=WAITING,
            )
        )
        key = result.inserted_primary_key
        parked_id = int(key[0]) if key else 0
        rows = [{"waiting_id": parked_id, "container": c} for c in sorted(set(message.containers))]
        if rows:
            self.conn.execute(insert(waiting_containers), rows)
        if message.sender in self._counts:
            self._counts[message.sender] += 1
        return parked_id

    def waiting_count(self, sender: str) -> int:
        """One indexed count per sender and transaction (`ix_waiting_messages_sender_status`);
        this transaction's parkings are added to it as they are made."""
        if sender not in self._counts:
            query = select(func.count()).where(
                waiting_messages.c.sender == sender, waiting_messages.c.status == WAITING
            )
            self._counts[sender] = int(self.conn.scalar(query) or 0)
        return self._counts[sender]

    def _store_payload(self, digest: str, payload: bytes, at: datetime) -> None:
        """One statement: a payload stored already (the same bytes) is left as it is."""
        row = {"sha256": digest, "size": len(payload), "payload": payload, "stored_at": at}
        self.conn.execute(_insert_ignore(self.conn, quarantine_payloads), row)

    def waiting_for(self, containers: Sequence[str]) -> list[ports.ParkedMessage]:
        """Asked after every batch that changed a file: one index lookup, nearly always
        empty (only waiting messages keep their `waiting_containers` rows); the messages
        themselves are read and locked only when some wait."""
        if not containers:
            return []
        ids = sorted(set(self.conn.scalars(_WAITING_IDS, {"boxes": sorted(set(containers))})))
        if not ids:
            return []
        query = _WITH_PAYLOAD.where(
            waiting_messages.c.status == WAITING, waiting_messages.c.id.in_(ids)
        )
        return self._locked(query.order_by(waiting_messages.c.id))

    def due(self, now: datetime, limit: int) -> list[ports.ParkedMessage]:
        query = _WITH_PAYLOAD.where(
            waiting_messages.c.status == WAITING, waiting_messages.c.deadline <= now
        )
        return self._locked(query.order_by(waiting_messages.c.id).limit(limit))

    def _locked(self, query: Select[Any]) -> list[ports.ParkedMessage]:
        locked = query.with_for_update(of=waiting_messages, skip_locked=True)
        return [_parked(row) for row in self.conn.execute(locked)]

    def resolve(self, resolved: Sequence[tuple[int, str]], at: datetime) -> None:
        """The messages wait no more: kept with their outcome, no longer found by container.
        Two statements for a whole round of re-tries."""
        if not resolved:
            return
        self._counts.clear()  # whose they were is not known here: counted again when asked
        self.conn.execute(
            update(waiting_messages)
            .where(waiting_messages.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), resolved_at=at),
            [{"b_id": i, "b_status": status} for i, status in resolved],
        )
        ids = sorted({i for i, _ in resolved})
        self.conn.execute(
            delete(waiting_containers).where(waiting_containers.c.waiting_id.in_(ids))
        )

    def list(self, status: str = WAITING, limit: int = 500) -> list[ports.ParkedMessage]:
        query = (
            select(waiting_messages)
            .where(waiting_messages.c.status == status)
            .order_by(waiting_messages.c.id)
            .limit(limit)
        )
        return [_parked(row) for row in self.conn.execute(query)]


def _parked(row: Any) -> ports.ParkedMessage:
    payload = getattr(row, "payload", None)
    return ports.ParkedMessage(
        sender=row.sender,
        dedup_key=row.dedup_key,
        payload=bytes(payload) if payload is not None else b"",
        containers=tuple(row.containers),
        reason=row.reason,
        parked_at=row.parked_at,
        deadline=row.deadline,
        broker_user=row.broker_user,
        message_id=row.message_id,
        content_type=row.content_type,
        id=row.id,
        status=row.status,
    )
