"""Attacks on the storage boundary, on SQLite and on the real PostgreSQL.

A partner controls every AMQP property and every reference in its payload. Whatever it puts
there, the hub must: keep serving the other partners in the same batch and the next, answer the
hostile sender clearly, store the payload once, and never crash, retry forever or roll a batch
back in a loop. Data the database cannot store is a permanent problem of that one message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from hub.adapters.inprocess import InProcessTransport
from hub.adapters.retry import with_retries
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.entrypoints.cli import cli
from hub.entrypoints.partners_file import load_partners_file
from hub.errors import ConcurrencyConflict, DatabaseUnavailable, Unstorable
from hub.ledger import audit as audit_trail
from hub.ledger.db import make_engine
from hub.ledger.repositories import SqlInbox
from hub.ledger.tables import bl_links, inbox, quarantine, quarantine_payloads
from hub.ledger.uow import classify
from hub.runtime import worker
from hub.service_layer import pipeline
from hub.service_layer.ports import Delivery, Outgoing

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RELEASE = (SAMPLES / "demo/01_release.edi").read_bytes()
DISCHARGE = (SAMPLES / "demo/06_discharge.edi").read_bytes()


@dataclass
class World:
    """A hub on one backend with the sample partners, driven through the in-process broker."""

    hub: Hub
    transport: InProcessTransport

    def deliver(self, body: bytes, user: str, message_id: str = "m", **props: Any) -> None:
        self.transport.queue.append(Delivery(body, user, message_id, **props))

    def run(self) -> None:
        self.hub.worker.drain()

    def answers(self, party: str) -> list[Outgoing]:
        return self.transport.on("hub.partner", party)

    def held(self) -> list[Any]:
        with self.hub.uow() as uow:
            return uow.quarantine.list("held")

    def count(self, table: Any) -> int:
        with self.hub.db.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(table)) or 0)

    def discharged(self) -> bool:
        with self.hub.uow() as uow:
            return uow.files.get("FCIU9908030").discharged


def _fast_retry(fn: Callable[[], Any]) -> Any:
    return with_retries(fn, attempts=3, first_wait=0.01, max_wait=0.05)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    url = (
        f"sqlite:///{tmp_path}/hub.db"
        if request.param == "sqlite"
        else request.getfixturevalue("own_pg_url")
    )
    transport = InProcessTransport()
    clock = lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # noqa: E731
    hub = build(Settings(database_url=url), transport=transport, clock=clock)
    hub.worker.retry = _fast_retry
    with hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.commit()
    yield World(hub, transport)
    with hub.db.connect() as conn:
        assert audit_trail.verify(conn) == [], "the audit chain stays intact"
    hub.close()


def _texts(messages: list[Outgoing]) -> str:
    return "\n".join(m.body.decode("utf-8", "replace") for m in messages)


# -- properties longer than their columns, or holding what a column cannot hold --------------


HOSTILE_PROPS: dict[str, Any] = {
    "content_type": "application/edifact;" + "x" * 5000,
    "headers": {"h" * 300: "v\x00" * 1000, "nested": {"\x00": ["\udcff" * 10]}},
}


def test_overlong_properties_of_a_rejected_delivery_are_stored_bounded(world: World) -> None:
    world.deliver(b"this is neither EDIFACT nor XML", "fwdant", "m" * 5000, **HOSTILE_PROPS)
    world.deliver(DISCHARGE, "psat", "good-1")
    world.run()
    assert world.discharged(), "the other partner's message in the same batch is applied"
    (held,) = world.held()
    assert held.payload == b"this is neither EDIFACT nor XML"
    assert len(held.content_type) <= 64 and held.content_type.startswith("application/edifact;")
    assert "expected UNA, UNB or UNH (EDIFACT) or an XML document" in _texts(
        world.answers("FWDANT")
    )
    world.deliver(DISCHARGE.replace(b"PSAT000001", b"PSAT000002"), "psat", "good-2")
    world.run()
    assert world.hub.worker.stats.applied == 2


def test_a_stranger_with_a_hostile_user_id_is_quarantined_bounded(world: World) -> None:
    world.deliver(RELEASE, "u\x00" + "s" * 300, "m\udcff", content_type="\udcff" * 100)
    world.deliver(DISCHARGE, "psat", "good-1")
    world.run()
    assert world.discharged()
    (held,) = world.held()
    assert held.kind == "unknown-sender"
    assert len(held.broker_user) <= 64 and "\x00" not in held.broker_user
    assert len(held.content_type) <= 64 and "\udcff" not in held.content_type


def test_the_last_resort_quarantine_cannot_fail_on_the_message(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A defect of the hub on a message whose properties are hostile: the message is kept as
    an internal error; the quarantine write of last resort does not fail on its data."""
    real = pipeline.handle_inbound

    def defective(delivery: Delivery, *args: Any, **kwargs: Any) -> Any:
        if delivery.message_id.startswith("boom"):
            raise RuntimeError("a defect \x00 of the hub " + "z" * 10_000)
        return real(delivery, *args, **kwargs)

    monkeypatch.setattr(pipeline, "handle_inbound", defective)
    monkeypatch.setattr(worker, "handle_inbound", defective)
    world.deliver(RELEASE, "mscbe", "boom\x00" + "b" * 5000, **HOSTILE_PROPS)
    world.deliver(DISCHARGE, "psat", "good-1")
    world.run()
    assert world.discharged()
    (held,) = world.held()
    assert held.kind == "internal" and held.payload == RELEASE
    assert "RuntimeError" in held.reason and "\x00" not in held.reason
    assert len(held.reason) <= 2000 and len(held.content_type) <= 64


