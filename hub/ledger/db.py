"""Engines and migrations. Nothing connects at import time: `make_engine` is called by bootstrap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError

from hub.errors import ConfigurationError
from hub.ledger.uow import SqlAlchemyUnitOfWork, short_error, transient_fault

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CONNECT_TIMEOUT = 10  # seconds: an unreachable server is a transient fault, not a hang


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """PostgreSQL via psycopg 3, or SQLite in WAL mode with serialised writers."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url,
        pool_size=pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )


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

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

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
