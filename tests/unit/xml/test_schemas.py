"""Every schema compiles, every valid sample passes it, every invalid sample is refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import (
    InputTooLarge,
    PermanentError,
    SchemaRejected,
    SyntaxRejected,
    UnsupportedMessage,
)
from hub.mappers.base import MapStatus
from hub.mappers.xml import map_xml_document
from hub.parsing.xml import SCHEMA_DIR, namespaces, parse_xml, schema_file
from tests.unit.xml.support import INVALID, SAMPLES

EXPECTED_NAMESPACES = (
    "urn:hub:ack:1",
    "urn:hub:customs:1",
    "urn:hub:gate:1",
    "urn:hub:notification:1",
    "urn:hub:release:1",
    "urn:hub:terminal:1",
)

# What each invalid sample must produce: an exception class, or a mapping status.
INVALID_OUTCOME: dict[str, type[PermanentError] | MapStatus] = {
    "attack_billion_laughs.xml": SyntaxRejected,
    "attack_external_dtd.xml": SyntaxRejected,
    "attack_xxe_file.xml": SyntaxRejected,
    "attack_xxe_network.xml": SyntaxRejected,
    "schema_bad_scope.xml": SchemaRejected,
    "schema_container_pattern.xml": SchemaRejected,
    "schema_customs_unknown_status.xml": SchemaRejected,
    "schema_message_id_characters.xml": SchemaRejected,
    "schema_missing_header.xml": SchemaRejected,
    "schema_reference_too_long.xml": SchemaRejected,
    "schema_timestamp_without_zone.xml": SchemaRejected,
    "schema_unexpected_element.xml": SchemaRejected,
    "schema_unknown_action.xml": SchemaRejected,
    "semantic_assign_without_pickup_party.xml": MapStatus.REJECTED,
    "semantic_category_letter.xml": MapStatus.REJECTED,
    "semantic_check_digit.xml": MapStatus.REJECTED,
    "semantic_release_without_release_to.xml": MapStatus.REJECTED,
    "semantic_revoke_without_scope.xml": MapStatus.REJECTED,
    "semantic_terminal_check_digit.xml": MapStatus.MAPPED,  # partial: the good event applies
    "semantic_transfer_without_release_to.xml": MapStatus.REJECTED,
    "syntax_not_well_formed.xml": SyntaxRejected,
    "unsupported_namespace.xml": UnsupportedMessage,
}


def test_one_schema_per_namespace() -> None:
    assert namespaces() == EXPECTED_NAMESPACES
    for ns in EXPECTED_NAMESPACES:
        path = schema_file(ns)
        assert path is not None and path.parent == SCHEMA_DIR


def test_every_schema_starts_with_a_readme_comment() -> None:
    for path in sorted(SCHEMA_DIR.glob("*.xsd")):
        head = path.read_text().split("<xs:schema", 1)[0]
        assert "<!--" in head and path.name in head, path.name


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.xml")), ids=lambda p: p.name)
def test_valid_samples_validate(path: Path) -> None:
    doc = parse_xml(path.read_bytes())
    assert doc.namespace in EXPECTED_NAMESPACES
    assert doc.message_id


def test_every_invalid_sample_has_an_expected_outcome() -> None:
    assert sorted(p.name for p in INVALID.glob("*.xml")) == sorted(INVALID_OUTCOME)


@pytest.mark.parametrize("name", sorted(INVALID_OUTCOME))
def test_invalid_samples_are_refused(name: str) -> None:
    expected = INVALID_OUTCOME[name]
    payload = (INVALID / name).read_bytes()
    if isinstance(expected, MapStatus):
        mapped = map_xml_document(parse_xml(payload))
        assert mapped.status is expected and mapped.errors
        assert all(p.line and p.path for p in mapped.errors)
        assert bool(mapped.commands) is (expected is MapStatus.MAPPED)
        return
    with pytest.raises(expected) as caught:
        map_xml_document(parse_xml(payload))
    assert caught.value.reason and caught.value.problems
    assert not isinstance(caught.value, InputTooLarge)


def test_validation_error_carries_line_and_path() -> None:
    with pytest.raises(SchemaRejected) as caught:
        parse_xml((INVALID / "schema_container_pattern.xml").read_bytes())
    [problem] = caught.value.problems
    assert (problem.line, problem.path) == (13, "/ReleaseRightAction/equipmentNumber")
    assert "MSCU12345" in problem.message and "[A-Z]{4}[0-9]{7}" in problem.message
    assert "{urn:" not in problem.message
    assert "release-1.xsd" in caught.value.reason


def test_missing_and_unexpected_elements_get_their_codes() -> None:
    with pytest.raises(SchemaRejected) as caught:
        parse_xml((INVALID / "schema_unexpected_element.xml").read_bytes())
    assert caught.value.problems[0].code == "15"
    assert caught.value.problems[0].path == "/ReleaseRightAction/pinCode"


def test_repeated_elements_are_indexed_in_paths() -> None:
    payload = (SAMPLES / "customs_status.xml").read_bytes()
    bad = payload.replace(b"<status>selectedForScan</status>", b"<status>cleared</status>")
    with pytest.raises(SchemaRejected) as caught:
        parse_xml(bad)
    assert caught.value.problems[0].path == "/CustomsStatusReport/containerStatus[2]/status"
