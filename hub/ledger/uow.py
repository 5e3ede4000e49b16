"""The SQLAlchemy unit of work: one connection, one transaction, repositories bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from hub.errors import ConcurrencyConflict, DatabaseUnavailable
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
        exc = args[1] if len(args) > 1 else None
        if self.conn is not None:
            try:
                self.rollback()
            finally:
                with suppress(SQLAlchemyError):
                    self.conn.close()
                self.conn = None
        if isinstance(exc, DBAPIError) and (transient := _transient(exc)) is not None:
            raise transient from exc

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
        """A database fault inside comes out as `DatabaseUnavailable` (a lost connection) or
        `ConcurrencyConflict` (a deadlock, or a unique key another process took first), so the
        caller retries instead of taking it for a defect of the message."""
        assert self.conn is not None
        mark = len(self._audit.pending)
        with _database_faults():
            nested = self.conn.begin_nested()
        try:
            yield
        except BaseException as exc:
            with suppress(SQLAlchemyError):
                nested.rollback()
            del self._audit.pending[mark:]
            if isinstance(exc, DBAPIError) and (transient := _transient(exc)) is not None:
                raise transient from exc
            raise
        with _database_faults():
            nested.commit()

    @property
    def connection(self) -> Connection:
        assert self.conn is not None
        return self.conn


_CONFLICTS = {
    "40001": "serialization failure",
    "40P01": "deadlock",
    "23505": "unique key taken by a concurrent transaction",
}


def _transient(exc: DBAPIError) -> DatabaseUnavailable | None:
    """The retryable meaning of a driver error, or None when it is not a transient fault."""
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    if state in _CONFLICTS:
        return ConcurrencyConflict(f"{_CONFLICTS[state]}: {_short(exc)}")
    if isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated:
        return DatabaseUnavailable(f"database unavailable: {_short(exc)}")
    return None


@contextmanager
def _database_faults() -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        transient = _transient(exc)
        if transient is None:
            raise
        raise transient from exc


def _short(exc: Exception) -> str:
    """The first line of a driver error, without parameters (they may hold secrets)."""
    return str(getattr(exc, "orig", exc)).splitlines()[0][:200]