# -- references the database cannot store ------------------------------------------------------


def test_a_nul_in_the_control_reference_is_answered_once_and_never_retried(world: World) -> None:
    hostile = RELEASE.replace(b"MSC0000001", b"MSC\x0000001")
    world.deliver(hostile, "mscbe", "evil-1")
    world.deliver(DISCHARGE, "psat", "good-1")
    world.run()
    assert world.discharged(), "every other partner is served, not held behind a retry"
    assert not world.transport.unacked and not world.hub.worker._held
    first = len(world.answers("MSCBE"))
    assert first >= 1, "the sender is answered"
    world.deliver(hostile, "mscbe", "evil-1")  # the ack was lost: a redelivery
    world.run()
    assert world.count(inbox) == 2, "one inbox row per interchange, stored once"
    with world.hub.db.connect() as conn:
        keys = list(conn.scalars(select(inbox.c.dedup_key)))
    assert all("\x00" not in k for k in keys)


@pytest.mark.parametrize(
    ("bad_bill", "code"),
    [(b"MEDU\x00AN123457", "21"), (b"B" * 90, "39")],
    ids=["nul", "too-long"],
)
def test_an_unstorable_reference_rejects_its_message_with_an_answer(
    world: World, bad_bill: bytes, code: str
) -> None:
    world.deliver(RELEASE.replace(b"MEDUAN123457", bad_bill), "mscbe", "evil-1")
    world.deliver(DISCHARGE, "psat", "good-1")
    world.run()
    assert world.discharged()
    assert not world.hub.worker._held and not world.transport.unacked
    answers = _texts(world.answers("MSCBE"))
    assert "UCI+MSC0000001+MSCBE:ZZZ+CPUHUB:ZZZ+4" in answers, "CONTRL: interchange rejected"
    assert f"ERC+{code}" in answers and "cannot be st" in answers, "APERAK with the reason"
    (held,) = world.held()
    assert held.kind == "unstorable" and held.sender == "MSCBE"
    with world.hub.uow() as uow:
        assert uow.files.get("MSCU1234566").right is None, "nothing of it was applied"
    with world.hub.db.connect() as conn:
        assert list(conn.scalars(select(bl_links.c.bill_of_lading))) == []


# -- one payload, many rejected units: stored once -------------------------------------------


def _interchange(n: int) -> bytes:
    """An interchange the hub refuses (UNB sender is not the partner that sent it)."""
    ref = f"X{n:09d}".encode()
    return (
        RELEASE.split(b"UNA:+.? '\n", 1)[1]
        .replace(b"MSC0000001", ref)
        .replace(b"MSCBE:ZZZ", b"EVILCO:ZZZ")
        .replace(b"MSCREL20261123", b"R" + ref)
    )


def _quarantine_bytes(world: World) -> int:
    with world.hub.db.connect() as conn:
        payloads = sum(len(bytes(p)) for p in conn.scalars(select(quarantine_payloads.c.payload)))
        rows = conn.execute(select(quarantine.c.reason, quarantine.c.problems)).all()
    return payloads + sum(len(r.reason) + len(json.dumps(r.problems)) for r in rows)


def _database_bytes(world: World) -> int:
    with world.hub.db.connect() as conn:
        if conn.dialect.name == "postgresql":
            every = "SELECT sum(pg_total_relation_size(relid)) FROM pg_stat_user_tables"
            return int(conn.scalar(text(every)) or 0)
        pages = int(conn.scalar(text("PRAGMA page_count")) or 0)
        return pages * int(conn.scalar(text("PRAGMA page_size")) or 0)


def test_a_payload_is_quarantined_once_however_many_of_its_units_are_rejected(
    world: World,
) -> None:
    body = b"UNA:+.? '\n" + b"\n".join(_interchange(n) for n in range(300))
    before = _database_bytes(world)
    world.deliver(body, "mscbe", "many-1")
    world.deliver(DISCHARGE, "psat", "good-1")
    world.run()
    assert world.discharged()
    assert world.count(quarantine_payloads) == 1
    assert _quarantine_bytes(world) <= 2 * len(body) + 64_000
    # each rejected unit still costs its answers, audit entry and inbox row (~2 kB with the
    # pages and indexes), never another copy of the payload (300 copies before: 33 MB)
    assert _database_bytes(world) - before <= 10 * len(body) + 1_000_000
    assert len(world.answers("MSCBE")) >= 300, "every interchange is answered"
    for entry in world.held():
        assert len(entry.problems) <= 51 and len(entry.reason) <= 2000
    world.deliver(body, "fwdant", "many-2")  # the same bytes from another partner
    world.run()
    assert world.count(quarantine_payloads) == 1, "the same bytes are stored once"


