"""Envelopes: interchanges, groups, messages, control counts and references, broken structure."""

from __future__ import annotations

import pytest

from hub.errors import InputTooLarge, PermanentError, SyntaxRejected
from hub.parsing.edifact import looks_like_edifact, parse_edifact
from hub.parsing.edifact.model import SyntaxCode, payload_messages, payload_problems

UNB = "UNB+UNOC:3+SENDER:ZZ+HUB:ZZ+240501:1230+IC1'"
MSG = "UNH+M1+COREOR:D:95B:UN'BGM+129+R1+9'UNT+3+M1'"


def codes(payload: bytes | str, **kwargs: bool) -> list[tuple[str, str, str]]:
    parsed = parse_edifact(payload, **kwargs)
    return [(p.segment_tag, p.code, p.severity) for p in payload_problems(parsed)]


def test_a_clean_interchange_has_no_problems() -> None:
    parsed = parse_edifact(f"{UNB}{MSG}UNZ+1+IC1'".encode())
    (interchange,) = parsed.interchanges
    assert interchange.sender_qualifier == "ZZ" and interchange.recipient == "HUB"
    assert interchange.messages[0].body()[0].tag == "BGM"
    assert not payload_problems(parsed)


def test_functional_groups_count_in_unz_and_une() -> None:
    ung = "UNG+COREOR+SENDER+HUB+240501:1230+G1+UN+D:95B'"
    text = f"{UNB}{ung}{MSG}{MSG.replace('M1', 'M2')}UNE+2+G1'UNZ+1+IC1'"
    parsed = parse_edifact(text)
    assert [m.group_ref for m in payload_messages(parsed)] == ["G1", "G1"]
    assert not payload_problems(parsed)


def test_wrong_une_count_and_ref() -> None:
    text = f"{UNB}UNG+COREOR+S+H+240501:1230+G1+UN+D:95B'{MSG}UNE+3+G9'UNZ+1+IC1'"
    assert codes(text) == [
        ("UNE", SyntaxCode.CONTROL_COUNT_MISMATCH, "warning"),
        ("UNE", SyntaxCode.REFERENCES_DO_NOT_MATCH, "warning"),
    ]


def test_groups_and_bare_messages_mixed() -> None:
    text = f"{UNB}UNG+COREOR+S+H+240501:1230+G1+UN+D:95B'{MSG}UNE+1+G1'{MSG}UNZ+1+IC1'"
    assert ("UNZ", SyntaxCode.GROUPS_AND_MESSAGES_MIXED, "warning") in codes(text)


def test_several_interchanges_in_one_payload() -> None:
    second = UNB.replace("IC1", "IC2").replace("UNOC:3", "UNOC:4").replace("240501", "20240501")
    text = f"UNA:+.? '{UNB}{MSG}UNZ+1+IC1'\r\nUNA:+.?*'{second}{MSG}UNZ+1+IC2'"
    parsed = parse_edifact(text)
    assert [i.control_ref for i in parsed.interchanges] == ["IC1", "IC2"]
    assert [i.syntax_version for i in parsed.interchanges] == ["3", "4"]
    assert [i.prepared for i in parsed.interchanges] == ["2024-05-01T12:30"] * 2
    assert parsed.interchanges[1].separators[4] == "*"
    assert not payload_problems(parsed)


def test_unt_checks_count_and_reference_zero_padded_counts_are_fine() -> None:
    assert codes(f"{UNB}UNH+M1+COREOR:D:95B:UN'BGM+1'UNT+000003+M1'UNZ+1+IC1'") == []
    assert codes(f"{UNB}UNH+M1+COREOR:D:95B:UN'UNT+5+M2'UNZ+1+IC1'") == [
        ("UNT", SyntaxCode.CONTROL_COUNT_MISMATCH, "warning"),
        ("UNT", SyntaxCode.REFERENCES_DO_NOT_MATCH, "warning"),
    ]
    assert codes(f"{UNB}UNH+M1+COREOR:D:95B:UN'UNT+x+M1'UNZ+1+IC1'") == [
        ("UNT", SyntaxCode.INVALID_VALUE, "warning")
    ]


def test_unz_reference_mismatch_and_strict_mode() -> None:
    text = f"{UNB}{MSG}UNZ+2+OTHER'"
    assert codes(text) == [
        ("UNZ", SyntaxCode.CONTROL_COUNT_MISMATCH, "warning"),
        ("UNZ", SyntaxCode.REFERENCES_DO_NOT_MATCH, "warning"),
    ]
    interchange = parse_edifact(text, strict=True).interchanges[0]
    assert [p.code for p in interchange.errors] == ["29", "28"] and not interchange.warnings


