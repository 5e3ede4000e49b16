"""An embedded hub (in-process transport) with the sample partners loaded, on each ledger.

Every test that uses `embedded` runs twice: on SQLite and on the in-memory ledger
(`hub.ledger.memory`), as dramatiq runs its tests over the stub and the real broker. A test that
reads the database with SQL (tables, reports, the audit walk) is marked `sql_only` and runs on
SQLite alone; PostgreSQL is the integration tests'."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.entrypoints.partners_file import load_partners_file
from hub.ledger.memory import MEMORY_URL
from hub.service_layer.subscriptions import buy, top_up

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))


LEDGERS = ("sqlite", "memory")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`ledger` for every test that uses it (through `embedded`): both, or SQLite alone."""
    if "ledger" in metafunc.fixturenames:
        sql_only = metafunc.definition.get_closest_marker("sql_only") is not None
        metafunc.parametrize("ledger", ("sqlite",) if sql_only else LEDGERS)


@pytest.fixture()
def embedded(
    tmp_path: Path, clock: FixedClock, ledger: str
) -> Iterator[tuple[Hub, InProcessTransport]]:
    transport = InProcessTransport()
    url = f"sqlite:///{tmp_path}/hub.db" if ledger == "sqlite" else MEMORY_URL
    # refusals answered at once: the waiting room has its own tests (test_waiting_room.py)
    hub = build(Settings(database_url=url, waiting_window=0), transport=transport, clock=clock)
    with hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.wallets.pair("TRUCKCO", "W-1", clock())
        top_up(uow, "TRUCKCO", "500.00", clock(), cause="test")
        buy(uow, "TRUCKCO", "low", clock(), cause="test")
        uow.commit()
    yield hub, transport
    hub.close()


def send(
    hub: Hub, transport: InProcessTransport, name: str, user: str, message_id: str = ""
) -> None:
    """Put a sample on the inbound queue as `user` and let the hub process it."""
    transport.put((SAMPLES / name).read_bytes(), user, message_id or name)
    hub.worker.drain()


STORY = (
    ("demo/01_release.edi", "mscbe"),
    ("demo/02_accept.xml", "fwdant"),
    ("demo/03_transfer.xml", "fwdant"),
    ("demo/04_accept.xml", "truckco"),
    ("demo/05_customs.xml", "becustoms"),
    ("demo/06_discharge.edi", "psat"),
    ("demo/07_assign.xml", "truckco"),
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sql_only: reads the database with SQL; runs on SQLite, not in memory"
    )
