"""The outbound XML writer produces, byte for byte, what ElementTree wrote before it.

`_Doc.bytes` used to be ``ET.indent`` + ``ET.tostring``; it was replaced by a hand-written
serializer for speed, and partners (and golden files) must see no difference. Each test renders
a document twice: with the writer, and with `_reference_bytes`, that old ElementTree path applied
to the very same tree, and compares the bytes. Text is generated to be awkward: XML markup
characters, quotes, CR / LF / tab, characters `clean()` replaces, astral characters, empty and
over-long strings (so every cut to a schema length is crossed).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain.events import GateAuthorised, GateWithdrawn, Notification
from hub.domain.values import Pickup, PickupMode
from hub.errors import Problem
from hub.rendering.xml import (
    MAX_DETAILS,
    MAX_ERRORS,
    _Doc,
    _Element,
    render_gate_xml,
    render_notification_xml,
    render_xml_ack,
)
from tests.unit.xml.support import NOW, OUTBOUND, SAMPLES

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Markup and whitespace ElementTree escapes; controls, surrogates and non-characters clean()
# replaces; characters str.strip() sees as whitespace (ET.indent keeps text that is not); astral.
AWKWARD = "&<>\"' \n\r\t\x00\x08\x0b\x0c\x1f\x7f\x85\xa0\u2028\u3000\ud800\udfff\ufffe\uffff"
ASTRAL = "\U00010000\U0001f600\U0010ffff"
characters = st.one_of(
    st.sampled_from(AWKWARD + ASTRAL), st.characters(), st.characters(codec="ascii")
)
# Joined lists rather than st.text(), which would drop the lone surrogates.
short_text = st.lists(characters, max_size=40).map("".join)
# Long enough to cross every cut: 70, 350, 512 and the 4096 of `_Doc.add`.
long_text = st.builds(
    lambda chunk, times: chunk * times,
    st.lists(characters, min_size=1, max_size=12).map("".join),
    st.integers(min_value=1, max_value=800),
)
# Text that is only whitespace to str.strip(): ET.indent replaces it before child elements.
blank_text = st.lists(st.sampled_from(" \n\r\t\x85\xa0\u2028\u3000"), min_size=1).map("".join)
texts = st.one_of(st.just(""), short_text, long_text, blank_text)
moments = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.one_of(
        st.none(),
        st.just(UTC),
        st.builds(timezone, st.integers(-23 * 60, 23 * 60).map(lambda m: timedelta(minutes=m))),
    ),
)
problems = st.builds(
    Problem,
    message=texts,
    code=texts,
    severity=st.one_of(st.sampled_from(["error", "warning"]), short_text),
    message_ref=short_text,
    segment_tag=short_text,
    segment_position=st.integers(0, 5000),
    element=st.integers(0, 9),
    component=st.integers(0, 9),
    line=st.integers(-1, 10**9),
    path=texts,
)
pickups = st.builds(Pickup, st.sampled_from(list(PickupMode)), texts, texts)
authorisations = st.builds(
    GateAuthorised,
    container=texts,
    terminal=texts,
    sequence=st.integers(-(2**63), 2**63),
    release_ref=texts,
    pickup=pickups,
    port=texts,
    bills_of_lading=st.lists(texts, max_size=4).map(tuple),
    expires_at=st.one_of(st.none(), moments),
)
withdrawals = st.builds(
    GateWithdrawn,
    container=texts,
    terminal=texts,
    sequence=st.integers(-(2**63), 2**63),
    release_ref=texts,
    reason=texts,
)
notifications = st.builds(
    Notification,
    party=texts,
    event=texts,
    container=texts,
    release_ref=texts,
    details=st.dictionaries(texts, texts, max_size=6),
)


def _to_etree(element: _Element, parent: ET.Element | None = None) -> ET.Element:
    """The same tree as ElementTree elements, built the way the old `_Doc` built it."""
    node = ET.Element(element.tag) if parent is None else ET.SubElement(parent, element.tag)
    for key, value in element.attrib.items():
        node.set(key, value)
    node.text = element.text
    for child in element.children:
        _to_etree(child, node)
    return node


def _reference_bytes(doc: _Doc) -> bytes:
    """What `_Doc.bytes` was before the hand-written writer: ElementTree's indent + tostring."""
    root = _to_etree(doc.root)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text


def _same_as_elementtree(render: Callable[[], bytes]) -> bytes:
    """Render with the writer and with ElementTree; the bytes must be identical."""
    written = render()
    with patch.object(_Doc, "bytes", _reference_bytes):
        reference = render()
    assert written == reference
    return written


