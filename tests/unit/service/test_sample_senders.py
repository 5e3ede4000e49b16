"""Every inbound sample names a sender that samples/partners.yaml knows, so sent as that
partner it is never rejected for who sent it (issue 18): the samples are what integrators
copy, and a sample the hub refuses as it is teaches the wrong thing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer.screening import identifiers
from tests.unit.service.conftest import SAMPLES

PARTNERS = load_partners_file(SAMPLES / "partners.yaml")
XML_SENDER = re.compile(rb"<header>.*?<sender>.*?<identificationCode>(.*?)<", re.S)
UNB_SENDER = re.compile(rb"UNB\+[^+']*\+([^:+']*)")
INBOUND = sorted(
    [*SAMPLES.glob("xml/*.xml"), *SAMPLES.glob("xml/invalid/*.xml"), *SAMPLES.glob("edifact/*.edi")]
)
SENDER_REASONS = ("claims sender", "unknown", "no partner", "NAD+MS", "not active")


def _claimed(sample: Path) -> str | None:
    body = sample.read_bytes()
    found = (UNB_SENDER if sample.suffix == ".edi" else XML_SENDER).search(body)
    return found.group(1).decode() if found else None


def _partner_of(claimed: str) -> str | None:
    return next((p.party_id for p in PARTNERS if claimed.upper() in identifiers(p)), None)


def _inbound() -> list[Path]:
    return [s for s in INBOUND if _claimed(s) is not None]


def test_the_outbound_samples_are_the_only_ones_without_a_sender() -> None:
    silent = {s.name for s in INBOUND if _claimed(s) is None and s.parent.name != "invalid"}
    assert silent <= {
        "ack_accepted.xml",
        "ack_rejected.xml",
        "gate_authorisation.xml",
        "gate_withdrawal.xml",
        "notification_light_changed.xml",
        "notification_transferred.xml",
    }


@pytest.mark.parametrize("sample", _inbound(), ids=lambda s: f"{s.parent.name}/{s.name}")
def test_a_sample_sent_by_its_sender_is_not_rejected_for_who_sent_it(
    sample: Path, embedded: tuple[Hub, InProcessTransport]
) -> None:
    claimed = _claimed(sample)
    assert claimed is not None
    party = _partner_of(claimed)
    assert party is not None, f"{sample.name}: sender {claimed} is in no partner of partners.yaml"
    user = next(p.broker_user for p in PARTNERS if p.party_id == party)
    hub, transport = embedded
    transport.put(sample.read_bytes(), user, sample.name)
    hub.worker.drain()
    with hub.uow() as uow:
        reasons = [q.reason for q in uow.quarantine.list("held")]
    assert not [r for r in reasons if any(s in r for s in SENDER_REASONS)], reasons
    assert transport.on("hub.partner", party), "answered"
