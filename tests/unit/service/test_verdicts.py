"""prepare → decide → record: deciding writes nothing of its own (no audit, answer, inbox row
or quarantine entry) and returns a verdict; `record` writes what the verdict says."""

from __future__ import annotations

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.service_layer.decisions import decide_unit, decide_whole, prepare
from hub.service_layer.pipeline import record
from hub.service_layer.ports import Delivery, QuarantineKind, UnitOfWork
from hub.service_layer.verdicts import (
    Applied,
    Duplicate,
    Readable,
    Rejected,
    UnknownSender,
    Unreadable,
    inbox_key,
)
from tests.unit.service.conftest import SAMPLES

RELEASE = Delivery((SAMPLES / "demo/01_release.edi").read_bytes(), "mscbe", "m-1")


def _written(uow: UnitOfWork, who: str, key: str) -> tuple[bool, int]:
    """Whether the inbox knows `key`, and how many answers to it the outbox holds."""
    return uow.inbox.seen(who, key), len(uow.outbox.answers_to(who, key))


def test_a_readable_unit_is_decided_without_a_write_then_recorded(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    with hub.uow() as uow:
        prepared = prepare(RELEASE, uow, hub.worker.hub)
        assert isinstance(prepared, Readable) and len(prepared.units) == 1
        [unit] = prepared.units
        who, key = prepared.sender.party_id, inbox_key(unit, 0)
        verdict = decide_unit(unit, prepared.sender, uow, hub.worker.hub)
        assert isinstance(verdict, Applied) and verdict.status == "applied"
        assert verdict.answers, "the acknowledgements are part of the verdict"
        assert _written(uow, who, key) == (False, 0), "deciding wrote no inbox row, no answer"
        record(verdict, RELEASE, uow, hub.worker.hub)
        assert _written(uow, who, key) == (True, len(verdict.answers))
        again = decide_unit(unit, prepared.sender, uow, hub.worker.hub)
        assert isinstance(again, Duplicate) and len(again.answers) == len(verdict.answers)


def test_a_claimed_sender_that_is_not_the_broker_user_is_a_rejected_verdict(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    forged = Delivery(RELEASE.body, "fwdant", "m-2")
    with hub.uow() as uow:
        prepared = prepare(forged, uow, hub.worker.hub)
        assert isinstance(prepared, Readable)
        verdict = decide_unit(prepared.units[0], prepared.sender, uow, hub.worker.hub)
        assert isinstance(verdict, Rejected)
        assert verdict.rejection.kind is QuarantineKind.REFUSED
        assert "claims sender" in verdict.rejection.reason
        assert verdict.inbox == ("FWDANT", prepared.units[0].dedup_key)
        assert not uow.quarantine.list(), "quarantine is written by the delivery's record"


def test_whole_rejections_are_tagged_and_decided_once(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, _ = embedded
    stranger = Delivery(RELEASE.body, "mallory", "m-3")
    garbage = Delivery(b"\x00\x01 this is not a message", "mscbe", "m-4")
    with hub.uow() as uow:
        unknown = prepare(stranger, uow, hub.worker.hub)
        unreadable = prepare(garbage, uow, hub.worker.hub)
        assert isinstance(unknown, UnknownSender) and isinstance(unreadable, Unreadable)
        first = decide_whole(unreadable, garbage, uow, hub.worker.hub)
        assert isinstance(first, Rejected) and first.answers, "the sender is answered"
        assert isinstance(decide_whole(unknown, stranger, uow, hub.worker.hub), Rejected)
        record(first, garbage, uow, hub.worker.hub)
        assert isinstance(decide_whole(unreadable, garbage, uow, hub.worker.hub), Duplicate)
