"""The waiting room on the embedded hub (SQLite and the in-memory ledger): a message whose
precondition is not met yet is parked unanswered, applied when the message it waits for
arrives (with the effect and the answers it would have had in time), and refused with its
reason when its window has passed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.domain.token_ledger import EntryKind
from hub.domain.values import RightStatus
from hub.entrypoints.cli import cli
from hub.entrypoints.partners_file import load_partners_file
from hub.ledger.memory import MEMORY_URL
from hub.service_layer.pipeline import expire_waiting
from hub.service_layer.subscriptions import buy, top_up
from tests.unit.service.conftest import SAMPLES, FixedClock

BOX = "MSCU1234566"
RELEASE = (SAMPLES / "demo/01_release.edi").read_bytes()
ACCEPT = (SAMPLES / "demo/02_accept.xml").read_bytes()
TRANSFER = (SAMPLES / "demo/03_transfer.xml").read_bytes()
TRUCK_ACCEPT = (SAMPLES / "demo/04_accept.xml").read_bytes()
CANCEL = RELEASE.replace(b"+MSCREL20261123+9'", b"+MSCREL20261123+1'").replace(
    b"MSC0000001", b"MSC0000002"
)
ANSWERS = ("APERAK", "CONTRL", "ack")
WINDOW = 600


@contextmanager
def _hub(
    tmp_path: Path, clock: FixedClock, ledger: str, **settings: Any
) -> Iterator[tuple[Hub, InProcessTransport]]:
    """An embedded hub with the sample partners, TRUCKCO holding low-tier tokens."""
    transport = InProcessTransport()
    url = f"sqlite:///{tmp_path}/hub.db" if ledger == "sqlite" else MEMORY_URL
    hub = build(
        Settings(database_url=url, waiting_window=WINDOW, **settings),
        transport=transport,
        clock=clock,
    )
    with hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.wallets.pair("TRUCKCO", "W-1", clock())
        top_up(uow, "TRUCKCO", "500.00", clock(), cause="test")
        buy(uow, "TRUCKCO", "low", clock(), cause="test")
        uow.commit()
    try:
        yield hub, transport
    finally:
        hub.close()


@pytest.fixture()
def waiting_hub(
    tmp_path: Path, clock: FixedClock, ledger: str
) -> Iterator[tuple[Hub, InProcessTransport]]:
    with _hub(tmp_path, clock, ledger) as made:
        yield made


def _put(hub: Hub, transport: InProcessTransport, body: bytes, user: str, mid: str) -> None:
    transport.put(body, user, mid)
    hub.worker.drain()


def _answers(transport: InProcessTransport, party: str) -> list[tuple[str, str, str]]:
    """(type, correlation id, accepted?) of every answer `party` got, in order."""
    return [
        (m.message_type, m.headers.get("correlation_id", ""), _verdict(m.body))
        for m in transport.on("hub.partner", party)
        if m.message_type in ANSWERS
    ]


def _verdict(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    if "<status>" in text:
        return text.split("<status>")[1].split("<")[0]
    return "refused" if "ERC+" in text and "ERC+000" not in text else "ok"


def _waiting(hub: Hub) -> list[tuple[str, tuple[str, ...], str]]:
    with hub.uow() as uow:
        return [(p.sender, p.containers, p.reason) for p in uow.waiting.list()]


def test_an_accept_before_its_release_waits_then_applies_in_order(
    waiting_hub: tuple[Hub, InProcessTransport], clock: FixedClock
) -> None:
    """Three messages of two senders arrive before the release they depend on: each waits,
    unanswered; the release applies all three in the order they can apply, each answered with
    its own message id, the haulier's token spent once."""
    hub, transport = waiting_hub
    _put(hub, transport, TRUCK_ACCEPT, "truckco", "truck-accept")
    _put(hub, transport, ACCEPT, "fwdant", "fwd-accept")
    _put(hub, transport, ACCEPT, "fwdant", "fwd-accept-again")  # a re-send: not parked twice
    _put(hub, transport, TRANSFER, "fwdant", "fwd-transfer")
    waiting = _waiting(hub)
    assert [(s, c) for s, c, _ in waiting] == [
        ("TRUCKCO", (BOX,)),
        ("FWDANT", (BOX,)),
        ("FWDANT", (BOX,)),
    ]
    assert "no release for container MSCU1234566" in waiting[1][2]
    assert _answers(transport, "FWDANT") == [] and _answers(transport, "TRUCKCO") == []

    clock.at += timedelta(minutes=2)
    _put(hub, transport, RELEASE, "mscbe", "msc-release")

    assert _waiting(hub) == []
    with hub.uow() as uow:
        right = uow.files.get(BOX).right
        consumed = [e for e in uow.tokens.entries("TRUCKCO") if e.kind is EntryKind.CONSUME]
    assert right is not None and right.holder == "TRUCKCO"
    assert right.status is RightStatus.RELEASED
    assert len(consumed) == 1
    assert _answers(transport, "FWDANT") == [
        ("ack", "fwd-accept", "accepted"),
        ("ack", "fwd-transfer", "accepted"),
    ]
    assert _answers(transport, "TRUCKCO") == [("ack", "truck-accept", "accepted")]
    assert [a[:2] for a in _answers(transport, "MSCBE")] == [
        ("APERAK", "msc-release"),
        ("CONTRL", "msc-release"),
    ]


