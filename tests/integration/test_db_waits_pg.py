"""Bounded waits on the real PostgreSQL (issue 17): every session the hub opens carries the
server limits and TCP keepalives of its settings, and what those limits raise is a transient
fault the worker retries, never a message defect it quarantines."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build, open_database
from hub.config import Settings
from hub.domain.containers import check_digit
from hub.entrypoints.partners_file import load_partners_file
from hub.errors import DatabaseUnavailable
from hub.ledger import audit as audit_module
from hub.ledger.tables import audit_head, inbox, quarantine
from hub.service_layer.ports import AuditEntry
from tests.conftest import PG_ADMIN, SAMPLES, _psql
from tests.integration.faults.messages import coreor_release

pytestmark = pytest.mark.integration

SHORT = {
    "db_statement_timeout": 0.3,
    "db_lock_timeout": 0.3,
    "db_idle_in_transaction_timeout": 0.5,
    "db_idle_session_timeout": 0.6,
}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    name = f"hub_waits_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    hub = build(Settings(database_url=url), transport=InProcessTransport())
    with hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.commit()
    hub.close()
    try:
        yield url
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture()
def probe(url: str) -> Iterator[Engine]:
    """A plain connection, no limits: the other session (a stuck one, or an observer)."""
    engine = create_engine("postgresql+psycopg://" + url.removeprefix("postgresql://"))
    yield engine
    engine.dispose()


def settings(url: str, **extra: float) -> Settings:
    return Settings(database_url=url, **{**SHORT, **extra})  # type: ignore[arg-type]


def test_every_session_carries_the_limits_and_keepalives_of_the_settings(url: str) -> None:
    db = open_database(Settings(database_url=url, db_lock_timeout=7.5, db_keepalives_idle=9))
    try:
        with db.connect() as conn:
            shown = {
                name: conn.execute(text(f"SHOW {name}")).scalar()
                for name in (
                    "statement_timeout",
                    "lock_timeout",
                    "idle_in_transaction_session_timeout",
                    "idle_session_timeout",
                    "tcp_keepalives_idle",
                    "tcp_user_timeout",
                )
            }
            client = conn.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
            head_limit = conn.info.get(audit_module.HEAD_IDLE_TIMEOUT)
    finally:
        db.dispose()
    assert shown == {
        "statement_timeout": "30s",
        "lock_timeout": "7500ms",
        "idle_in_transaction_session_timeout": "10s",
        "idle_session_timeout": "20s",
        "tcp_keepalives_idle": "9",
        "tcp_user_timeout": "10000",
    }
    assert head_limit == 3000, "the audit head's own idle limit is known to the connection"
    assert client["keepalives"] == "1" and client["keepalives_idle"] == "9"
    assert client["keepalives_interval"] == "2" and client["keepalives_count"] == "3"
    assert client["tcp_user_timeout"] == "10000" and client["connect_timeout"] == "10"


def test_a_statement_over_its_limit_is_a_transient_fault(url: str) -> None:
    db = open_database(settings(url))
    try:
        began = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="statement timeout"), db.uow() as uow:
            uow.connection.execute(text("SELECT pg_sleep(5)"))
        assert time.monotonic() - began < 3
    finally:
        db.dispose()


def test_a_session_idle_in_its_transaction_is_ended_and_its_locks_freed(
    url: str, probe: Engine
) -> None:
    """A hub whose client went silent holding the audit head: the server ends the session
    after `db_idle_in_transaction_timeout`, the head is free for every other process, and the
    stuck one learns it as a transient fault on its next statement."""
    db = open_database(settings(url))
    freed, stuck = False, None
    try:
        with db.uow() as uow:
            uow.audit._lock_head()  # type: ignore[attr-defined]
            time.sleep(1.2)
            freed = _head_free(probe)
            uow.connection.execute(text("SELECT 1"))
    except DatabaseUnavailable as exc:
        stuck = exc
    finally:
        db.dispose()
    assert freed, "the stuck session's lock on the audit head was released by the server"
    assert stuck is not None and "idle" in str(stuck)


def test_a_commit_silent_after_taking_the_audit_head_frees_it_within_the_head_limit(
    url: str, probe: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one lock every process shares: once a commit holds the audit head, the session
    has `db_head_idle_timeout` (not the general idle-in-transaction limit) of silence before
    the server ends it and the other processes go on."""
    db = open_database(settings(url, db_idle_in_transaction_timeout=5.0, db_head_idle_timeout=0.3))
    real = audit_module.entry_hash
    freed: list[bool] = []

    def silent(*args: Any) -> str:  # the client stalls between the head and its commit
        if not freed:
            time.sleep(0.8)
            freed.append(_head_free(probe))
        return real(*args)

    monkeypatch.setattr(audit_module, "entry_hash", silent)
    _ensure_head(probe)
    try:
        with pytest.raises(DatabaseUnavailable, match="idle"), db.uow() as uow:
            uow.audit.append(AuditEntry(datetime.now(UTC), "test", "stalled"))
            uow.commit()
    finally:
        db.dispose()
    assert freed == [True], "the head was free again well before the 5 s general limit"