def test_missing_unt_and_unz_are_errors() -> None:
    parsed = parse_edifact(f"{UNB}UNH+M1+COREOR:D:95B:UN'BGM+129+R1+9'")
    (interchange,) = parsed.interchanges
    assert [(p.segment_tag, p.code) for p in interchange.errors] == [("UNB", SyntaxCode.MISSING)]
    message = interchange.messages[0]
    assert [(p.segment_tag, p.code, p.message_ref) for p in message.problems] == [
        ("BGM", SyntaxCode.MISSING, "M1")
    ]


def test_a_new_unh_closes_a_message_without_unt() -> None:
    parsed = parse_edifact(f"{UNB}UNH+M1+COREOR:D:95B:UN'BGM+1'{MSG}UNZ+2+IC1'")
    first, second = payload_messages(parsed)
    assert [p.code for p in first.problems] == [SyntaxCode.MISSING] and not second.problems


def test_segments_outside_messages_are_one_error_per_run() -> None:
    text = f"{UNB}BGM+1'DTM+2'{MSG}RFF+3'UNZ+1+IC1'"
    interchange = parse_edifact(text).interchanges[0]
    assert [(p.segment_tag, p.code, p.segment_position) for p in interchange.errors] == [
        ("BGM", SyntaxCode.OUTSIDE_MESSAGE, 2),
        ("RFF", SyntaxCode.OUTSIDE_MESSAGE, 7),
    ]
    assert "2 segment(s)" in interchange.errors[0].message


def test_stray_trailers_are_reported() -> None:
    # none is left at payload level: the stray UNT before the UNB and the second UNZ after the
    # first one are the interchange's problems, so they reach its answer
    parsed = parse_edifact(f"UNT+1+X'{UNB}{MSG}UNE+1+G'UNZ+1+IC1'UNZ+1+IC1'")
    assert parsed.problems == ()
    assert codes(f"UNT+1+X'{UNB}{MSG}UNE+1+G'UNZ+1+IC1'UNZ+1+IC1'") == [
        ("UNT", SyntaxCode.OUTSIDE_MESSAGE, "error"),
        ("UNE", SyntaxCode.OUTSIDE_MESSAGE, "error"),
        ("UNZ", SyntaxCode.OUTSIDE_MESSAGE, "error"),
    ]


def test_bare_messages_share_one_synthetic_interchange() -> None:
    parsed = parse_edifact(f"{MSG}{MSG.replace('M1', 'M2')}".encode())
    (interchange,) = parsed.interchanges
    assert interchange.enveloped is False and len(interchange.messages) == 2


def test_ack_request_test_indicator_and_application_ref() -> None:
    unb = "UNB+UNOC:3+S+H+240501:1230+IC1++APP+A+1++1'"
    interchange = parse_edifact(f"{unb}{MSG}UNZ+1+IC1'").interchanges[0]
    assert interchange.ack_requested and interchange.test_indicator
    assert interchange.application_ref == "APP"


def test_unb_header_problems() -> None:
    assert codes(f"UNB+UNOB+S+H+240501:1230+IC1'{MSG}UNZ+1+IC1'") == [
        ("UNB", SyntaxCode.MISSING, "warning")
    ]
    assert codes(f"UNB+UNOC:9+S+H+241301:1230+IC1'{MSG}UNZ+1+IC1'") == [
        ("UNB", SyntaxCode.SYNTAX_VERSION_NOT_SUPPORTED, "warning"),
        ("UNB", SyntaxCode.INVALID_VALUE, "warning"),
    ]
    assert ("UNB", SyntaxCode.MISSING, "error") in codes(f"UNB+UNOC:3+S'{MSG}UNZ+1+'")


def test_empty_interchange_is_a_warning() -> None:
    assert codes(f"{UNB}UNZ+0+IC1'") == [("UNZ", SyntaxCode.LOWER_LEVEL_EMPTY, "warning")]


