"""The SQLAlchemy unit of work: one connection, one transaction, repositories bound to it.

It is also the storage boundary's classifier (`classify`): every driver error leaves it as

- `DatabaseUnavailable` (transient: the connection, the server's resources, an operator's
  intervention) or `ConcurrencyConflict` (a deadlock, a serialisation failure, a unique key a
  concurrent transaction took first): the caller retries, bounded;
- `Unstorable` (permanent: SQLSTATE class 22, data the database cannot hold, and class 23
  other than the unique-key race; the driver's own refusals of a NUL, a lone surrogate or an
  integer out of range; SQLite's equivalents): a problem of the one message that carried it,
  rejected and answered, never retried;
- anything else as raised (a defect of the hub: the message is quarantined as internal).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hub.errors import ConcurrencyConflict, DatabaseUnavailable, HubError, Unstorable
from hub.ledger.audit import SqlAudit
from hub.ledger.buffered import Buffered
from hub.ledger.evidence import SqlEvidence
from hub.ledger.partners import SqlPartners
from hub.ledger.repositories import SqlContainerFiles, SqlInbox, SqlOutbox, SqlQuarantine
from hub.ledger.tokens import SqlTokens, SqlWallets
from hub.ledger.waiting import SqlWaitingRoom
from hub.service_layer import ports


class SqlAlchemyUnitOfWork(ports.UnitOfWork):
    """Begins on enter; `commit` writes the pending container files, outbox and inbox rows (one
    statement each), chains the audit entries, then commits; exit rolls back.

    Container file saves, outbox, inbox and audit rows are collected in memory until then, so
    a batch of messages costs one write per table instead of one per row. A savepoint that
    rolls back drops what was collected inside it (and the files it read or saved); one that
    ends normally writes its rows, so that a row the database refuses is refused inside the
    savepoint of the message that made it; the audit chain is written at commit only.

    The four write-behind repositories share one protocol (`Buffered`): `_rows` are written
    by `flush`, the audit chain after them, since its entries describe those rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None
        self._rows: tuple[Buffered[Any], ...] = ()
        self._buffers: tuple[Buffered[Any], ...] = ()

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        try:
            self.conn = self.engine.connect()
            self.conn.begin()
        except (OperationalError, DBAPIError, PoolTimeout) as exc:
            raise DatabaseUnavailable(f"database unavailable: {short_error(exc)}") from exc
        self.files = files = SqlContainerFiles(self.conn)
        self.partners = SqlPartners(self.conn)
        self.outbox = outbox = SqlOutbox(self.conn)
        self.inbox = inbox = SqlInbox(self.conn)
        self.audit = audit = SqlAudit(self.conn)
        self._rows = (files, outbox, inbox)
        self._buffers = (*self._rows, audit)
        self.quarantine = SqlQuarantine(self.conn)
        self.tokens = SqlTokens(self.conn)
        self.wallets = SqlWallets(self.conn)
        self.evidence = SqlEvidence(self.conn)
        self.waiting = SqlWaitingRoom(self.conn)
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
        if isinstance(exc, DBAPIError) and (meaning := classify(exc)) is not None:
            raise meaning from exc

    def commit(self) -> None:
        """Write what is pending and commit. A value the database refuses is `Unstorable`
        (the caller finds the message under savepoints), never a fault to retry."""
        assert self.conn is not None
        try:
            with _database_faults():
                self.run_before_commit()
                self._flush_all()
            try:
                self.conn.commit()
            except DBAPIError as exc:
                meaning = classify(exc)
                if meaning is not None:
                    raise meaning from exc
                raise DatabaseUnavailable(f"commit failed: {short_error(exc)}") from exc
        finally:
            self._discard()  # the locks ended with the transaction

    def rollback(self) -> None:
        if self.conn is not None and self.conn.in_transaction():
            with suppress(OperationalError, DBAPIError):
                self.conn.rollback()
        self.drop_before_commit()
        if self.conn is not None:
            self._discard()

    def flush(self) -> None:
        """Write the pending container files, outbox and inbox rows now (the audit chain waits
        for commit).

        A database error comes out as raised by the driver; `commit` and `savepoint` turn it
        into what it means (`classify`)."""
        for buffer in self._rows:
            buffer.flush()

    def _flush_all(self) -> None:
        """The rows, then the audit entries that describe them."""
        for buffer in self._buffers:
            buffer.flush()

    def _discard(self) -> None:
        for buffer in self._buffers:
            buffer.discard()

    @contextmanager
    def savepoint(self, flush: bool = True) -> Iterator[None]:
        """A database fault inside comes out as `DatabaseUnavailable` (a lost connection) or
        `ConcurrencyConflict` (a deadlock, or a unique key another process took first), so the
        caller retries instead of taking it for a defect of the message; a value the database
        refuses comes out as `Unstorable`. The rows done inside are written when it ends, so
        that a refused row is refused here, for this message alone, never at commit for the
        whole transaction. Its audit entries wait for the commit: they are cleaned when
        appended (`storable`), so what a message carries cannot make their write fail, and
        the chain's head, the one lock all hub processes share, is held only for the commit,
        not from the first savepoint of a batch to its end."""
        assert self.conn is not None
        marks = [(buffer, buffer.mark()) for buffer in self._buffers]
        with _database_faults():
            nested = self.conn.begin_nested()
        try:
            yield
            if flush:
                self.flush()
        except BaseException as exc:
            with suppress(SQLAlchemyError):
                nested.rollback()
            for buffer, mark in marks:
                buffer.rollback_to(mark)
            if (meaning := classify(exc)) is not None:
                raise meaning from exc
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
_UNAVAILABLE = ("08", "53", "57", "58")
"""SQLSTATE classes that pass: connection exception, insufficient resources (disk full, out of
memory, too many connections), operator intervention (shutdown, a cancelled statement: 57014
is also `statement_timeout`, 57P05 `idle_session_timeout`), system error (I/O)."""
_TIMED_OUT = {
    "55P03": "lock not available (lock_timeout)",
    "25P03": "idle in transaction too long (idle_in_transaction_session_timeout)",
}
"""The session limits the hub sets (`hub.ledger.db.DbWaits`) outside those classes: the
transaction is gone, the batch is retried on a new one."""


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", "") or "")


