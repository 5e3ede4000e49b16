"""CUSRES → RecordCustomsStatus: the GIS code table, the corpus underbond approval, targets."""

from __future__ import annotations

import pytest

from hub.domain.commands import RecordCustomsStatus
from hub.domain.values import CustomsStatus
from hub.mappers.base import MappedMessage, MapStatus
from hub.mappers.cusres import GIS_STATUS, map_cusres
from tests.unit.mappers.conftest import CORPUS, SAMPLES, read_messages
from tests.unit.mappers.edifact_text import message


def cusres(text: str) -> MappedMessage:
    return map_cusres(message(f"UNH+R1+CUSRES:D:99B:UN'BGM+961+DEC1+9'{text}UNT+0+R1'"))


def statuses(result: MappedMessage) -> list[tuple[CustomsStatus, str, str]]:
    return [
        (c.status, c.container, c.bill_of_lading)
        for c in result.commands
        if isinstance(c, RecordCustomsStatus)
    ]


def test_sample_releases_the_container(loader: str) -> None:
    [msg] = read_messages(SAMPLES / "CUSRES_D99B_release.edi", loader)
    result = map_cusres(msg)
    assert (result.status, result.problems) == (MapStatus.MAPPED, ())
    assert result.commands == (
        RecordCustomsStatus(CustomsStatus.RELEASED, "MSCU1234566", "", "BE26IM000123"),
    )


def test_corpus_underbond_approval_is_transhipment_with_a_warning(loader: str) -> None:
    [msg] = read_messages(CORPUS / "CUSRES_D99B_underbond_approval.edi", loader)
    result = map_cusres(msg)
    assert result.status is MapStatus.MAPPED
    assert statuses(result) == [(CustomsStatus.TRANSHIPMENT, "TRCU3382910", "")]
    [warning] = result.warnings
    assert (warning.segment_tag, "UNDERBOND APPROVAL" in warning.message) == ("RFF", True)


@pytest.mark.parametrize(("code", "status"), sorted(GIS_STATUS.items()))
def test_every_gis_code_maps_to_its_status(code: str, status: CustomsStatus) -> None:
    assert statuses(cusres(f"GIS+{code}'RFF+AAQ:MSCU1234566'")) == [(status, "MSCU1234566", "")]


def test_the_table_covers_every_known_customs_value() -> None:
    assert set(GIS_STATUS.values()) == set(CustomsStatus) - {CustomsStatus.UNKNOWN}


@pytest.mark.parametrize(
    ("text", "expected", "errors"),
    [
        ("GIS+4'RFF+BM:BL1'", [(CustomsStatus.RELEASED, "", "BL1")], []),
        ("GIS+4'RFF+BM:BL1'EQD+CN+MEDU1239878'", [(CustomsStatus.RELEASED, "MEDU1239878", "")], []),
        ("GIS+4'RFF+BM:BL1'RFF+AAQ:MSCU1234567'", [], [("RFF", 1, 2, "12")]),
        ("GIS+1'RFF+AAQ:MSCU1234566'", [], [("GIS", 1, 1, "12")]),
        ("RFF+AAQ:MSCU1234566'", [], [("BGM", 0, 0, "13")]),
        ("GIS+4'", [], [("BGM", 0, 0, "13")]),
        (
            "GIS+1'GIS+7'RFF+AAQ:MSCU1234566'RFF+AAQ:MEDU1239878'",
            [
                (CustomsStatus.NOT_CLEARED, "MSCU1234566", ""),
                (CustomsStatus.NOT_CLEARED, "MEDU1239878", ""),
            ],
            [],
        ),
    ],
    ids=[
        "B/L only",
        "container wins over B/L",
        "bad container, B/L not used",
        "GIS without status",
        "no status",
        "no target",
        "first known GIS, two containers",
    ],
)
def test_targets_and_problems(
    text: str,
    expected: list[tuple[CustomsStatus, str, str]],
    errors: list[tuple[str, int, int, str]],
) -> None:
    result = cusres(text)
    assert statuses(result) == expected
    assert [(p.segment_tag, p.element, p.component, p.code) for p in result.errors] == errors
    assert (result.status is MapStatus.REJECTED) == (not expected)
