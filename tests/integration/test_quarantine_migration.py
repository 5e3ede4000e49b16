"""Migration 0003 on a database with entries written before it: every payload moves to
`quarantine_payloads` once, entries keep it (and get a kind), and the way back restores it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from hub.ledger.db import alembic_config, make_engine, upgrade
from hub.ledger.tables import UtcDateTime
from tests.conftest import _missing, _port_open, _psql

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        e = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield e
        e.dispose()
        return
    if not _port_open(5432):
        _missing("PostgreSQL on 127.0.0.1:5432")
    name = f"hub_mig_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    e = make_engine(f"postgresql://postgres@127.0.0.1:5432/{name}")
    yield e
    e.dispose()
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


OLD = [
    (b"same bytes", "message(s) rejected: 1"),
    (b"same bytes", "internal error: RuntimeError: boom"),
    (b"other bytes", "broker user 'x' is not a registered partner"),
]


def test_old_entries_keep_their_payload_stored_once(engine: Engine) -> None:
    upgrade(engine, "0002")
    old = sa.table(
        "quarantine",
        *(sa.column(c) for c in ("broker_user", "sender", "content_type", "reason", "status")),
        sa.column("received_at", UtcDateTime()),
        sa.column("problems", sa.JSON()),
        sa.column("payload", sa.LargeBinary()),
    )
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for payload, reason in OLD:
            conn.execute(
                old.insert().values(
                    received_at=at,
                    broker_user="b",
                    sender="S",
                    content_type="",
                    reason=reason,
                    problems=[],
                    payload=payload,
                    status="held",
                )
            )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM quarantine_payloads")) == 2
        rows = conn.execute(
            sa.text(
                "SELECT q.kind, p.payload FROM quarantine q JOIN quarantine_payloads p"
                " ON p.sha256 = q.payload_sha256 ORDER BY q.id"
            )
        ).all()
    assert [(r.kind, bytes(r.payload)) for r in rows] == [
        ("unreadable", b"same bytes"),
        ("internal", b"same bytes"),
        ("unknown-sender", b"other bytes"),
    ]
    command.downgrade(alembic_config(engine), "0002")
    with engine.connect() as conn:
        back = [
            bytes(p) for p in conn.scalars(sa.text("SELECT payload FROM quarantine ORDER BY id"))
        ]
    assert back == [p for p, _ in OLD]
