"""Outbound EDIFACT: the serializer, APERAK, CONTRL and gate messages, each parsed back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from hub.domain.events import GateAuthorised, GateWithdrawn
from hub.domain.values import Pickup, PickupMode
from hub.errors import Problem
from hub.parsing.edifact import parse_edifact
from hub.parsing.edifact.model import Interchange, Message, Segment, payload_problems
from hub.rendering.edifact import (
    AckSubject,
    Envelope,
    fit_charset,
    listed,
    render_aperak,
    render_contrl,
    render_gate_message,
    render_segments,
    seg,
    should_send_contrl,
    with_counts,
)

from .corpus import read

NOW = datetime(2024, 5, 1, 12, 30)
SALERNO = "COREOR_D08B_SMDG20_salerno_release.edi"


def segs(message: Message, tag: str) -> list[Segment]:
    return [s for s in message.segments if s.tag == tag]


def parse_one(text: str) -> tuple[Interchange, Message]:
    parsed = parse_edifact(text)
    assert not payload_problems(parsed), payload_problems(parsed)
    (interchange,) = parsed.interchanges
    (message,) = interchange.messages
    return interchange, message


def test_render_segments_escapes_and_counts() -> None:
    text = render_segments(
        [
            seg("UNB", ("UNOC", "3"), "S", "R", ("240501", "1230"), "IC"),
            seg("UNH", "M", ("X", "D", "95B", "UN")),
            seg("FTX", "A", "", "", ("?'+:*", "x", "")),
            seg("UNT", "99", "WRONG"),
            seg("UNZ", "7"),
        ]
    )
    assert text.splitlines() == [
        "UNA:+.? '",
        "UNB+UNOC:3+S+R+240501:1230+IC'",
        "UNH+M+X:D:95B:UN'",
        "FTX+A+++???'?+?:*:x'",
        "UNT+3+WRONG'",
        "UNZ+1+IC'",
    ]


def test_render_segments_under_syntax_4_releases_the_repetition_separator() -> None:
    segment = Segment("FTX", (("A*B",), ("C",)), 0, ((1, (("D",),)),))
    text = render_segments([segment], syntax_version="4", with_una=True)
    assert text == "UNA:+.?*'\nFTX+A?*B+C*D'\n"
    assert render_segments([segment], with_una=False, line_break="") == "FTX+A*B+C'"


def test_with_counts_counts_groups_in_unz_and_messages_in_une() -> None:
    message = [seg("UNH", "M", "X"), seg("UNT")]
    counted = with_counts(
        [
            seg("UNB", "S", "S", "R", "D", "IC"),
            seg("UNG", "X", "S", "R", "D", "G1"),
            *message,
            *message,
            seg("UNE"),
            seg("UNZ"),
        ]
    )
    assert [s.elements for s in counted if s.tag in ("UNT", "UNE", "UNZ")] == [
        (("2",), ("M",)), (("2",), ("M",)), (("2",), ("G1",)), (("1",), ("IC",))
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("syntax_id", "text", "expected"),
    [
        ("UNOA", "Müller & co_x\n", "MULLER & CO?X "),
        ("UNOB", "Müller", "Muller"),
        ("UNOC", "Šódź Müller", "Sódz Müller"),
        ("UNOY", "Łódź\tΩ", "Łódź Ω"),
        ("UNOC", "日本", "??"),
    ],
)
def test_fit_charset(syntax_id: str, text: str, expected: str) -> None:
    assert fit_charset(text, syntax_id) == expected


def salerno() -> Interchange:
    return parse_edifact(read(SALERNO)).interchanges[0]


def test_aperak_accepted_answers_the_sender_in_its_syntax() -> None:
    original = salerno()
    subject = AckSubject.of(original, original.messages[0])
    interchange, message = parse_one(render_aperak(subject, now=NOW, control_ref="H1"))
    assert (interchange.sender, interchange.recipient) == ("ITSALSCT", "LENAVI-GOA")
    assert (interchange.syntax_id, interchange.syntax_version) == ("UNOC", "2")
    assert interchange.control_ref == "H1" and interchange.prepared == "2024-05-01T12:30"
    assert (message.type, message.directory) == ("APERAK", "D96A")
    assert segs(message, "BGM")[0].elements == (("312",), ("H1",), ("29",))
    assert [s.elements[0] for s in segs(message, "RFF")] == [
        ("ACW", "DO134792"), ("ZZZ", "000000012"), ("ACE", "MEDUCO308182")
    ]  # fmt: skip
    assert [s.get(0) for s in segs(message, "ERC")] == ["1"]
    assert segs(message, "DTM")[0].elements == (("137", "202405011230", "203"),)


def test_aperak_rejected_has_one_erc_ftx_group_per_error() -> None:
    original = salerno()
    problems = [
        Problem("bad check digit: JLG42202A01", "12", segment_tag="EQD", segment_position=11),
        Problem("expiry missing", "13"),
        Problem("just a warning", "12", severity="warning"),
        Problem("x" * 500, ""),
    ]
    subject = AckSubject.of(original, original.messages[1])
    _, message = parse_one(render_aperak(subject, problems, now=NOW, control_ref="H2"))
    assert segs(message, "BGM")[0].elements == (("313",), ("H2",), ("27",))
    assert segs(message, "RFF")[0].elements == (("ACW", "DO134791"),)
    assert [s.get(0) for s in segs(message, "ERC")] == ["12", "13", "12"]
    ftx = segs(message, "FTX")
    assert [s.get(0) for s in ftx] == ["AAO"] * 3
    assert ftx[0].get(3) == "segment 11 EQD: bad check digit: JLG42202A01"
    assert len(ftx[2].elements[3]) == 5 and all(len(c) == 70 for c in ftx[2].elements[3])
    assert len(message.segments) == int(message.segments[-1].get(0))


def test_aperak_to_a_unoa_syntax_4_test_interchange() -> None:
    subject = AckSubject("PARTNER", "HUB", "IC9", "M9", "COREOR", "ZZ", "ZZ", "UNOA", "4",
                         test=True)  # fmt: skip
    problems = [Problem("Référence inconnue", "12")]
    text = render_aperak(subject, problems, now=NOW, control_ref="H3")
    interchange, message = parse_one(text)
    assert interchange.test_indicator and interchange.prepared == "2024-05-01T12:30"
    assert "UNB+UNOA:4+HUB:ZZ+PARTNER:ZZ+20240501:1230+H3++++++1'" in text
    assert segs(message, "FTX")[0].get(3) == "REFERENCE INCONNUE"


def test_contrl_acknowledges_each_message() -> None:
    original = replace(salerno(), warnings=())
    _, message = parse_one(render_contrl(original, now=NOW, control_ref="C1"))
    assert (message.type, message.version, message.release) == ("CONTRL", "D", "3")
    uci = segs(message, "UCI")[0]
    assert uci.elements == (("000000012",), ("LENAVI-GOA",), ("ITSALSCT",), ("7",))
    assert [(s.get(0), s.get(2)) for s in segs(message, "UCM")] == [
        ("DO134792", "7"), ("DO134791", "7")
    ]  # fmt: skip
    assert segs(message, "UCM")[0].elements[1] == ("COREOR", "D", "08B", "UN", "SMDG20")


def test_contrl_rejects_on_interchange_errors_with_the_0085_code() -> None:
    original = parse_edifact(read(SALERNO), strict=True).interchanges[0]
    _, message = parse_one(render_contrl(original, now=NOW, control_ref="C2"))
    uci = segs(message, "UCI")[0]
    assert [uci.get(3), uci.get(4), uci.get(5), uci.get(6)] == ["4", "29", "UNZ", "1"]
    assert not segs(message, "UCM")


def test_contrl_reports_message_errors_with_ucs_and_ucd() -> None:
    original = parse_edifact(read("CUSCAR_D95B_LOT10_simple.edi"), strict=True).interchanges[0]
    message_problem = Problem("no BGM", "13")
    located = Problem("bad value", "12", segment_tag="EQD", segment_position=12, element=3)
    problems = (*original.messages[0].problems, message_problem, located)
    first = replace(original.messages[0], problems=problems)
    original = replace(original, messages=(first,))
    _, message = parse_one(render_contrl(original, now=NOW, control_ref="C3"))
    assert segs(message, "UCI")[0].get(3) == "7"
    assert segs(message, "UCM")[0].elements[2:] == (("4",), ("13",))
    assert [s.elements for s in segs(message, "UCS")] == [(("30",),), (("11",),)]
    assert [s.elements for s in segs(message, "UCD")] == [(("29",), ("1",)), (("12",), ("3",))]


def test_contrl_received_only_and_syntax_4() -> None:
    original = parse_edifact(read("APERAK_D96A_rejected_syntax4.edi")).interchanges[0]
    interchange, message = parse_one(
        render_contrl(original, now=NOW, control_ref="C4", received_only=True)
    )
    assert interchange.syntax_version == "4" and message.directory == "41"
    assert segs(message, "UCI")[0].get(3) == "8" and not segs(message, "UCM")


def test_never_a_contrl_for_a_contrl() -> None:
    contrl = parse_edifact(read("CONTRL_D3_positive.edi")).interchanges[0]
    assert not should_send_contrl(replace(contrl, ack_requested=True), True)
    coreor = salerno()
    assert not should_send_contrl(coreor, False)
    assert should_send_contrl(coreor, True)
    assert should_send_contrl(replace(coreor, ack_requested=True), False)
    bare = parse_edifact(read("CUSRES_D99B_underbond_approval.edi")).interchanges[0]
    assert not should_send_contrl(bare, True)
    with pytest.raises(ValueError):
        render_contrl(contrl, now=NOW, control_ref="C9")


TERMINAL = Envelope("HUB", "K913", "ZZ", "ZZ", syntax_id="UNOA")


@pytest.mark.parametrize(
    ("mode", "tdt"),
    [
        (PickupMode.TRUCK, (("30",), ("",), ("3",), ("31",), ("",), ("",), ("",),
                            ("A123456", "ZZZ", "", "ALFAPASS"))),
        (PickupMode.BARGE, (("30",), ("",), ("8",), ("",), ("",), ("",), ("",),
                            ("02331234", "ZZZ", "", "BARGE"))),
    ],
)  # fmt: skip
def test_gate_authorisation(mode: PickupMode, tdt: tuple[tuple[str, ...], ...]) -> None:
    identity = "A123456" if mode is PickupMode.TRUCK else "02331234"
    event = GateAuthorised(
        "MSCU1234565", terminal="K913", sequence=3, release_ref="R-1",
        pickup=Pickup(mode, identity, "TAR77"), port="BEANR", bills_of_lading=("BL1", "BL2"),
        expires_at=datetime(2024, 6, 30, 23, 59),
    )  # fmt: skip
    text = render_gate_message(event, envelope=TERMINAL, now=NOW, control_ref="G1")
    interchange, message = parse_one(text)
    assert (interchange.sender, interchange.recipient) == ("HUB", "K913")
    assert (message.type, message.directory) == ("COREOR", "D95B")
    assert segs(message, "BGM")[0].elements == (("129",), ("R-1/3",), ("9",))
    assert [s.elements[0] for s in segs(message, "RFF")] == [
        ("RE", "R-1"), ("BM", "BL1"), ("BM", "BL2"), ("SQ", "3"), ("AAJ", "TAR77")
    ]  # fmt: skip
    assert segs(message, "TDT")[0].elements == tdt
    assert segs(message, "LOC")[0].elements == (
        ("11",),
        ("BEANR", "139", "6"),
        ("K913", "TER", "ZZZ"),
    )
    assert segs(message, "EQD")[0].elements == (("CN",), ("MSCU1234565",))
    assert segs(message, "DTM")[1].elements == (("36", "202406302359", "203"),)


def test_gate_withdrawal() -> None:
    event = GateWithdrawn("MSCU1234565", terminal="K913", sequence=4, release_ref="R-1",
                          reason="customs light red: documentary control")  # fmt: skip
    text = render_gate_message(event, envelope=TERMINAL, now=NOW, control_ref="G2")
    _, message = parse_one(text)
    assert segs(message, "BGM")[0].elements == (("129",), ("R-1/4",), ("1",))
    assert segs(message, "FTX")[0].get(3) == "CUSTOMS LIGHT RED: DOCUMENTARY CONTROL"
    assert [s.elements[0] for s in segs(message, "RFF")] == [("RE", "R-1"), ("SQ", "4")]
    assert not segs(message, "TDT")


def test_a_long_list_of_lost_containers_is_counted_not_cut() -> None:
    many = [f"MSCU{n:07d}" for n in range(100)]
    text = listed("not applied: containers ", many)
    assert len(text) <= 350 and text.endswith("more") and "MSCU0000000" in text
    shown = text.count("MSCU")
    assert text.endswith(f"and {100 - shown} more")
