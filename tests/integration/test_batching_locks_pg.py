"""Two workers on real PostgreSQL whose batches touch the same containers in opposite orders.

A batch locks all the container files it will change with one `SELECT … ORDER BY container FOR
UPDATE` before its first message, so a second worker queues on the first one's locks instead of
deadlocking with it; files are then read from memory and written together at commit."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.domain.containers import check_digit
from hub.entrypoints.partners_file import load_partners_file
from hub.ledger import documents
from hub.ledger.tables import bl_customs, container_files
from hub.service_layer import pipeline as pipeline_module
from hub.service_layer.ports import Delivery
from tests.conftest import PG_ADMIN, SAMPLES, _psql
from tests.integration.faults.messages import coarri_discharge, coreor_release, customs_status

pytestmark = pytest.mark.integration

BOXES = 6


def _containers(count: int) -> list[str]:
    found = []
    for n in range(count):
        base = f"MSCU{700100 + n:06d}"
        found.append(f"{base}{check_digit(base)}")
    return found


def _fetch_all(transport: InProcessTransport) -> list[Delivery]:
    return transport.fetch(1_000, 0.0)


@pytest.fixture()
def two_hubs(pg_url: str) -> Iterator[tuple[Hub, Hub]]:
    name = f"hub_locks_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    first = build(Settings(database_url=url), transport=InProcessTransport())
    second = build(Settings(database_url=url), transport=InProcessTransport(), migrate=False)
    try:
        with first.uow() as uow:
            for partner in load_partners_file(SAMPLES / "partners.yaml"):
                uow.partners.save(partner)
            uow.commit()
        yield first, second
    finally:
        first.close()
        second.close()
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_batches_in_opposite_orders_queue_on_ordered_locks_instead_of_deadlocking(
    two_hubs: tuple[Hub, Hub], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_hubs
    boxes = _containers(BOXES)
    bls = [f"BLLOCK{n:04d}" for n in range(BOXES)]
    t1 = first.transport
    assert isinstance(t1, InProcessTransport)
    for n, (box, bl) in enumerate(zip(boxes, bls, strict=True)):
        t1.put(coreor_release(f"LKR{n:04d}", f"RELLKR{n:04d}", box, bl), "mscbe", f"r{n}")
    first.worker.drain()
    assert first.worker.stats.applied == BOXES

    # the first worker discharges in container order, the second records customs per B/L in
    # the opposite order: message by message, each would hold a file the other one wants
    for n, box in enumerate(boxes):
        t1.put(coarri_discharge(f"LKD{n:04d}", box), "psat", f"d{n}")
    t2 = second.transport
    assert isinstance(t2, InProcessTransport)
    for n, bl in reversed(list(enumerate(bls))):
        t2.put(customs_status(f"LKC{n:04d}", bl), "becustoms", f"c{n}")

    first_holds = threading.Event()
    second_started = threading.Event()
    blocked: list[bool] = []
    real = pipeline_module.handle_inbound

    def paced(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "first" and not first_holds.is_set():
            # the whole batch's files are locked before its first message is handled
            with first.db.engine.connect() as probe:
                probe.execute(text("SET lock_timeout = '100ms'"))
                try:
                    probe.execute(
                        select(container_files.c.container)
                        .where(container_files.c.container == boxes[-1])
                        .with_for_update(nowait=True)
                    )
                    blocked.append(False)
                except OperationalError:
                    blocked.append(True)
            first_holds.set()
            second_started.wait(1.0)  # the old per-message locking deadlocks here
        elif threading.current_thread().name == "second":
            second_started.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "handle_inbound", paced)
    errors: list[BaseException] = []

    def run(hub: Hub, transport: InProcessTransport, wait: threading.Event | None) -> None:
        try:
            if wait is not None:
                assert wait.wait(10.0)
            batch = _fetch_all(transport)
            hub.worker.process(batch)  # no retry: a deadlock would surface here
            transport.ack(batch)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(first, t1, None), name="first"),
        threading.Thread(target=run, args=(second, t2, first_holds), name="second"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30.0)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert blocked == [True], "the last container of the batch was locked before its first message"
    assert first.worker.stats.applied == 2 * BOXES and first.worker.stats.rejected == 0
    assert second.worker.stats.applied == BOXES and second.worker.stats.rejected == 0
    with first.db.connect() as conn:
        docs = {
            r.container: r
            for r in conn.execute(
                select(
                    container_files.c.container, container_files.c.doc, container_files.c.version
                )
            )
        }
        rows = conn.execute(select(bl_customs.c.bill_of_lading, bl_customs.c.status))
        statuses = {r.bill_of_lading: r.status for r in rows}
    for box, bl in zip(boxes, bls, strict=True):
        doc = docs[box].doc
        kept = documents.load(box, doc, docs[box].version)
        assert kept.discharged, box  # neither worker's change was lost to the other
        assert doc["customs_bl"].get(bl) == "released", (box, doc["customs_bl"])
        assert docs[box].version == 3, box  # release, discharge, customs: one save each
        assert statuses[bl] == "released"
