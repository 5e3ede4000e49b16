"""Engines and migrations. Nothing connects at import time: `make_engine` is called by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from hub.errors import ConfigurationError
from hub.ledger.audit import HEAD_IDLE_TIMEOUT
from hub.ledger.uow import SqlAlchemyUnitOfWork, short_error, transient_fault

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class DbWaits:
    """How long any wait on PostgreSQL may last (seconds; 0: unbounded). Every connection the
    hub opens carries them: a silent network cut, a lost commit or a stuck session then costs
    seconds, not the two hours of the kernel's default keepalive (docs/runbook.md, "Bounded
    waits on the database"). The errors they raise are transient (`uow.transient_fault`).

    - `statement_timeout`, `lock_timeout`, `idle_in_transaction_timeout`,
      `idle_session_timeout`: the server's per-session limits (`options=-c ...`); the
      idle-in-transaction one is what frees locks held by a session whose client is gone;
    - `keepalives_*`, `tcp_user_timeout`: TCP keepalives and the limit on unacknowledged
      data, set on both ends (libpq's parameters on the hub's side, the same GUCs on the
      server's), so a dead peer is noticed by whichever end is waiting;
    - `head_idle_timeout`: the idle-in-transaction limit once a commit holds the audit head
      (`hub.ledger.audit`): what one stuck session can cost every other process;
    - `connect_timeout`: the whole connection attempt; `pool_timeout`: the wait for a pooled
      connection."""

    statement_timeout: float = 30.0
    lock_timeout: float = 10.0
    idle_in_transaction_timeout: float = 10.0
    idle_session_timeout: float = 20.0
    keepalives_idle: int = 5
    keepalives_interval: int = 2
    keepalives_count: int = 3
    tcp_user_timeout: float = 10.0
    head_idle_timeout: float = 3.0
    connect_timeout: int = 10
    pool_timeout: float = 10.0

    def session_options(self) -> str:
        """The server settings, as libpq's `options` (`-c name=value ...`, milliseconds)."""
        settings = {
            "statement_timeout": _ms(self.statement_timeout),
            "lock_timeout": _ms(self.lock_timeout),
            "idle_in_transaction_session_timeout": _ms(self.idle_in_transaction_timeout),
            "idle_session_timeout": _ms(self.idle_session_timeout),
            "tcp_keepalives_idle": self.keepalives_idle,
            "tcp_keepalives_interval": self.keepalives_interval,
            "tcp_keepalives_count": self.keepalives_count,
            "tcp_user_timeout": _ms(self.tcp_user_timeout),
        }
        return " ".join(f"-c {name}={value}" for name, value in settings.items())

    def head_idle_ms(self) -> int:
        """`head_idle_timeout` in ms, never longer than the general limit; 0: not used."""
        head = self.head_idle_timeout
        if head > 0 and self.idle_in_transaction_timeout > 0:
            head = min(head, self.idle_in_transaction_timeout)
        return _ms(head)

    def connect_args(self, options: str = "") -> dict[str, Any]:
        """psycopg's connection parameters; `options` already in the URL are kept, first."""
        return {
            "connect_timeout": max(1, int(self.connect_timeout)),
            "keepalives": 1,
            "keepalives_idle": self.keepalives_idle,
            "keepalives_interval": self.keepalives_interval,
            "keepalives_count": self.keepalives_count,
            "tcp_user_timeout": _ms(self.tcp_user_timeout),
            "options": f"{options} {self.session_options()}".strip(),
        }


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def make_engine(url: str, *, pool_size: int = 5, waits: DbWaits | None = None) -> Engine:
    """PostgreSQL via psycopg 3, with every wait bounded (`DbWaits`), or SQLite in WAL mode
    with serialised writers."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    waits = waits or DbWaits()
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    engine = create_engine(
        parsed.difference_update_query(["options"]),
        pool_size=pool_size,
        pool_pre_ping=True,
        pool_timeout=waits.pool_timeout,
        connect_args=waits.connect_args(options if isinstance(options, str) else " ".join(options)),
    )
    if head_idle := waits.head_idle_ms():

        @event.listens_for(engine, "connect")
        def _head_limit(_dbapi_conn: Any, record: Any) -> None:
            record.info[HEAD_IDLE_TIMEOUT] = head_idle  # read by `SqlAudit` at the head

    return engine


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision; None for a database without the hub's schema."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class Database:
    """The hub's database: engine, migrations and units of work, behind one object."""

    def __init__(self, url: str, waits: DbWaits | None = None) -> None:
        self.engine = make_engine(url, waits=waits)

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        """Migrate; returns the revision before (None: no schema) and after. A server that
        cannot be reached is `DatabaseUnavailable` (retryable)."""
        try:
            before = current_revision(self.engine)
            upgrade(self.engine, revision)
            return before, current_revision(self.engine)
        except DBAPIError as exc:
            if isinstance(exc, OperationalError) and _refused_login(exc):
                raise ConfigurationError(f"database refused the hub: {short_error(exc)}") from exc
            transient = transient_fault(exc)
            if transient is None:
                raise
            raise transient from exc

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine)

    def connect(self) -> Connection:
        return self.engine.connect()

    def dispose(self) -> None:
        self.engine.dispose()


_LOGIN_REFUSED = (
    "password authentication failed",
    "does not exist",
    "no pg_hba.conf entry",
    "permission denied",
)


def _refused_login(exc: OperationalError) -> bool:
    """The server answered and said no (wrong role, password or database): not transient.
    psycopg gives no SQLSTATE for a failed connection, so the server's FATAL text decides."""
    text = str(exc.orig or exc)
    return "FATAL:" in text and any(reason in text for reason in _LOGIN_REFUSED)
