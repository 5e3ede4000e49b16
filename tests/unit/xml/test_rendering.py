"""Outbound XML: golden samples, and every rendered document validates against its schema."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub.domain.events import GateAuthorised, GateWithdrawn, Notification
from hub.domain.values import Pickup, PickupMode
from hub.errors import Problem
from hub.parsing.xml import XmlDocument, parse_xml
from hub.rendering.xml import MAX_ERRORS, render_gate_xml, render_notification_xml, render_xml_ack
from tests.unit.xml.support import NOW, OUTBOUND, SAMPLES, golden

SERVICE_LAYER_EVENTS = (
    "Transferred",
    "AcceptedByNextParty",
    "DeclinedByNextParty",
    "RevokedByPreviousParty",
    "Revoke",
    "Delete",
    "ExpiredReleaseRights",
    "PickedUpByParty",
    "ReleaseLightChanged",
)


@pytest.mark.parametrize("name", sorted(OUTBOUND))
def test_outbound_sample_is_what_the_renderer_writes(name: str) -> None:
    rendered = OUTBOUND[name]()
    assert rendered.decode() == golden(SAMPLES / name, rendered.decode())
    parse_xml(rendered)


def _errors(doc: XmlDocument) -> list[dict[str, str]]:
    wrapper = doc.tree.child("errors")
    errors = wrapper.all("error") if wrapper else ()
    return [
        {"severity": e.attrib.get("severity", ""), **{c.tag: c.text for c in e.children}}
        for e in errors
    ]


def test_rejection_carries_code_text_line_and_path() -> None:
    doc = parse_xml(OUTBOUND["ack_rejected.xml"]())
    assert (doc.namespace, doc.root_name) == ("urn:hub:ack:1", "Acknowledgement")
    assert doc.tree.text_at("originalMessageId") == "BAD-0001"
    assert doc.tree.text_at("originalSender") == "BE0456789034"
    assert doc.tree.text_at("status") == "rejected"
    assert _errors(doc)[0] == {
        "severity": "error",
        "code": "12",
        "line": "13",
        "text": "container number 'MSCU1234567' has check digit 7, expected 6",
        "path": "/ReleaseRightAction/equipmentNumber",
    }
    assert _errors(doc)[1]["severity"] == "warning"


def test_ack_survives_hostile_problems() -> None:
    problems = [Problem("bad \x00\x01 byte " + "x" * 600, code="", path="/a" * 400)] * 150
    doc = parse_xml(render_xml_ack("x" * 90, "", False, problems, now=NOW))
    errors = _errors(doc)
    assert len(errors) == MAX_ERRORS and errors[-1]["text"] == "and 51 more problems"
    assert "\ufffd\ufffd" in errors[0]["text"] and len(errors[0]["text"]) == 512
    assert doc.tree.child("originalSender") is None
    assert len(doc.tree.text_at("originalMessageId")) == 70


def test_ack_locates_edifact_problems_in_the_text() -> None:
    problem = Problem("unknown qualifier", code="12", segment_tag="EQD", segment_position=4)
    doc = parse_xml(render_xml_ack("", "P1", False, [problem], now=NOW))
    assert _errors(doc)[0]["text"] == "segment 4 EQD: unknown qualifier"
    assert doc.tree.child("originalMessageId") is None


def test_ack_id_is_stable_and_can_be_given() -> None:
    first = render_xml_ack("M1", "P1", True, [], now=NOW)
    assert first == render_xml_ack("M1", "P1", True, [], now=NOW)
    given = parse_xml(render_xml_ack("M1", "P1", True, [], now=NOW, message_id="my-id"))
    assert given.message_id == "my-id"


def test_naive_time_is_taken_as_utc() -> None:
    doc = parse_xml(render_xml_ack("M1", "P1", True, [], now=datetime(2024, 3, 1, 12, 0)))
    assert doc.tree.text_at("header/timestamp") == "2024-03-01T12:00:00Z"


@pytest.mark.parametrize("mode", list(PickupMode))
def test_minimal_gate_authorisation_validates(mode: PickupMode) -> None:
    event = GateAuthorised("FCIU9908030", "PSAT", 0, "R1", Pickup(mode, "ID-1"))
    doc = parse_xml(render_gate_xml(event, now=NOW, message_id="g1"))
    assert doc.tree.text_at("pickupParty/partyType") == mode.value.capitalize()
    assert doc.tree.child("billOfLadingNumbers") is None


def test_withdrawal_without_reason_validates() -> None:
    event = GateWithdrawn("FCIU9908030", "PSAT", 7, "R1")
    doc = parse_xml(render_gate_xml(event, now=NOW, message_id="g2"))
    assert doc.root_name == "GateWithdrawal" and doc.tree.text_at("sequence") == "7"


@pytest.mark.parametrize("event", SERVICE_LAYER_EVENTS)
def test_every_notification_the_service_layer_sends_validates(event: str) -> None:
    n = Notification("party-1", event, "MAGU5591240", "R1", {"reason": "", "by_party": "X"})
    doc = parse_xml(render_notification_xml(n, now=NOW, message_id="n1"))
    assert doc.tree.text_at("event") == event
    details = doc.tree.child("details")
    assert details is not None and [d.attrib["name"] for d in details.children] == ["by_party"]


def test_odd_detail_names_become_xml_names() -> None:
    n = Notification("p", "Transferred", "MAGU5591240", "", {"1st key": "a", "ok.name": "b"})
    doc = parse_xml(render_notification_xml(n, now=NOW, message_id="n2"))
    details = doc.tree.child("details")
    assert details is not None
    assert [d.attrib["name"] for d in details.children] == ["_1st_key", "ok.name"]