def transient_fault(exc: DBAPIError) -> DatabaseUnavailable | None:
    """The retryable meaning of a driver error, or None when it is not a transient fault."""
    state = _sqlstate(exc)
    if state in _CONFLICTS:
        return ConcurrencyConflict(f"{_CONFLICTS[state]}: {short_error(exc)}")
    if state in _TIMED_OUT:
        return DatabaseUnavailable(f"database unavailable: {_TIMED_OUT[state]}: {short_error(exc)}")
    if state[:2] in _UNAVAILABLE:
        return DatabaseUnavailable(f"database unavailable: {short_error(exc)}")
    if isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated:
        return DatabaseUnavailable(f"database unavailable: {short_error(exc)}")
    return None


def unstorable_fault(exc: BaseException) -> Unstorable | None:
    """The database (or its driver) refused a value: class 22 (too long, NUL, encoding, out of
    range), class 23 except the unique-key race, psycopg's and sqlite3's own refusals (no
    SQLSTATE: a NUL in text, a lone surrogate, an integer SQLite cannot hold)."""
    if isinstance(exc, (UnicodeEncodeError, OverflowError)):
        return Unstorable(f"a value of this message cannot be stored: {str(exc)[:200]}")
    if not isinstance(exc, DBAPIError):
        return None
    state = _sqlstate(exc)
    if state[:2] == "22" or (state[:2] == "23" and state not in _CONFLICTS):
        return _unstorable(short_error(exc))
    if not state and isinstance(exc, (DataError, IntegrityError)):
        return _unstorable(short_error(exc))
    return None


def _unstorable(detail: str) -> Unstorable:
    reason = f"the database cannot store a value of this message: {detail}"
    return Unstorable(reason)


def classify(exc: BaseException) -> HubError | None:
    """What a failure of a database call means to the hub (see the module docstring); None
    for anything that is neither transient nor a refused value."""
    if isinstance(exc, HubError):
        return None
    if isinstance(exc, PoolTimeout):  # every pooled connection busy for `pool_timeout`
        return DatabaseUnavailable(f"database unavailable: {str(exc).splitlines()[0][:200]}")
    if isinstance(exc, DBAPIError) and (transient := transient_fault(exc)) is not None:
        return transient
    return unstorable_fault(exc)


@contextmanager
def _database_faults() -> Iterator[None]:
    try:
        yield
    except (DBAPIError, UnicodeEncodeError, OverflowError) as exc:
        meaning = classify(exc)
        if meaning is None:
            raise
        raise meaning from exc


def short_error(exc: Exception) -> str:
    """The first line of a driver error, without parameters (they may hold secrets)."""
    return str(getattr(exc, "orig", exc)).splitlines()[0][:200]
