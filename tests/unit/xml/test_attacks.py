"""Hostile input: each attack is refused with a clear error, before it can do any harm."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from hub.errors import InputTooLarge, SchemaRejected, SyntaxRejected
from hub.parsing.xml import parse_xml, reader
from tests.unit.xml.support import INVALID, SAMPLES

ROOT = b'<ReleaseRightAction xmlns="urn:hub:release:1">'


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that records whether anybody connected to it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(0.2)
        yield server


def _nobody_connected(server: socket.socket) -> bool:
    try:
        server.accept()[0].close()
    except TimeoutError:
        return True
    return False


def _refused_for_dtd(payload: bytes) -> SyntaxRejected:
    with pytest.raises(SyntaxRejected) as caught:
        parse_xml(payload)
    assert "DOCTYPE" in caught.value.reason
    return caught.value


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.monotonic()
    error = _refused_for_dtd((INVALID / "attack_billion_laughs.xml").read_bytes())
    assert time.monotonic() - started < 1
    assert error.problems[0].line == 2


def test_xxe_file_is_refused_and_the_file_never_appears() -> None:
    error = _refused_for_dtd((INVALID / "attack_xxe_file.xml").read_bytes())
    everything = str(error) + repr(error.problems)
    assert "root:" not in everything and "/bin/" not in everything


def test_xxe_network_is_refused_without_connecting(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    payload = (INVALID / "attack_xxe_network.xml").read_bytes()
    _refused_for_dtd(payload.replace(b"127.0.0.1:9", f"127.0.0.1:{port}".encode()))
    assert _nobody_connected(listener)


def test_external_dtd_is_refused_without_connecting(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    payload = (INVALID / "attack_external_dtd.xml").read_bytes()
    _refused_for_dtd(payload.replace(b"127.0.0.1:9", f"127.0.0.1:{port}".encode()))
    assert _nobody_connected(listener)


def test_doctype_in_utf16_is_refused() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    _refused_for_dtd(text.encode("utf-16"))


def test_doctype_in_lower_case_is_refused() -> None:
    _refused_for_dtd(b'<?xml version="1.0"?><!doctype r><r/>')


def test_second_line_of_defence_refuses_a_dtd_the_scan_missed() -> None:
    payload = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(SyntaxRejected) as caught:
        reader._parse(payload)  # the byte scan is skipped here on purpose
    assert "root:" not in str(caught.value)


def test_oversized_document_is_refused_before_parsing() -> None:
    with pytest.raises(InputTooLarge) as caught:
        parse_xml(b"<" * 1001, max_bytes=1000)  # not even well-formed: never parsed
    assert "1001 bytes exceeds the limit of 1000" in caught.value.reason


def test_default_size_limit_is_one_megabyte() -> None:
    with pytest.raises(InputTooLarge):
        parse_xml(ROOT + b" " * 1_000_000 + b"</ReleaseRightAction>")


def _nested(depth: int) -> bytes:
    return ROOT + b"<a>" * (depth - 1) + b"</a>" * (depth - 1) + b"</ReleaseRightAction>"


def test_too_deep_document_is_refused() -> None:
    with pytest.raises(InputTooLarge) as caught:
        parse_xml(_nested(65))
    assert "deeper than 64" in caught.value.reason


def test_deeper_than_the_parser_allows_is_refused_as_too_large() -> None:
    with pytest.raises(InputTooLarge):
        parse_xml(_nested(400))


def test_depth_at_the_limit_goes_on_to_the_schema() -> None:
    with pytest.raises(SchemaRejected):
        parse_xml(_nested(64))
    with pytest.raises(InputTooLarge):
        parse_xml((SAMPLES / "release_release.xml").read_bytes(), max_depth=2)
