"""Both code lists for the document name of a terminal report (issue 19): the SMDG codes of the
SMDG guides (COARRI 44 / 46, CODECO 34 / 36) and the UN/EDIFACT code list 1001 codes that D.23A
terminals send (119 transport discharge report, 122 transport loading report, 109 transport
movement gate in report, 111 transport movement gate out report)."""

from __future__ import annotations

import pytest

from hub.domain.commands import RecordTerminalEvent
from hub.domain.values import TerminalEvent
from hub.mappers.base import MappedMessage, MapStatus
from hub.mappers.coarri import map_coarri
from hub.mappers.codeco import map_codeco
from tests.unit.mappers.edifact_text import message

LOC = "LOC+11+BEANR:139:6+K913:TER:ZZZ'LOC+9+BEANR:139:6+K913:TER:ZZZ'"


def coarri(name: str) -> MappedMessage:
    text = f"BGM+{name}+D1+9'{LOC}EQD+CN+MSCU1234566'"
    return map_coarri(message(f"UNH+A1+COARRI:D:23A:UN'{text}UNT+0+A1'"))


def codeco(name: str) -> MappedMessage:
    text = f"BGM+{name}+G1+9'{LOC}EQD+CN+MSCU1234566'"
    return map_codeco(message(f"UNH+C1+CODECO:D:23A:UN'{text}UNT+0+C1'"))


def event(result: MappedMessage) -> tuple[TerminalEvent, str]:
    assert (result.status, result.problems) == (MapStatus.MAPPED, ())
    [command] = result.commands
    assert isinstance(command, RecordTerminalEvent)
    return command.event, command.terminal


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("44", TerminalEvent.DISCHARGED),
        ("119", TerminalEvent.DISCHARGED),
        ("119::6", TerminalEvent.DISCHARGED),  # with the agency (6: UN/ECE) given
        ("46", TerminalEvent.LOADED),
        ("122", TerminalEvent.LOADED),
    ],
)
def test_coarri_reads_the_smdg_and_the_un_codes(name: str, expected: TerminalEvent) -> None:
    assert event(coarri(name)) == (expected, "K913")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("34", TerminalEvent.GATE_IN),
        ("109", TerminalEvent.GATE_IN),
        ("36", TerminalEvent.GATE_OUT),
        ("111", TerminalEvent.GATE_OUT),
    ],
)
def test_codeco_reads_the_smdg_and_the_un_codes(name: str, expected: TerminalEvent) -> None:
    assert event(codeco(name))[0] is expected


@pytest.mark.parametrize("name", ["34", "111", "45", "9", "129"])
def test_a_document_name_of_another_report_is_still_rejected(name: str) -> None:
    result = coarri(name)
    assert result.status is MapStatus.REJECTED
    [error] = result.errors
    assert (error.segment_tag, error.element) == ("BGM", 1)
    assert "44 (discharged), 119 (discharged), 46 (loaded), 122 (loaded)" in error.message


def test_codeco_names_both_lists_when_it_rejects() -> None:
    result = codeco("119")
    assert result.status is MapStatus.REJECTED
    assert "34 (gate_in), 109 (gate_in), 36 (gate_out), 111 (gate_out)" in result.errors[0].message
