"""CODECO and COARRI → RecordTerminalEvent: samples, corpus files, and the failure cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.domain.commands import RecordTerminalEvent
from hub.domain.values import TerminalEvent
from hub.mappers.base import MappedMessage, MapStatus
from hub.mappers.coarri import map_coarri
from hub.mappers.codeco import map_codeco
from tests.unit.mappers.conftest import CORPUS, SAMPLES, read_messages
from tests.unit.mappers.edifact_text import message

GATE_OUT = TerminalEvent.GATE_OUT
DISCHARGED = TerminalEvent.DISCHARGED


def codeco(text: str) -> MappedMessage:
    return map_codeco(message(f"UNH+C1+CODECO:D:95B:UN'{text}UNT+0+C1'"))


def coarri(text: str) -> MappedMessage:
    return map_coarri(message(f"UNH+A1+COARRI:D:95B:UN'{text}UNT+0+A1'"))


def test_codeco_gate_out_sample(loader: str) -> None:
    [msg] = read_messages(SAMPLES / "CODECO_D95B_gate_out.edi", loader)
    result = map_codeco(msg)
    assert (result.status, result.problems, result.claimed_sender) == (
        MapStatus.MAPPED,
        (),
        "PSAT",
    )
    assert result.commands == (
        RecordTerminalEvent(
            "MSCU1234566", GATE_OUT, "K913", datetime(2026, 3, 12, 14, 10, tzinfo=UTC)
        ),
    )


def test_codeco_corpus_gate_in_has_a_wrong_check_digit(loader: str) -> None:
    [msg] = read_messages(CORPUS / "CODECO_D95B_generated_gatein.edi", loader)
    result = map_codeco(msg)
    assert (result.status, result.claimed_sender) == (MapStatus.REJECTED, "ITPIALOMA")
    [error] = result.errors
    assert (error.segment_tag, error.segment_position, error.element, error.code) == (
        "EQD",
        7,
        2,
        "12",
    )
    assert "CBHU1234567" in error.message and "expected 1" in error.message


def test_coarri_discharge_sample(loader: str) -> None:
    [msg] = read_messages(SAMPLES / "COARRI_D95B_discharge.edi", loader)
    result = map_coarri(msg)
    assert result.status is MapStatus.MAPPED and not result.problems
    assert [
        (c.container, c.event, c.terminal)
        for c in result.commands
        if isinstance(c, RecordTerminalEvent)
    ] == [
        ("MSCU1234566", DISCHARGED, "K913"),
        ("MEDU1239878", DISCHARGED, "K913"),
    ]


def test_genoa_corpus_discharge_and_load(loader: str) -> None:
    path = CORPUS / "COARRI_D95B_ITG13_genoa_discharge_load.edi"
    discharge, load = (map_coarri(m) for m in read_messages(path, loader))
    assert [
        (c.container, c.event, c.terminal, c.at)
        for c in discharge.commands
        if isinstance(c, RecordTerminalEvent)
    ] == [
        ("FCIU9908030", DISCHARGED, "VTE", datetime(2016, 2, 3, 9, 13, tzinfo=UTC)),
        ("MAGU5591240", DISCHARGED, "VTE", datetime(2016, 2, 3, 9, 11, tzinfo=UTC)),
    ]
    assert (load.status, len(load.commands), load.problems) == (MapStatus.MAPPED, 19, ())
    assert {getattr(c, "event", None) for c in load.commands} == {TerminalEvent.LOADED}
    assert {getattr(c, "terminal", None) for c in load.commands} == {"VTE"}


@pytest.mark.parametrize(
    ("text", "status", "expected"),
    [
        ("BGM+34+G1+9'EQD+CN+MSCU1234566'", MapStatus.MAPPED, []),
        ("BGM+35+G1+9'EQD+CN+MSCU1234566'", MapStatus.REJECTED, [("BGM", 1, "12")]),
        ("EQD+CN+MSCU1234566'", MapStatus.REJECTED, [("UNH", 1, "13")]),
        ("BGM+36+G1+9'", MapStatus.REJECTED, [("UNT", 0, "13")]),
        (
            "BGM+36+G1+9'EQD+CN+MSCU1234566'DTM+7:20261301:102'",
            MapStatus.REJECTED,
            [("DTM", 1, "12")],
        ),
        (
            "BGM+36+G1+9'EQD+CN+MSCU1234567'EQD+CN+MEDU1239878'",
            MapStatus.MAPPED,
            [("EQD", 2, "12")],
        ),
    ],
    ids=["gate-in", "unknown document", "no BGM", "no EQD", "bad date", "partial"],
)
def test_codeco_problems(
    text: str, status: MapStatus, expected: list[tuple[str, int, str]]
) -> None:
    result = codeco(text)
    assert result.status is status
    assert [(p.segment_tag, p.element, p.code) for p in result.errors] == expected


def test_codeco_terminal_comes_from_the_eqd_group_loc_first() -> None:
    text = (
        "BGM+34+G1+9'LOC+11+BEANR:139:6+K913:TER:ZZZ'EQD+CN+MSCU1234566'"
        "LOC+165+BEANR:139:6+1742:TER:ZZZ'DTM+7:202603021200:203'EQD+CN+MEDU1239878'"
    )
    assert [
        (c.container, c.terminal)
        for c in codeco(text).commands
        if isinstance(c, RecordTerminalEvent)
    ] == [("MSCU1234566", "1742"), ("MEDU1239878", "K913")]


def test_codeco_without_loc_leaves_the_terminal_to_the_release() -> None:
    [command] = codeco("BGM+36+G1+9'NAD+MS+PSAT'EQD+CN+MSCU1234566'").commands
    assert isinstance(command, RecordTerminalEvent)
    assert (command.terminal, command.at) == ("", None)


def test_coarri_ignores_group_locs_of_other_ports_for_the_terminal() -> None:
    text = (
        "BGM+44+D1+9'LOC+11+BEANR:139:6+K913:TER:ZZZ'EQD+CN+MSCU1234566'"
        "LOC+9+CNSHA:139:6+YANGSHAN:TER:ZZZ'LOC+147+0120282::5'"
    )
    [command] = coarri(text).commands
    assert isinstance(command, RecordTerminalEvent) and command.terminal == "K913"


def test_coarri_unknown_report_is_rejected() -> None:
    result = coarri("BGM+44X+D1+9'EQD+CN+MSCU1234566'")  # 119 is a discharge report (UN 1001)
    assert result.status is MapStatus.REJECTED
    assert "44 (discharged), 119 (discharged), 46 (loaded)" in result.errors[0].message
