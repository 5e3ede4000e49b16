"""The inbound partition leases in the database (`partition_leases`, `partition_members`).

A renewal is one short transaction. On PostgreSQL it first takes an exclusive lock on
`partition_members`, so renewals of all processes are serialised (they are a few a second at
most) and two processes never claim the same free partition; SQLite serialises writers anyway.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from hub.domain.partitions import Lease, Renewal, renew
from hub.ledger import tables as t
from hub.ledger.uow import transient_fault
from hub.service_layer.ports import PartitionLeases


class SqlPartitionLeases(PartitionLeases):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def renew(
        self, holder: str, count: int, ttl: float, now: datetime, releasable: Collection[int]
    ) -> Renewal:
        until = now + timedelta(seconds=ttl)
        try:
            with self.engine.begin() as conn:
                self._lock(conn)
                self._alive(conn, holder, until)
                live = conn.execute(
                    select(func.count()).where(t.partition_members.c.expires_at > now)
                ).scalar_one()
                rows = {
                    int(p): Lease(h, e)
                    for p, h, e in conn.execute(
                        select(
                            t.partition_leases.c.partition,
                            t.partition_leases.c.holder,
                            t.partition_leases.c.expires_at,
                        ).where(t.partition_leases.c.partition < count)
                    )
                }
                leases: dict[int, Lease | None] = {p: rows.get(p) for p in range(count)}
                decided = renew(leases, holder, int(live), now, releasable)
                if decided.released:
                    conn.execute(
                        delete(t.partition_leases).where(
                            t.partition_leases.c.partition.in_(sorted(decided.released)),
                            t.partition_leases.c.holder == holder,
                        )
                    )
                for p in sorted(decided.held):
                    if leases[p] is None:
                        conn.execute(
                            insert(t.partition_leases).values(
                                partition=p, holder=holder, expires_at=until
                            )
                        )
                    else:
                        conn.execute(
                            update(t.partition_leases)
                            .where(t.partition_leases.c.partition == p)
                            .values(holder=holder, expires_at=until)
                        )
                conn.execute(
                    delete(t.partition_members).where(
                        t.partition_members.c.expires_at < now - timedelta(seconds=10 * ttl)
                    )
                )
            return decided
        except DBAPIError as exc:
            transient = transient_fault(exc)
            if transient is None:
                raise
            raise transient from exc

    def leave(self, holder: str) -> None:
        try:
            with self.engine.begin() as conn:
                self._lock(conn)
                conn.execute(
                    delete(t.partition_leases).where(t.partition_leases.c.holder == holder)
                )
                conn.execute(
                    delete(t.partition_members).where(t.partition_members.c.holder == holder)
                )
        except DBAPIError as exc:
            transient = transient_fault(exc)
            if transient is None:
                raise
            raise transient from exc

    @staticmethod
    def _lock(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE partition_members IN EXCLUSIVE MODE"))

    @staticmethod
    def _alive(conn: Connection, holder: str, until: datetime) -> None:
        done = conn.execute(
            update(t.partition_members)
            .where(t.partition_members.c.holder == holder)
            .values(expires_at=until)
        )
        if done.rowcount == 0:
            conn.execute(insert(t.partition_members).values(holder=holder, expires_at=until))
