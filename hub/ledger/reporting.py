"""Read-side queries for reports and the small bookkeeping the money commands need.

`SqlReporting` implements the service layer's `ReportSource` (audit entries of a period, the
terminal of each container, when each partner became active) and `Markers` (keys of things
done once, in `processed_markers`), plus `wallet_owner`. It works on the connection of a unit
of work (`for_uow`), so what it writes commits or rolls back with everything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, insert, select

from hub.domain.fees import API_SWITCHED_ON
from hub.ledger.tables import audit, container_files, partners, processed_markers, wallets
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.service_layer import ports
from hub.service_layer.reports import AuditRecord

_CHUNK = 500
_CREATED = select(partners.c.party_id, partners.c.created_at)
_ACTIVATED = (
    select(audit.c.at, audit.c.details)
    .where(audit.c.action == "PartnerActive")
    .order_by(audit.c.seq)
)


class SqlReporting:
    """Queries over the audit trail and container files; markers and wallet lookups."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def audit_records(
        self, start: datetime, end: datetime, actions: Iterable[str]
    ) -> list[AuditRecord]:
        """Entries with one of `actions`, `start` <= at < `end`, in chain order."""
        query = (
            select(audit.c.at, audit.c.action, audit.c.container, audit.c.details)
            .where(audit.c.at >= start, audit.c.at < end, audit.c.action.in_(list(actions)))
            .order_by(audit.c.seq)
        )
        return [
            AuditRecord(r.at, r.action, r.container, dict(r.details or {}))
            for r in self.conn.execute(query)
        ]

    def terminals_of(self, containers: Iterable[str]) -> dict[str, str]:
        """The terminal where each container stands ('' when its file names none)."""
        wanted = sorted(set(containers))
        found: dict[str, str] = {}
        for i in range(0, len(wanted), _CHUNK):
            query = select(container_files.c.container, container_files.c.terminal).where(
                container_files.c.container.in_(wanted[i : i + _CHUNK])
            )
            found.update({r.container: r.terminal or "" for r in self.conn.execute(query)})
        return found

    def active_since(self) -> dict[str, datetime]:
        """Per partner, its first ``PartnerActive`` audit entry; a partner that never went
        through activation (loaded from a file, active from the start) counts from when its
        row was created."""
        since = {r.party_id: r.created_at for r in self.conn.execute(_CREATED)}
        first: dict[str, datetime] = {}
        for row in self.conn.execute(_ACTIVATED):
            first.setdefault(str((row.details or {}).get("party", "")), row.at)
        return {party: first.get(party, created) for party, created in since.items()}

    def api_since(self) -> dict[str, datetime]:
        """Per partner, its last ``ApiSubscriptionStarted`` audit entry."""
        query = (
            select(audit.c.at, audit.c.details)
            .where(audit.c.action == API_SWITCHED_ON)
            .order_by(audit.c.seq)
        )
        return {str((r.details or {}).get("party", "")): r.at for r in self.conn.execute(query)}

    def seen(self, key: str) -> bool:
        """True when `key` was marked done."""
        query = select(processed_markers.c.key).where(processed_markers.c.key == key)
        return self.conn.execute(query).first() is not None

    def mark(self, key: str, at: datetime) -> None:
        """Record `key` as done (in the caller's transaction)."""
        self.conn.execute(insert(processed_markers).values(key=key[:300], at=at))

    def wallet_owner(self, wallet_id: str) -> str | None:
        """The party a wallet id is paired to, if any."""
        value = self.conn.scalar(select(wallets.c.party).where(wallets.c.wallet_id == wallet_id))
        return str(value) if value else None


def for_uow(uow: ports.UnitOfWork) -> SqlReporting:
    """Queries bound to the connection of an open SQLAlchemy unit of work."""
    if not isinstance(uow, SqlAlchemyUnitOfWork):
        raise TypeError(f"reporting needs a SQLAlchemy unit of work, not {type(uow).__name__}")
    return SqlReporting(uow.connection)
