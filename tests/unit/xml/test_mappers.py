"""The semantic stage: every sample maps to the canonical commands the EDIFACT mappers produce."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.domain import commands as c
from hub.domain.values import CustomsStatus, PartyRef, Pickup, PickupMode, TerminalEvent
from hub.mappers.base import MappedMessage, MapStatus
from hub.mappers.xml import map_xml_document
from hub.parsing.xml import parse_xml
from tests.unit.xml.support import INVALID, SAMPLES, golden_json, inbound_samples, mapped_json

CONTAINER, REF = "MSCU1234566", "REL-2024-000123"
FORWARDER = PartyRef("BE0456789034", "Eori")
OPERATOR = PartyRef("TRUCKCO", "NxtEntityId")


def _map(path: Path) -> MappedMessage:
    return map_xml_document(parse_xml(path.read_bytes()))


def _command(name: str) -> object:
    mapped = _map(SAMPLES / name)
    assert mapped.status is MapStatus.MAPPED and not mapped.problems
    [command] = mapped.commands
    return command


@pytest.mark.parametrize("path", inbound_samples(), ids=lambda p: p.name)
def test_sample_matches_its_golden_output(path: Path) -> None:
    actual = mapped_json(_map(path))
    assert actual == golden_json(path.with_suffix(".expected.json"), actual)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("release_transfer.xml", c.TransferRight(CONTAINER, REF, OPERATOR)),
        ("release_accept.xml", c.AcceptRight(CONTAINER, REF)),
        ("release_decline.xml", c.DeclineRight(CONTAINER, REF, "No capacity this week")),
        ("release_revoke_transfer.xml", c.RevokeTransfer(CONTAINER, REF)),
        ("release_revoke_release.xml", c.RevokeRelease(CONTAINER, REF, "Wrong consignee")),
        ("release_block.xml", c.BlockRelease(CONTAINER, REF, "Freight not paid")),
        ("release_unblock.xml", c.UnblockRelease(CONTAINER, REF)),
        ("release_delete.xml", c.DeleteRelease(CONTAINER, REF, "Released in error")),
        ("pickup_revoke.xml", c.RevokePickup(CONTAINER, REF)),
        (
            "pickup_assign_truck.xml",
            c.AssignPickup(CONTAINER, REF, Pickup(PickupMode.TRUCK, "AP1234567", "TAR-PSAT-55512")),
        ),
        (
            "pickup_update_barge.xml",
            c.AssignPickup(CONTAINER, REF, Pickup(PickupMode.BARGE, "ENI02326789")),
        ),
    ],
)
def test_action_maps_to_its_command(name: str, expected: object) -> None:
    assert _command(name) == expected


def test_release_carries_everything() -> None:
    assert _command("release_release.xml") == c.ReleaseContainer(
        CONTAINER,
        REF,
        FORWARDER,
        ("MEDUAB123456", "MEDUAB123457"),
        "PSAT",
        "BEANR",
        PartyRef("MSCU", "SCAC"),
        datetime(2024, 4, 30, 23, 59, 59, tzinfo=UTC),
    )


def test_update_gives_only_what_changes_in_utc() -> None:
    assert _command("release_update.xml") == c.UpdateRelease(
        CONTAINER, REF, None, (), "MPET", "BEANR", datetime(2024, 5, 15, 10, 0, tzinfo=UTC)
    )


def test_header_becomes_ref_type_and_claimed_sender() -> None:
    mapped = _map(SAMPLES / "release_transfer.xml")
    assert (mapped.ref, mapped.type, mapped.claimed_sender) == (
        "FWD-2024-000045",
        "ReleaseRightAction",
        "BE0456789034",
    )
    assert mapped.version == "urn:hub:release:1" and mapped.containers == (CONTAINER,)


def test_customs_statuses_per_container_and_per_bill() -> None:
    mapped = _map(SAMPLES / "customs_status.xml")
    assert mapped.commands == (
        c.RecordCustomsStatus(CustomsStatus.RELEASED, "FCIU9908030", "", "24BEI000000123456"),
        c.RecordCustomsStatus(CustomsStatus.SELECTED_FOR_SCAN, "MAGU5591240"),
        c.RecordCustomsStatus(CustomsStatus.PARTIALLY_CLEARED, bill_of_lading="MEDUAB123456"),
    )


def test_terminal_events() -> None:
    mapped = _map(SAMPLES / "terminal_events.xml")
    events = [
        (cmd.container, cmd.event)
        for cmd in mapped.commands
        if isinstance(cmd, c.RecordTerminalEvent)
    ]
    assert events == [
        ("MSCU1234566", TerminalEvent.DISCHARGED),
        ("FCIU9908030", TerminalEvent.RELEASED),
        ("MAGU5591240", TerminalEvent.BLOCKED),
        ("TGHU1234567", TerminalEvent.SCANNING),
        ("CSQU3054383", TerminalEvent.GATE_OUT),
    ]
    first = mapped.commands[0]
    assert isinstance(first, c.RecordTerminalEvent) and first.terminal == "PSAT"
    assert first.at == datetime(2024, 3, 2, 5, 12, tzinfo=UTC)


def test_bad_check_digit_is_rejected_with_line_and_path() -> None:
    mapped = _map(INVALID / "semantic_check_digit.xml")
    assert mapped.status is MapStatus.REJECTED and mapped.commands == ()
    [problem] = mapped.errors
    assert (problem.line, problem.path, problem.code) == (
        13,
        "/ReleaseRightAction/equipmentNumber",
        "12",
    )
    assert "expected 6" in problem.message and problem.message_ref == "BAD-0001"


def test_a_bad_container_in_a_report_leaves_out_only_its_entry() -> None:
    mapped = _map(INVALID / "semantic_terminal_check_digit.xml")
    assert mapped.status is MapStatus.MAPPED
    assert [cmd.container for cmd in mapped.commands if isinstance(cmd, c.Command)] == [CONTAINER]
    [problem] = mapped.errors
    assert problem.path == "/TerminalEventReport/event[2]/equipmentNumber" and problem.line == 20
    assert mapped.containers == ("MSCU1234566", "MAGU5591241")


def test_a_report_with_nothing_good_left_is_rejected() -> None:
    payload = (SAMPLES / "customs_status.xml").read_bytes()
    for good, bad in ((b"FCIU9908030", b"FCIU9908031"), (b"MAGU5591240", b"MAGU5591249")):
        payload = payload.replace(good, bad)
    payload = payload.replace(b"<billOfLadingStatus>", b"<!--").replace(
        b"</billOfLadingStatus>", b"-->"
    )
    mapped = map_xml_document(parse_xml(payload))
    assert mapped.status is MapStatus.REJECTED and mapped.commands == ()
    assert len(mapped.errors) == 2


def test_revoke_without_scope_is_rejected_with_the_choice() -> None:
    [problem] = _map(INVALID / "semantic_revoke_without_scope.xml").errors
    assert 'scope="release"' in problem.message and 'scope="transfer"' in problem.message
    assert problem.code == "13" and problem.path == "/ReleaseRightAction/actionType"


def test_scope_on_another_action_is_a_warning() -> None:
    payload = (
        (SAMPLES / "release_accept.xml")
        .read_bytes()
        .replace(b"<actionType>Accept", b'<actionType scope="release">Accept')
    )
    mapped = map_xml_document(parse_xml(payload))
    assert mapped.status is MapStatus.MAPPED and mapped.commands == (c.AcceptRight(CONTAINER, REF),)
    assert [p.severity for p in mapped.problems] == ["warning"]


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("semantic_transfer_without_release_to.xml", "releaseTo"),
        ("semantic_release_without_release_to.xml", "releaseTo"),
        ("semantic_assign_without_pickup_party.xml", "pickupParty"),
    ],
)
def test_missing_conditional_element(name: str, missing: str) -> None:
    mapped = _map(INVALID / name)
    assert mapped.status is MapStatus.REJECTED
    assert mapped.errors[0].message.startswith(f"{missing} is missing")
    assert mapped.errors[0].code == "13"


@pytest.mark.parametrize(
    "name", ["gate_authorisation.xml", "notification_transferred.xml", "ack_accepted.xml"]
)
def test_outbound_documents_are_not_input(name: str) -> None:
    mapped = _map(SAMPLES / name)
    assert mapped.status is MapStatus.UNSUPPORTED and not mapped.commands
    assert "the hub sends" in mapped.problems[0].message