def test_reference_is_what_the_golden_samples_hold() -> None:
    """The reference path itself matches the committed samples (it is the old code)."""
    for name, render in OUTBOUND.items():
        assert _same_as_elementtree(render) == (SAMPLES / name).read_bytes()


@SETTINGS
@given(
    original_id=texts,
    sender=texts,
    accepted=st.booleans(),
    found=st.lists(problems, max_size=4),
    now=moments,
    message_id=st.one_of(st.just(""), texts),
)
def test_ack_matches_elementtree(
    original_id: str,
    sender: str,
    accepted: bool,
    found: list[Problem],
    now: datetime,
    message_id: str,
) -> None:
    _same_as_elementtree(
        lambda: render_xml_ack(original_id, sender, accepted, found, now=now, message_id=message_id)
    )


def test_ack_with_more_problems_than_fit_matches_elementtree() -> None:
    found = [Problem(f"problem <{i}> & more", code=str(i), line=i) for i in range(MAX_ERRORS + 7)]
    written = _same_as_elementtree(lambda: render_xml_ack("X", "Y", False, found, now=NOW))
    assert written.count(b"<error severity=") == MAX_ERRORS


@SETTINGS
@given(event=st.one_of(authorisations, withdrawals), now=moments, message_id=texts)
def test_gate_documents_match_elementtree(
    event: GateAuthorised | GateWithdrawn, now: datetime, message_id: str
) -> None:
    _same_as_elementtree(lambda: render_gate_xml(event, now=now, message_id=message_id))


@SETTINGS
@given(n=notifications, now=moments, message_id=texts)
def test_notification_matches_elementtree(n: Notification, now: datetime, message_id: str) -> None:
    _same_as_elementtree(lambda: render_notification_xml(n, now=now, message_id=message_id))


def test_notification_with_more_details_than_fit_matches_elementtree() -> None:
    details = {f"{i}key\t<{i}>": f"value & {i}\r\n" for i in range(MAX_DETAILS + 5)}
    n = Notification("P", "Transferred", "C", "R", details)
    written = _same_as_elementtree(lambda: render_notification_xml(n, now=NOW, message_id="m"))
    assert written.count(b"<detail name=") == MAX_DETAILS


# The public documents never give an element both text and children, and their attribute values
# are tame; `_Doc` allows both, so arbitrary trees check that the writer agrees there too.
names = st.sampled_from(["a", "b", "c", "x-y", "z.1", "_q"])
trees: st.SearchStrategy[Any] = st.recursive(
    st.tuples(names, st.lists(st.tuples(names, texts), max_size=3), st.none() | texts, st.just([])),
    lambda children: st.tuples(
        names,
        st.lists(st.tuples(names, texts), max_size=3),
        st.none() | texts,
        st.lists(children, max_size=4),
    ),
    max_leaves=12,
)


def _build(doc: _Doc, parent: _Element, spec: Any) -> None:
    tag, attributes, text, children = spec
    element = doc.add(parent, tag, text)
    for key, value in attributes:
        element.set(key, value)
    for child in children:
        _build(doc, element, child)


@SETTINGS
@given(
    root_attributes=st.lists(st.tuples(names, texts), max_size=3),
    root_text=st.none() | texts,
    specs=st.lists(trees, max_size=3),
)
def test_any_tree_a_doc_can_build_matches_elementtree(
    root_attributes: list[tuple[str, str]], root_text: str | None, specs: list[Any]
) -> None:
    doc = _Doc("urn:test:\"&'<1>", "Root", "id", NOW)
    for key, value in root_attributes:
        doc.root.set(key, value)
    doc.root.text = root_text
    for spec in specs:
        _build(doc, doc.root, spec)
    assert doc.bytes() == _reference_bytes(doc)


def test_a_lone_element_is_written_as_elementtree_does() -> None:
    doc = _Doc("urn:x", "Root", "", NOW)
    doc.root.children.clear()
    assert (
        doc.bytes()
        == _reference_bytes(doc)
        == b"<?xml version='1.0' encoding='utf-8'?>\n<Root xmlns=\"urn:x\" />"
    )


def test_an_ack_id_is_derived_even_from_a_lone_surrogate() -> None:
    """Nothing parsed carries one today; if it ever does, the answer must still go out."""
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    first = render_xml_ack("id-\ud800", "FWDANT", True, [], now=now)
    second = render_xml_ack("id-\udc00", "FWDANT", True, [], now=now)
    assert b"<messageId>ack-" in first and first != second