def _ensure_head(engine: Engine) -> None:
    with engine.connect() as conn:
        if conn.execute(select(audit_head)).first() is None:
            conn.execute(audit_head.insert().values(id=1, last_seq=0, last_hash="0" * 64))
            conn.commit()


def _head_free(engine: Engine) -> bool:
    with engine.connect() as other:
        try:
            other.execute(select(audit_head).with_for_update(nowait=True)).all()
            return True
        except OperationalError:
            return False
        finally:
            other.rollback()


def test_a_pooled_connection_ended_by_idle_session_timeout_is_replaced_silently(
    url: str,
) -> None:
    db = open_database(settings(url))
    try:
        with db.uow() as uow:
            uow.connection.execute(text("SELECT 1"))
        time.sleep(1.0)  # the server has closed the pooled session by now
        with db.uow() as uow:
            assert uow.connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()


def _container(n: int) -> str:
    base = f"MSCU{710100 + n:06d}"
    return f"{base}{check_digit(base)}"


def test_a_held_audit_head_times_out_and_the_batch_is_retried_not_quarantined(
    url: str, probe: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Another session holds the audit head for 1.5 s (5x the lock limit): the batch's commit
    fails with lock_timeout, is rolled back and retried, and is applied once when the head is
    free; nothing is quarantined."""
    hub: Hub = build(
        settings(url, db_statement_timeout=5.0), transport=InProcessTransport(), migrate=False
    )
    transport = hub.transport
    assert isinstance(transport, InProcessTransport)
    tag = uuid.uuid4().hex[:6].upper()
    box = _container(int(tag, 16) % 900)
    transport.put(coreor_release(f"W{tag}", f"REL{tag}", box, f"BLW{tag}"), "mscbe", tag)
    held = threading.Event()

    def hold_head() -> None:
        _ensure_head(probe)
        with probe.connect() as other:
            other.execute(select(audit_head).with_for_update()).all()
            held.set()
            time.sleep(1.5)
            other.rollback()

    holder = threading.Thread(target=hold_head)
    holder.start()
    try:
        assert held.wait(10)
        before = _count(probe, quarantine)
        began = time.monotonic()
        hub.worker.drain()
        waited = time.monotonic() - began
    finally:
        holder.join(10)
        hub.close()
    assert hub.worker.stats.applied == 1 and hub.worker.stats.rejected == 0
    assert waited >= 1.0, "the commit waited for the head, bounded, and was retried"
    assert "rolled back: database unavailable: lock not available" in caplog.text
    assert _count(probe, quarantine) == before
    with probe.connect() as conn:
        outcome = conn.scalar(select(inbox.c.outcome).where(inbox.c.dedup_key.like(f"%W{tag}%")))
    assert outcome == "applied"


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]
