"""Attacks run on an embedded hub (in-process transport, the sample partners loaded) over
SQLite and over PostgreSQL (a fresh database per test: each attack starts from clean state)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer.subscriptions import buy, top_up
from tests.conftest import _fresh_database
from tests.unit.service.conftest import SAMPLES, FixedClock, clock

__all__ = ["clock", "embedded"]


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/hub.db"
        return
    yield from _fresh_database()


@pytest.fixture()
def embedded(database_url: str, clock: FixedClock) -> Iterator[tuple[Hub, InProcessTransport]]:
    transport = InProcessTransport()
    # refusals answered at once: the waiting room has its own tests
    settings = Settings(database_url=database_url, waiting_window=0)
    hub = build(settings, transport=transport, clock=clock)
    with hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.wallets.pair("TRUCKCO", "W-1", clock())
        top_up(uow, "TRUCKCO", "500.00", clock(), cause="test")
        buy(uow, "TRUCKCO", "low", clock(), cause="test")
        uow.commit()
    yield hub, transport
    hub.close()
