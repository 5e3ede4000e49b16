"""The SQLAlchemy unit of work: one connection, one transaction, repositories bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from hub.errors import DatabaseUnavailable
from hub.ledger.audit import SqlAudit
from hub.ledger.partners import SqlPartners
from hub.ledger.repositories import SqlContainerFiles, SqlInbox, SqlOutbox, SqlQuarantine
from hub.ledger.tokens import SqlTokens, SqlWallets
from hub.service_layer import ports


class SqlAlchemyUnitOfWork(ports.UnitOfWork):
    """Begins on enter; `commit` chains the audit entries, then commits; exit rolls back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        try:
            self.conn = self.engine.connect()
            self.conn.begin()
        except (OperationalError, DBAPIError) as exc:
            raise DatabaseUnavailable(f"database unavailable: {_short(exc)}") from exc
        self.files = SqlContainerFiles(self.conn)
        self.partners = SqlPartners(self.conn)
        self.inbox = SqlInbox(self.conn)
        self.outbox = SqlOutbox(self.conn)
        self.audit = self._audit = SqlAudit(self.conn)
        self.quarantine = SqlQuarantine(self.conn)
        self.tokens = SqlTokens(self.conn)
        self.wallets = SqlWallets(self.conn)
        return self

    def __exit__(self, *args: object) -> None:
        if self.conn is not None:
            try:
                self.rollback()
            finally:
                self.conn.close()
                self.conn = None

    def commit(self) -> None:
        assert self.conn is not None
        try:
            self._audit.flush()
            self.conn.commit()
        except (OperationalError, DBAPIError) as exc:
            raise DatabaseUnavailable(f"commit failed: {_short(exc)}") from exc

    def rollback(self) -> None:
        if self.conn is not None and self.conn.in_transaction():
            with suppress(OperationalError, DBAPIError):
                self.conn.rollback()
        if self.conn is not None:
            self._audit.pending.clear()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        assert self.conn is not None
        mark = len(self._audit.pending)
        nested = self.conn.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            del self._audit.pending[mark:]
            raise
        nested.commit()

    @property
    def connection(self) -> Connection:
        assert self.conn is not None
        return self.conn


def _short(exc: Exception) -> str:
    """The first line of a driver error, without parameters (they may hold secrets)."""
    return str(getattr(exc, "orig", exc)).splitlines()[0][:200]
