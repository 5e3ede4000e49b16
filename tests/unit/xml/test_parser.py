"""The syntax stage: what `parse_xml` returns, and how it refuses what it cannot read."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.domain.values import PartyRef
from hub.errors import SyntaxRejected, UnsupportedMessage
from hub.parsing.xml import XmlDocument, XmlNode, looks_like_xml, parse_xml
from tests.unit.xml.support import CORPUS_XML, INVALID, SAMPLES


def _nodes(node: XmlNode) -> list[XmlNode]:
    return [node, *(n for c in node.children for n in _nodes(c))]


def test_document_fields() -> None:
    doc = parse_xml((SAMPLES / "release_release.xml").read_bytes())
    assert (doc.namespace, doc.root_name, doc.version) == (
        "urn:hub:release:1",
        "ReleaseRightAction",
        "1",
    )
    assert doc.message_id == "MSC-REL-0001"
    assert doc.sender == PartyRef("BE0403238995", "Eori")
    assert doc.timestamp == datetime(2024, 3, 1, 10, 15, tzinfo=UTC)
    assert doc.tree.text_at("releaseTo/identificationCode") == "BE0456789034"


def test_tree_is_plain_python_with_lines_and_paths() -> None:
    doc = parse_xml((SAMPLES / "release_release.xml").read_bytes())
    for node in _nodes(doc.tree):
        assert type(node) is XmlNode and node.line > 0 and node.path.startswith("/")
        assert all(type(k) is str and type(v) is str for k, v in node.attrib.items())
    bills = doc.tree.find("billOfLadingNumbers")
    assert bills is not None
    second = bills.all("billOfLadingNumber")[1]
    assert second.path == "/ReleaseRightAction/billOfLadingNumbers/billOfLadingNumber[2]"
    assert (second.text, second.line) == ("MEDUAB123457", 17)


def test_document_is_frozen() -> None:
    doc = parse_xml((SAMPLES / "release_accept.xml").read_bytes())
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.message_id = "other"  # type: ignore[misc]
    assert isinstance(doc, XmlDocument)


def test_outbound_documents_have_no_sender() -> None:
    doc = parse_xml((SAMPLES / "gate_authorisation.xml").read_bytes())
    assert doc.sender is None and doc.message_id == "gate-0003"


def test_attributes_and_missing_nodes() -> None:
    doc = parse_xml((SAMPLES / "release_revoke_transfer.xml").read_bytes())
    action = doc.tree.child("actionType")
    assert action is not None and action.attrib == {"scope": "transfer"}
    assert doc.tree.find("releaseTo/identificationCode") is None
    assert doc.tree.text_at("nothing/here") == ""


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"<?xml version='1.0'?><a/>", True),
        (b"\n  <a/>", True),
        (b"\xef\xbb\xbf<a/>", True),
        ("<a/>".encode("utf-16"), True),
        (b"UNA:+.? 'UNB+UNOC:3+A+B+240301:1200+1'", False),
        (b"UNH+1+COREOR:D:95B:UN'", False),
        (b"", False),
    ],
)
def test_looks_like_xml(payload: bytes, expected: bool) -> None:
    assert looks_like_xml(payload) is expected


@pytest.mark.parametrize("path", sorted(CORPUS_XML.glob("*.xml")), ids=lambda p: p.name)
def test_nxtport_corpus_is_unsupported_naming_the_root(path: Path) -> None:
    root = {
        "nxtport_import_consignment_response.xml": "ConsignmentResponse",
        "nxtport_vgm_response.xml": "ContainerWeightInfo",
    }[path.name]
    with pytest.raises(UnsupportedMessage) as caught:
        parse_xml(path.read_bytes())
    assert f"<{root}>" in caught.value.reason and "no namespace" in caught.value.reason
    assert caught.value.problems[0].path == f"/{root}"


def test_unknown_namespace_is_unsupported() -> None:
    with pytest.raises(UnsupportedMessage) as caught:
        parse_xml((INVALID / "unsupported_namespace.xml").read_bytes())
    assert "urn:hub:release:9" in caught.value.reason
    assert "urn:hub:release:1" in caught.value.reason


def test_not_well_formed_names_line_and_column() -> None:
    with pytest.raises(SyntaxRejected) as caught:
        parse_xml((INVALID / "syntax_not_well_formed.xml").read_bytes())
    [problem] = caught.value.problems
    assert problem.line == 4 and "mismatch" in problem.message and "column" in problem.message


@pytest.mark.parametrize("payload", [b"", b"<", b"<a>", b"\xff\xfe\x00", b"<a></b>"])
def test_garbage_is_a_syntax_rejection(payload: bytes) -> None:
    with pytest.raises(SyntaxRejected):
        parse_xml(payload)
