"""Properties: generated valid documents validate and map; no input makes the parser crash."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain import commands as c
from hub.domain.containers import check_digit
from hub.domain.events import GateAuthorised
from hub.domain.values import Pickup, PickupMode
from hub.errors import PermanentError
from hub.mappers.base import MapStatus
from hub.mappers.xml import map_xml_document
from hub.parsing.xml import parse_xml
from hub.rendering.xml import render_gate_xml
from tests.unit.xml.support import NOW

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = UPPER + UPPER.lower() + "0123456789"
FAST = settings(max_examples=60, deadline=None)

containers = st.builds(
    lambda owner, cat, serial: f"{owner}{cat}{serial}{check_digit(owner + cat + serial)}",
    st.text(UPPER, min_size=3, max_size=3),
    st.sampled_from("UJZ"),
    st.text("0123456789", min_size=6, max_size=6),
)
codes = st.text(ALNUM, min_size=1, max_size=35)
schemes = st.sampled_from(["NxtEntityId", "Tin", "Eori", "Duns", "SCAC", "Apcs"])
reasons = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co")), max_size=350).map(
    str.strip
)

EXPECTED = {
    "Transfer": c.TransferRight,
    "Accept": c.AcceptRight,
    "Decline": c.DeclineRight,
    "Release": c.ReleaseContainer,
    "Update": c.UpdateRelease,
    "Block": c.BlockRelease,
    "Unblock": c.UnblockRelease,
    "Delete": c.DeleteRelease,
    "Revoke:release": c.RevokeRelease,
    "Revoke:transfer": c.RevokeTransfer,
}


def _add(parent: ET.Element, tag: str, text: str = "") -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text or None
    return child


def _identification(parent: ET.Element, tag: str, scheme: str, code: str) -> None:
    node = _add(parent, tag)
    _add(node, "identificationType", scheme)
    _add(node, "identificationCode", code)


def _action_document(action: str, container: str, sender: str, to: str, reason: str) -> bytes:
    root = ET.Element("ReleaseRightAction", {"xmlns": "urn:hub:release:1"})
    header = _add(root, "header")
    _add(header, "messageId", f"MSG-{container}")
    _identification(header, "sender", "Eori", sender)
    _add(header, "timestamp", "2024-03-01T10:15:00Z")
    kind, _, scope = action.partition(":")
    _add(root, "actionType", kind).attrib.update({"scope": scope} if scope else {})
    _add(root, "equipmentNumber", container)
    _add(root, "releaseIdentification", f"REL-{sender[:20]}")
    _identification(root, "releaseTo", "NxtEntityId", to)
    if reason:
        _add(root, "reasonForAction", reason)
    payload: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return payload


@FAST
@given(st.sampled_from(sorted(EXPECTED)), containers, codes, codes, reasons)
def test_generated_actions_validate_and_map(
    action: str, container: str, sender: str, to: str, reason: str
) -> None:
    mapped = map_xml_document(parse_xml(_action_document(action, container, sender, to, reason)))
    assert mapped.status is MapStatus.MAPPED, mapped.problems
    [command] = mapped.commands
    assert isinstance(command, c.Command) and type(command) is EXPECTED[action]
    assert command.container == container and mapped.claimed_sender == sender
    if isinstance(command, (c.TransferRight, c.ReleaseContainer)):
        assert (
            command.transfer_to if isinstance(command, c.TransferRight) else command.release_to
        ).code == to
    if isinstance(command, (c.DeclineRight, c.BlockRelease, c.DeleteRelease, c.RevokeRelease)):
        assert command.reason == reason


def _terminal_document(events: list[tuple[str, str]]) -> bytes:
    root = ET.Element("TerminalEventReport", {"xmlns": "urn:hub:terminal:1"})
    header = _add(root, "header")
    _add(header, "messageId", "T-1")
    _identification(header, "sender", "Apcs", "PSAT01")
    _add(header, "timestamp", "2024-03-01T10:15:00+01:00")
    _add(root, "terminalCode", "PSAT")
    for kind, container in events:
        event = _add(root, "event")
        _add(event, "eventType", kind)
        _add(event, "equipmentNumber", container)
    payload: bytes = ET.tostring(root, encoding="utf-8")
    return payload


@FAST
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["discharge", "terminalRelease", "block", "scan", "gateOut"]),
            containers,
        ),
        min_size=1,
        max_size=20,
    )
)
def test_generated_terminal_reports_map_one_command_per_event(
    events: list[tuple[str, str]],
) -> None:
    mapped = map_xml_document(parse_xml(_terminal_document(events)))
    assert mapped.status is MapStatus.MAPPED
    assert [cmd.container for cmd in mapped.commands if isinstance(cmd, c.Command)] == [
        container for _, container in events
    ]


@FAST
@given(containers, codes, st.integers(0, 10**9), st.sampled_from(list(PickupMode)), reasons)
def test_rendered_gate_authorisations_validate(
    container: str, identity: str, sequence: int, mode: PickupMode, tar: str
) -> None:
    tar = "".join(ch for ch in tar if ch.isalnum())[:35]
    event = GateAuthorised(container, "PSAT", sequence, "R1", Pickup(mode, identity, tar))
    doc = parse_xml(render_gate_xml(event, now=NOW, message_id="g"))
    assert doc.tree.text_at("equipmentNumber") == container


@FAST
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_input_is_parsed_or_refused_with_a_hub_error(payload: bytes) -> None:
    try:
        parse_xml(payload)
    except PermanentError as error:
        assert error.reason
