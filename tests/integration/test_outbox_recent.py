"""`Outbox.recent` (the console's "sent" page) on SQLite and PostgreSQL: newest first, one
routing key or all, bodies cut to the preview with their full size, sent or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.bootstrap import build
from hub.config import Settings
from hub.service_layer.ports import Outgoing


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return str(request.getfixturevalue("own_pg_url"))


def test_recent_lists_newest_first_with_a_bounded_preview(db_url: str) -> None:
    hub = build(Settings(database_url=db_url), consume=False)
    at = datetime(2026, 11, 30, 8, tzinfo=UTC)
    try:
        with hub.uow() as uow:
            for n, key in enumerate(["FWDANT", "PSAT", "FWDANT"]):
                body = bytes([n + 65]) * 5000
                uow.outbox.add(Outgoing("hub.partners", key, body, "x", f"T{n}"), at)
            uow.commit()
        with hub.uow() as uow:
            claimed = uow.outbox.claim(1, at + timedelta(seconds=1))
            uow.commit()
        assert [m.message_type for m in claimed] == ["T0"]
        with hub.uow() as uow:
            fwdant = uow.outbox.recent("FWDANT", 10, 100)
            every = uow.outbox.recent("", 2, 100)
    finally:
        hub.close()
    assert [(m.message_type, m.sent_at is not None) for m in fwdant] == [
        ("T2", False),
        ("T0", True),
    ]
    assert fwdant[0].preview == b"C" * 100 and fwdant[0].size == 5000
    assert [m.routing_key for m in every] == ["FWDANT", "PSAT"]