def test_a_cancel_before_its_release_waits_and_the_release_ends_revoked(
    waiting_hub: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = waiting_hub
    _put(hub, transport, CANCEL, "mscbe", "msc-cancel")
    assert [c for _, c, _ in _waiting(hub)] == [(BOX, "FCIU9908030")]
    _put(hub, transport, RELEASE, "mscbe", "msc-release")
    assert _waiting(hub) == []
    with hub.uow() as uow:
        right = uow.files.get(BOX).right
    assert right is not None and right.status is RightStatus.REVOKED
    assert [a[:2] for a in _answers(transport, "MSCBE")] == [
        ("APERAK", "msc-release"),
        ("CONTRL", "msc-release"),
        ("APERAK", "msc-cancel"),
        ("CONTRL", "msc-cancel"),
    ]


@pytest.mark.sql_only  # `hub run`'s periodic jobs include the reminders, read by SQL reports
def test_a_parked_message_is_refused_with_its_reason_when_its_window_passes(
    waiting_hub: tuple[Hub, InProcessTransport], clock: FixedClock
) -> None:
    hub, transport = waiting_hub
    _put(hub, transport, ACCEPT, "fwdant", "fwd-accept")
    clock.at += timedelta(seconds=WINDOW - 1)
    hub.worker.expire_due()
    assert len(_waiting(hub)) == 1  # not yet

    clock.at += timedelta(seconds=2)
    hub.worker.expire_due()
    hub.worker.drain()

    assert _waiting(hub) == []
    assert _answers(transport, "FWDANT") == [("ack", "fwd-accept", "rejected")]
    with hub.uow() as uow:
        held = uow.quarantine.list("held")
        refused = uow.waiting.list("refused")
    assert [q.kind for q in held] == ["refused"]
    assert "no release for container MSCU1234566" in held[0].reason + str(held[0].problems)
    assert len(refused) == 1 and refused[0].sender == "FWDANT"


def test_expiry_refuses_through_the_normal_rejected_path_on_either_ledger(
    waiting_hub: tuple[Hub, InProcessTransport], clock: FixedClock
) -> None:
    """`expire_waiting` alone (the job `hub run` adds to its periodic ones): the parked unit
    is decided once more without parking, refused with its real reason, answered correlated
    to its own message id, quarantined once; a re-send after that is a duplicate."""
    hub, transport = waiting_hub
    _put(hub, transport, ACCEPT, "fwdant", "fwd-accept")
    clock.at += timedelta(seconds=WINDOW + 1)
    with hub.uow() as uow:
        [outcome] = expire_waiting(uow, hub.worker.hub)
        uow.commit()
    hub.worker.drain()

    assert (outcome.status, outcome.rejected, outcome.parked) == ("rejected", 1, 0)
    assert _waiting(hub) == []
    assert _answers(transport, "FWDANT") == [("ack", "fwd-accept", "rejected")]
    with hub.uow() as uow:
        [held] = uow.quarantine.list("held")
        assert "no release for container MSCU1234566" in held.reason + str(held.problems)
        assert [p.status for p in uow.waiting.list("refused")] == ["refused"]
    _put(hub, transport, ACCEPT, "fwdant", "fwd-accept-again")
    assert _waiting(hub) == []


def test_a_refusal_that_can_never_become_right_is_answered_at_once(
    waiting_hub: tuple[Hub, InProcessTransport],
) -> None:
    """A second release by another agent while one is active: no message can make it right."""
    hub, transport = waiting_hub
    _put(hub, transport, RELEASE, "mscbe", "msc-release")
    _put(hub, transport, ACCEPT, "fwdant", "fwd-accept")
    twice = ACCEPT.replace(b"FWD-0001", b"FWD-0009")  # accepting what it already holds
    _put(hub, transport, twice, "fwdant", "fwd-accept-twice")
    assert _waiting(hub) == []
    assert _answers(transport, "FWDANT") == [
        ("ack", "fwd-accept", "accepted"),
        ("ack", "fwd-accept-twice", "rejected"),
    ]


@pytest.mark.sql_only  # the CLI reads the database from outside the hub: no shared memory
def test_hub_waiting_list_shows_sender_container_reason_and_deadline(
    waiting_hub: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = waiting_hub
    _put(hub, transport, ACCEPT, "fwdant", "fwd-accept")
    env = {"HUB_DATABASE_URL": hub.settings.database_url}
    shown = CliRunner().invoke(cli, ["waiting", "list"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "FWDANT" in shown.output and BOX in shown.output
    assert (
        "no release for container" in shown.output and "until 2026-11-23 08:10:00Z" in shown.output
    )
    as_json = CliRunner().invoke(cli, ["waiting", "list", "--format", "json"], env=env)
    [row] = json.loads(as_json.output)
    assert (row["sender"], row["containers"], row["message_id"]) == ("FWDANT", BOX, "fwd-accept")


def test_a_parked_payload_is_read_once_per_process_and_by_what_it_is() -> None:
    """Re-tries re-read a parked message's payload on every change of its container: the
    units are read once and kept by the payload's digest, how strictly and within which
    limits, so another payload, or the same one read strictly, is never given them."""
    from hub.service_layer import waiting
    from hub.service_layer.intake import Limits, read_units

    limits = Limits()
    first = waiting._read_again(ACCEPT, False, limits)
    assert [u.dedup_key for u in first] == [u.dedup_key for u in read_units(ACCEPT)]
    assert waiting._read_again(ACCEPT, False, limits) is first
    assert waiting._read_again(ACCEPT, True, limits) is not first
    other = waiting._read_again(TRANSFER, False, limits)
    assert [u.dedup_key for u in other] != [u.dedup_key for u in first]
    big = ACCEPT + b" " * waiting._READ_BYTES  # large payloads are not kept
    assert waiting._read_again(big, False, limits) is not waiting._read_again(big, False, limits)


def test_a_gate_out_before_its_authorisation_waits_for_the_pickup_assignment(
    waiting_hub: tuple[Hub, InProcessTransport],
) -> None:
    """Found by the benchmark with two processes: the terminal's gate-out was applied before
    the haulier's pickup assignment (another sender, another process), which was then refused
    ("release ... is picked_up"). The gate-out now waits for the authorisation it follows; the
    assignment authorises, the gate-out applies and ends the right, nothing is refused."""
    hub, transport = waiting_hub
    story = ["01_release.edi", "02_accept.xml", "03_transfer.xml", "04_accept.xml"]
    story += ["05_customs.xml", "06_discharge.edi"]
    users = {"01": "mscbe", "02": "fwdant", "03": "fwdant", "04": "truckco"}
    users |= {"05": "becustoms", "06": "psat", "07": "truckco", "08": "psat"}
    for name in story:
        _put(hub, transport, (SAMPLES / "demo" / name).read_bytes(), users[name[:2]], name)
    _put(hub, transport, (SAMPLES / "demo/08_gate_out.edi").read_bytes(), "psat", "gate-out")
    ((sender, boxes, reason),) = _waiting(hub)
    assert (sender, boxes) == ("PSAT", (BOX,)) and "no gate authorisation" in reason
    _put(hub, transport, (SAMPLES / "demo/07_assign.xml").read_bytes(), "truckco", "assign")
    assert _waiting(hub) == []
    with hub.uow() as uow:
        right = uow.files.get(BOX).right
    assert right is not None and right.status is RightStatus.PICKED_UP
    assert _answers(transport, "TRUCKCO")[-1] == ("ack", "assign", "accepted")
    gate = [m.message_type for m in transport.on("hub.gate", "PSAT")]
    assert "GateAuthorised" in gate  # the terminal held the authorisation it let it out on
    (answer,) = [
        m
        for m in transport.on("hub.partner", "PSAT")
        if m.headers.get("correlation_id") == "gate-out"
    ]
    assert answer.message_type == "APERAK" and b"message accepted" in answer.body


def test_a_sender_cannot_fill_the_waiting_room(
    tmp_path: Path, clock: FixedClock, ledger: str
) -> None:
    """A partner could park ten minutes' worth of messages for containers that will never be
    released: every one stored with its payload and an (empty) container file, re-tried and
    finally refused one periodic tick (100) at a time, holding up the refusals of everyone
    else's. Past `waiting_per_sender` of its messages waiting, the next one is refused at once
    with its reason; another sender's still waits."""
    with _hub(tmp_path, clock, ledger, waiting_per_sender=2) as (hub, transport):
        boxes = [BOX, "TCLU0000626", "GESU0000622"]  # valid ISO 6346 numbers, none released
        for n, box in enumerate(boxes):
            body = ACCEPT.replace(BOX.encode(), box.encode()).replace(b"FWD-0001", b"FWD-9%03d" % n)
            _put(hub, transport, body, "fwdant", f"a{n}")
        _put(hub, transport, TRUCK_ACCEPT, "truckco", "truck-accept")
        assert [(s, c) for s, c, _ in _waiting(hub)] == [
            ("FWDANT", (boxes[0],)),
            ("FWDANT", (boxes[1],)),
            ("TRUCKCO", (BOX,)),
        ]
        answers = _answers(transport, "FWDANT")
        assert [(mid, verdict) for _, mid, verdict in answers] == [("a2", "rejected")]
        (held,) = [m for m in transport.on("hub.partner", "FWDANT") if m.message_type == "ack"]
        assert b"2 of your messages wait already" in held.body


def test_one_periodic_tick_refuses_more_than_one_round_of_expired_messages(
    waiting_hub: tuple[Hub, InProcessTransport], clock: FixedClock
) -> None:
    """The expiry job refused 100 parked messages a tick (every 30 s): a backlog of expired
    messages (a sender's, up to its cap) was refused hours late. A tick now takes rounds of
    100 until fewer are due, up to `EXPIRY_ROUNDS` of them."""
    from benchmarks.workload import containers
    from hub.bootstrap import waiting_job
    from hub.service_layer.waiting import EXPIRY_ROUNDS

    hub, transport = waiting_hub
    count = 130
    for n, box in enumerate(containers(count, 700)):
        body = ACCEPT.replace(BOX.encode(), box.encode()).replace(b"FWD-0001", b"F-%04d" % n)
        transport.put(body, "fwdant", f"a{n}")
    hub.worker.drain()
    assert len(_waiting(hub)) == count and count < EXPIRY_ROUNDS * 100
    clock.at += timedelta(seconds=WINDOW + 1)
    with hub.uow() as uow:
        refused = waiting_job(hub.worker.hub)(uow, clock())
        uow.commit()
    assert isinstance(refused, list) and len(refused) == count
    assert _waiting(hub) == []
    with hub.uow() as uow:
        assert len(uow.waiting.list("refused", 1000)) == count


def test_a_gate_out_past_the_senders_cap_is_the_terminals_fact_at_once(
    tmp_path: Path, clock: FixedClock, ledger: str
) -> None:
    """The cap refuses at once what would have waited, but a gate-out waits only while it may:
    past its sender's cap it applies, as with the waiting room off, and is never refused."""
    with _hub(tmp_path, clock, ledger, waiting_per_sender=0) as (hub, transport):
        users = {"01": "mscbe", "02": "fwdant", "03": "fwdant", "04": "truckco"}
        users |= {"05": "becustoms", "06": "psat", "08": "psat"}
        for name in sorted((SAMPLES / "demo").iterdir()):
            if name.name[:2] in users:
                _put(hub, transport, name.read_bytes(), users[name.name[:2]], name.name)
        assert _waiting(hub) == []
        with hub.uow() as uow:
            right = uow.files.get(BOX).right
        assert right is not None and right.status is RightStatus.PICKED_UP
        (answer,) = [
            m
            for m in transport.on("hub.partner", "PSAT")
            if m.headers.get("correlation_id") == "08_gate_out.edi"
        ]
        assert b"message accepted" in answer.body and b"not kept waiting" not in answer.body