# -- the boundary's classification of what the database says ----------------------------------


def test_the_boundary_tells_refused_values_from_faults(world: World) -> None:
    """Real driver errors, classified: a refused value is permanent (`Unstorable`), only a
    lost connection or a race is worth retrying."""
    pg = world.hub.db.engine.dialect.name == "postgresql"
    row = {"sender": "S", "outcome": "applied", "payload_sha256": "0" * 64}
    at = datetime(2026, 11, 23, tzinfo=UTC)
    cases: list[tuple[dict[str, Any], type[Exception] | None]] = [
        ({"dedup_key": "k" * 400}, Unstorable if pg else None),
        ({"dedup_key": "a\x00b"}, Unstorable if pg else None),
        ({"dedup_key": "\udcff"}, Unstorable),
        ({"dedup_key": "dup"}, None),
        ({"dedup_key": "dup"}, ConcurrencyConflict if pg else Unstorable),
        ({"dedup_key": "n", "id": 2**70}, Unstorable),
    ]
    for values, expected in cases:
        with world.hub.db.engine.connect() as conn:
            try:
                conn.execute(inbox.insert().values(**row, received_at=at, **values))
                conn.commit()
                meaning = None
            except Exception as exc:  # the point is what it means
                meaning = classify(exc)
                assert meaning is not None, f"{values}: {exc!r} left unclassified"
        assert (type(meaning) if meaning else None) is expected, values
    gone = make_engine(
        "postgresql://postgres@127.0.0.1:1/none" if pg else "sqlite:////nonexistent/x.db"
    )
    with pytest.raises(OperationalError) as lost:
        gone.connect()
    assert isinstance(classify(lost.value), DatabaseUnavailable)


def test_a_conflict_that_is_no_race_is_quarantined_after_bounded_rounds(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unique key that conflicts in every round is a defect, not another process: after
    `max_conflict_rounds` the message is kept as internal and the rest of the batch goes on."""
    if world.hub.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: a unique conflict there is never a race")
    with world.hub.db.engine.begin() as conn:
        conn.execute(
            inbox.insert().values(
                sender="MSCBE",
                dedup_key="edifact:MSCBE:CPUHUB:MSC0000001",
                outcome="applied",
                payload_sha256="0" * 64,
                received_at=datetime(2026, 11, 23, tzinfo=UTC),
            )
        )
    monkeypatch.setattr(SqlInbox, "preload", lambda self, keys: None)
    monkeypatch.setattr(SqlInbox, "seen", lambda self, sender, key: False)  # a defect: blind
    world.deliver(RELEASE, "mscbe", "blind-1")
    world.deliver(DISCHARGE, "psat", "good-1")
    rounds = 0
    while True:
        rounds += 1
        try:
            world.hub.worker.run_once()
            break
        except ConcurrencyConflict:
            assert rounds < world.hub.worker.max_conflict_rounds
    assert rounds == world.hub.worker.max_conflict_rounds
    assert world.discharged() and not world.transport.unacked
    (held,) = world.held()
    assert held.kind == "internal" and "unique key" in held.reason


# -- what the operator sees ---------------------------------------------------------------------


def test_quarantine_list_shows_the_kind_and_filters_by_it(world: World) -> None:
    world.deliver(b"garbage", "fwdant", "g-1")
    claims_another = RELEASE.replace(b"MSCBE:ZZZ+CPUHUB", b"FWDANT:ZZZ+CPUHUB")
    world.deliver(claims_another, "mscbe", "r-1")  # a refusal: answered, no defect
    world.run()
    env = {"HUB_DATABASE_URL": world.hub.settings.database_url}
    every = CliRunner().invoke(cli, ["quarantine", "list"], env=env)
    assert every.exit_code == 0, every.output
    lines = every.output.splitlines()
    assert len(lines) == 2 and {line.split()[4] for line in lines} == {"unreadable", "refused"}
    refused = CliRunner().invoke(cli, ["quarantine", "list", "--kind", "refused"], env=env)
    (line,) = refused.output.splitlines()
    assert "MSCBE" in line and "arrived from 'MSCBE'" in line, "the reason is not cut"
    qid = line.split()[0]
    shown = json.loads(CliRunner().invoke(cli, ["quarantine", "show", qid], env=env).output)
    assert shown["kind"] == "refused" and "FWDANT:ZZZ" in shown["payload"]


def test_units_of_one_delivery_rejected_for_different_reasons_share_one_payload(
    world: World,
) -> None:
    refused = _interchange(1)  # claims another sender: a policy refusal
    unsupported = RELEASE.split(b"UNA:+.? '\n", 1)[1].replace(b"COREOR:D:95B", b"IFTMIN:D:95B")
    body = b"UNA:+.? '\n" + refused + b"\n" + unsupported.replace(b"MSC0000001", b"MSC0000009")
    world.deliver(body, "mscbe", "mixed-1")
    world.run()
    held = world.held()
    assert sorted(q.kind for q in held) == ["refused", "unreadable"]
    assert {q.payload for q in held} == {body}
    assert world.count(quarantine_payloads) == 1
