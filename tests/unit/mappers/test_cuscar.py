"""CUSCAR → LinkBillsOfLading: the sample, the corpus manifest (EQD+BL) and the edge cases."""

from __future__ import annotations

import pytest

from hub.domain.commands import LinkBillsOfLading
from hub.mappers.base import MappedMessage, MapStatus
from hub.mappers.cuscar import map_cuscar
from tests.unit.mappers.conftest import CORPUS, SAMPLES, read_messages
from tests.unit.mappers.edifact_text import message

EQDS = "EQD+CN+MSCU1234566'EQD+CN+MEDU1239878'"


def cuscar(text: str) -> MappedMessage:
    return map_cuscar(message(f"UNH+K1+CUSCAR:D:95B:UN'BGM+85+M1+9'{text}UNT+0+K1'"))


def links(result: MappedMessage) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (c.bill_of_lading, c.containers)
        for c in result.commands
        if isinstance(c, LinkBillsOfLading)
    ]


def test_sample_links_each_bl_to_its_sgp_containers(loader: str) -> None:
    [msg] = read_messages(SAMPLES / "CUSCAR_D95B_manifest.edi", loader)
    result = map_cuscar(msg)
    assert (result.status, result.problems, result.claimed_sender) == (
        MapStatus.MAPPED,
        (),
        "MSCBE",
    )
    assert links(result) == [
        ("MEDUAB123456", ("MSCU1234566", "MSCU7654329")),
        ("MEDUAB654321", ("MEDU1239878",)),
    ]


def test_corpus_bulk_manifest_maps_nothing_with_warnings(loader: str) -> None:
    [msg] = read_messages(CORPUS / "CUSCAR_D95B_LOT10_simple.edi", loader)
    result = map_cuscar(msg)
    assert (result.status, result.commands, result.errors) == (MapStatus.MAPPED, (), ())
    assert [(p.segment_tag, p.segment_position) for p in result.warnings] == [
        ("EQD", 12),
        ("SGP", 29),
    ]
    assert "EQ123456" in result.warnings[1].message


@pytest.mark.parametrize(
    ("text", "expected_links", "expected_problems"),
    [
        (
            EQDS + "CNI+1+BL1'SGP+MSCU1234566'CNI+2'RFF+BM:BL2'SGP+MEDU1239878'",
            [("BL1", ("MSCU1234566",)), ("BL2", ("MEDU1239878",))],
            [],
        ),
        ("EQD+CN+MSCU1234566'CNI+1+BL1'", [("BL1", ("MSCU1234566",))], []),
        (EQDS + "CNI+1+BL1'", [], [("warning", "CNI", "13")]),
        (EQDS + "CNI+1'SGP+MSCU1234566'", [], [("error", "CNI", "13")]),
        (
            "CNI+1+BL1'SGP+MSCU1234566'SGP+MSCU1234567'",
            [("BL1", ("MSCU1234566",))],
            [("error", "SGP", "12")],
        ),
        ("EQD+CN+MSCU1234567'CNI+1+BL1'SGP+MSCU1234567'", [], [("error", "EQD", "12")]),
        (
            EQDS + "CNI+1+BL1'SGP+MSCU1234566'CNI+2+BL1'SGP+MEDU1239878'SGP+MSCU1234566'",
            [("BL1", ("MSCU1234566", "MEDU1239878"))],
            [],
        ),
        ("", [], [("error", "UNT", "13")]),
    ],
    ids=[
        "CNI number and RFF+BM",
        "sole container without SGP",
        "no SGP, two containers",
        "no B/L",
        "undeclared SGP checked",
        "bad EQD reported once",
        "same B/L merged",
        "no CNI",
    ],
)
def test_links_and_problems(
    text: str,
    expected_links: list[tuple[str, tuple[str, ...]]],
    expected_problems: list[tuple[str, str, str]],
) -> None:
    result = cuscar(text)
    assert links(result) == expected_links
    assert [(p.severity, p.segment_tag, p.code) for p in result.problems] == expected_problems
    rejected = not expected_links and any(p[0] == "error" for p in expected_problems)
    assert (result.status is MapStatus.REJECTED) == rejected