@pytest.mark.parametrize(
    ("syntax", "data", "expected"),
    [
        ("UNOA", b"Salerno", [("FTX", SyntaxCode.INVALID_CHARACTER, "warning")]),
        ("UNOC", "Ã©tÃ©".encode("latin-1"), []),
        ("UNOC", "été".encode("latin-1"), []),
        ("UNOY", "Ωμέγα".encode(), []),
        ("UNOW", b"\xff\xfe", [("", SyntaxCode.INVALID_CHARACTER, "warning")]),
        ("UNOA", "été".encode(), [("", "21", "warning"), ("FTX", "21", "warning")]),
        ("UNOD", "Łódź".encode("iso8859-2"), []),
        ("UNOC", b"A\x01B", [("FTX", SyntaxCode.INVALID_CHARACTER, "warning")]),
    ],
)
def test_charsets_decode_leniently_and_report(
    syntax: str, data: bytes, expected: list[tuple[str, str, str]]
) -> None:
    payload = f"UNB+{syntax}:3+S+H+240501:1230+IC1'UNH+M1+X:D:95B:UN'FTX+AAI+++".encode()
    payload += data + b"'UNT+3+M1'UNZ+1+IC1'"
    parsed = parse_edifact(payload)
    assert [(p.segment_tag, p.code, p.severity) for p in payload_problems(parsed)] == expected


def test_charset_text_survives_decoding() -> None:
    payload = "UNB+UNOY:4+S+H+20240501:1230+1'UNH+1+X:D:95B:UN'FTX+AAI+++Ωμέγα'UNT+3+1'UNZ+1+1'"
    ftx = payload_messages(parse_edifact(payload.encode()))[0].segments[1]
    assert ftx.get(3) == "Ωμέγα"
    latin = "UNB+UNOC:3+S+H+240501:1230+1'UNH+1+X:D:95B:UN'FTX+AAI+++Müller'UNT+3+1'UNZ+1+1'"
    assert payload_messages(parse_edifact(latin.encode("latin-1")))[0].segments[1].get(3) == (
        "Müller"
    )


def test_bom_and_crlf_bytes() -> None:
    parsed = parse_edifact(b"\xef\xbb\xbf" + f"{UNB}\r\n{MSG}\r\nUNZ+1+IC1'\r\n".encode())
    assert not payload_problems(parsed)


@pytest.mark.parametrize("payload", [b"", b"   \r\n", b"hello world", b"<?xml version='1.0'?><a/>"])
def test_non_edifact_is_rejected_with_problems(payload: bytes) -> None:
    with pytest.raises(SyntaxRejected) as caught:
        parse_edifact(payload)
    assert isinstance(caught.value, PermanentError)


def test_garbage_before_the_interchange_is_the_interchanges_problem() -> None:
    parsed = parse_edifact(f"garbage'{UNB}{MSG}UNZ+1+IC1'")
    (interchange,) = parsed.interchanges
    assert parsed.problems == ()
    assert [(p.code, p.severity) for p in interchange.errors] == [
        (SyntaxCode.OUTSIDE_MESSAGE, "error"),
        (SyntaxCode.INVALID_VALUE, "error"),
    ]


def test_content_after_unz_is_the_interchanges_problem() -> None:
    parsed = parse_edifact(f"{UNB}{MSG}UNZ+1+IC1'EQD+CN+X'{UNB.replace('IC1', 'IC2')}")
    first, second = parsed.interchanges
    assert [p.segment_tag for p in first.errors] == ["EQD"]
    assert [p.message for p in second.errors] == ["interchange has no UNZ"]


def test_a_broken_una_is_the_problem_of_the_interchange_that_follows() -> None:
    parsed = parse_edifact(f"UNA:+.'\n{UNB}{MSG}UNZ+1+IC1'")
    (interchange,) = parsed.interchanges
    assert parsed.problems == ()
    assert "UNA service characters" in interchange.errors[0].message
    assert any(p.message == "UNZ without UNB" for p in interchange.errors)


def test_max_segments() -> None:
    with pytest.raises(InputTooLarge):
        parse_edifact(f"{UNB}{MSG}UNZ+1+IC1'", max_segments=4)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"UNA:+.? 'UNB", True),
        (b"\xef\xbb\xbf\r\n UNB+UNOC:3", True),
        (b"UNH+1+CUSRES:D:99B:UN'", True),
        (b"BGM+9'", True),
        ("UNB+UNOC:3", True),
        (b"<?xml version='1.0'?>", False),
        (b'{"json": 1}', False),
        (b"", False),
    ],
)
def test_looks_like_edifact(payload: bytes | str, expected: bool) -> None:
    assert looks_like_edifact(payload) is expected
