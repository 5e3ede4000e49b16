"""COREOR → release commands: samples, the Salerno corpus file, and every way one goes wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.domain.commands import ReleaseContainer, RevokeRelease, UpdateRelease
from hub.domain.values import PartyRef
from hub.mappers.base import MappedMessage, MapStatus
from hub.mappers.coreor import map_coreor
from tests.unit.mappers.conftest import CORPUS, SAMPLES, read_messages
from tests.unit.mappers.edifact_text import message, messages

AGENT = PartyRef("MSCBE", "ZZZ")
FORWARDER = PartyRef("FWDANT", "ZZZ")
MAY_1 = datetime(2026, 5, 1, 22, tzinfo=UTC)
"""``DTM+36:20260501:102``: the end of 1 May in Antwerp (CEST, UTC+2), not its first moment."""

HEADER = (
    "BGM+129+DOC1+9'DTM+36:20260501:102'RFF+RE:REL-9'RFF+BM:BL1'"
    "LOC+11+BEANR:139:6+K913:TER:ZZZ'NAD+MS+MSCBE:160:ZZZ'NAD+FW+FWDANT:160:ZZZ'"
)
GOOD = "EQD+CN+MSCU1234566+45G1'"
OTHER = "EQD+CN+MEDU1239878+22G1'"


def coreor(text: str, directory: str = "D:95B") -> MappedMessage:
    return map_coreor(message(f"UNH+M1+COREOR:{directory}:UN'{text}UNT+0+M1'"))


def errors(result: MappedMessage) -> list[tuple[str, int, int, str]]:
    return [(p.segment_tag, p.element, p.component, p.code) for p in result.errors]


def test_original_sample_releases_each_container_under_its_own_bl(loader: str) -> None:
    [msg] = read_messages(SAMPLES / "COREOR_D95B_original.edi", loader)
    result = map_coreor(msg)
    assert (result.status, result.problems, result.claimed_sender) == (
        MapStatus.MAPPED,
        (),
        "MSCBE",
    )
    assert result.commands == (
        ReleaseContainer(
            "MSCU1234566", "REL-001", FORWARDER, ("MEDUAB123456",), "K913", "BEANR", AGENT, MAY_1
        ),
        ReleaseContainer(
            "MEDU1239878", "REL-001", FORWARDER, ("MEDUAB654321",), "K913", "BEANR", AGENT, MAY_1
        ),
    )


def test_replace_sample_updates(loader: str) -> None:
    [msg] = read_messages(SAMPLES / "COREOR_D95B_replace.edi", loader)
    assert map_coreor(msg).commands == (
        UpdateRelease(
            "MSCU1234566",
            "REL-001",
            FORWARDER,
            ("MEDUAB123456",),
            "K913",
            "BEANR",
            datetime(2026, 5, 15, 18, tzinfo=UTC),
        ),
    )


def test_cancel_sample_revokes(loader: str) -> None:
    [msg] = read_messages(SAMPLES / "COREOR_D95B_cancel.edi", loader)
    [command] = map_coreor(msg).commands
    assert isinstance(command, RevokeRelease)
    assert (command.container, command.release_ref) == ("MEDU1239878", "REL-001")


def test_d04a_sample_releases_to_the_customs_broker_when_there_is_no_forwarder(loader: str) -> None:
    [msg] = read_messages(SAMPLES / "COREOR_D04A_original.edi", loader)
    result = map_coreor(msg)
    assert result.version == "D04A" and result.containers == ("MSDU5550015", "MSMU7772208")
    assert {
        (c.release_to, c.terminal, c.expires_at)
        for c in result.commands
        if isinstance(c, ReleaseContainer)
    } == {(PartyRef("BE0123456789", "ZZZ"), "1742", datetime(2026, 4, 30, 23, 59, tzinfo=UTC))}


def test_salerno_corpus_messages_are_rejected_on_their_invalid_containers(loader: str) -> None:
    results = [
        map_coreor(m)
        for m in read_messages(CORPUS / "COREOR_D08B_SMDG20_salerno_release.edi", loader)
    ]
    assert [(r.ref, r.status, r.version, r.claimed_sender) for r in results] == [
        ("DO134792", MapStatus.REJECTED, "D08B", "MSC"),
        ("DO134791", MapStatus.REJECTED, "D08B", "MSC"),
    ]
    assert [[(p.segment_position, p.element) for p in r.errors] for r in results] == [
        [(11, 2), (16, 2)],
        [(32, 2)],
    ]
    assert all("JLG42202A0" in p.message for r in results for p in r.errors)


def test_salerno_shape_with_valid_numbers_reads_terminal_party_and_eqd_expiry() -> None:
    text = CORPUS / "COREOR_D08B_SMDG20_salerno_release.edi"
    if not text.exists():
        pytest.skip("corpus not available")
    fixed = text.read_text(encoding="latin-1").replace("JLG42202A01", "MSCU1234566")
    msg = messages(fixed)[0]
    [command] = map_coreor(msg).commands
    assert command == ReleaseContainer(
        "MSCU1234566",
        "134792",
        PartyRef("IT07853020639", "160"),
        (),
        "ITSALSC",
        "ITSAL",
        PartyRef("MSC", "172"),
        datetime(2018, 11, 30, 23, tzinfo=UTC),  # end of 30 November in Brussels (CET)
    )


@pytest.mark.parametrize(
    ("text", "status", "expected_errors"),
    [
        (HEADER + GOOD + OTHER, MapStatus.MAPPED, []),
        (HEADER + GOOD + "EQD+CN+MSCU1234567'", MapStatus.MAPPED, [("EQD", 2, 1, "12")]),
        (HEADER + "EQD+CN+MSCU1234567'", MapStatus.REJECTED, [("EQD", 2, 1, "12")]),
        (HEADER + "EQD+CN+'", MapStatus.REJECTED, [("EQD", 2, 1, "13")]),
        (HEADER, MapStatus.REJECTED, [("UNT", 0, 0, "13")]),
        (HEADER.replace("+9'", "+4'", 1) + GOOD, MapStatus.REJECTED, [("BGM", 3, 1, "12")]),
        (
            HEADER.replace("RFF+RE:REL-9'", "").replace("DOC1", "") + GOOD,
            MapStatus.REJECTED,
            [("BGM", 2, 0, "13")],
        ),
        (
            HEADER.replace(":20260501:", ":20260532:") + GOOD,
            MapStatus.REJECTED,
            [("DTM", 1, 2, "12")],
        ),
        (HEADER + GOOD + OTHER + "DTM+36:2026:102'", MapStatus.MAPPED, [("DTM", 1, 2, "12")]),
        (
            HEADER.replace("NAD+FW+FWDANT:160:ZZZ'", "") + GOOD,
            MapStatus.REJECTED,
            [("EQD", 0, 0, "13")],
        ),
        (
            HEADER.replace("NAD+FW+FWDANT:160:ZZZ'", "NAD+FW+++NO CODE LTD'") + GOOD,
            MapStatus.REJECTED,
            [("NAD", 2, 1, "13"), ("EQD", 0, 0, "13")],
        ),
    ],
    ids=[
        "two good",
        "one bad of two: partial",
        "only bad",
        "empty number",
        "no EQD",
        "function 4",
        "no release number",
        "bad header expiry",
        "bad EQD expiry",
        "no release party",
        "release party without code",
    ],
)
def test_problems_are_located_and_decide_the_status(
    text: str, status: MapStatus, expected_errors: list[tuple[str, int, int, str]]
) -> None:
    result = coreor(text)
    assert (result.status, errors(result)) == (status, expected_errors)
    assert all(p.message_ref == "M1" and p.message for p in result.problems)
    assert (len(result.commands) > 0) == (status is MapStatus.MAPPED)


def test_partial_acceptance_keeps_the_good_container_and_names_the_bad_eqd() -> None:
    result = coreor(HEADER + "EQD+CN+MSCU1234567'" + OTHER)
    assert result.containers == ("MEDU1239878",)
    [error] = result.errors
    assert (error.segment_tag, error.segment_position) == ("EQD", 9)
    assert "check digit 7, expected 6" in error.message


def test_missing_rff_re_falls_back_to_the_bgm_number_with_a_warning() -> None:
    result = coreor(HEADER.replace("RFF+RE:REL-9'", "") + GOOD)
    assert [c.release_ref for c in result.commands if isinstance(c, ReleaseContainer)] == ["DOC1"]
    assert [(p.severity, p.segment_tag, p.code) for p in result.problems] == [
        ("warning", "BGM", "13")
    ]


def test_eqd_group_overrides_bills_party_and_expiry_of_the_message_level() -> None:
    group = "EQD+CN+MSCU1234566'RFF+BM:BL2'DTM+36:202606011200:203'NAD+CB+BROKER:160'"
    [own, shared] = coreor(HEADER + group + OTHER).commands
    assert isinstance(own, ReleaseContainer) and isinstance(shared, ReleaseContainer)
    assert (own.bills_of_lading, own.release_to, own.expires_at) == (
        ("BL2",),
        PartyRef("BROKER", "160"),
        datetime(2026, 6, 1, 12, tzinfo=UTC),
    )
    assert (shared.bills_of_lading, shared.release_to, shared.expires_at) == (
        ("BL1",),
        FORWARDER,
        MAY_1,
    )


def test_forwarder_is_preferred_over_customs_broker_and_carrier_stands_in_for_agent() -> None:
    header = HEADER.replace("NAD+MS+MSCBE:160:ZZZ'", "NAD+CF+MSC:172'").replace(
        "NAD+FW", "NAD+CB+BROKER:160'NAD+FW"
    )
    [command] = coreor(header + GOOD).commands
    assert isinstance(command, ReleaseContainer)
    assert (command.release_to, command.agent) == (FORWARDER, PartyRef("MSC", "172"))


def test_other_equipment_is_skipped_with_a_warning() -> None:
    result = coreor(HEADER + "EQD+TE+TRAILER1'" + GOOD)
    assert result.containers == ("MSCU1234566",)
    assert [(p.severity, p.segment_tag, p.element) for p in result.problems] == [
        ("warning", "EQD", 1)
    ]


def test_container_numbers_are_normalised() -> None:
    assert coreor(HEADER + "EQD+CN+mscu 123456-6'").containers == ("MSCU1234566",)


def test_an_unknown_directory_is_read_with_a_warning() -> None:
    result = coreor(HEADER + GOOD, directory="D:96A")
    assert result.status is MapStatus.MAPPED
    assert [(p.severity, p.segment_tag) for p in result.problems] == [("warning", "UNH")]


def test_an_original_without_terminal_is_warned_about() -> None:
    result = coreor(HEADER.replace("LOC+11+BEANR:139:6+K913:TER:ZZZ'", "") + GOOD)
    assert result.status is MapStatus.MAPPED and not result.errors
    assert "terminal" in result.warnings[0].message


@pytest.mark.parametrize(
    ("dtm", "expires_at"),
    [
        ("DTM+36:20260501:102'", datetime(2026, 5, 1, 22, tzinfo=UTC)),
        ("DTM+36:20261130:102'", datetime(2026, 11, 30, 23, tzinfo=UTC)),
        ("DTM+36:261130:101'", datetime(2026, 11, 30, 23, tzinfo=UTC)),
        ("DTM+36:20261130:203'", datetime(2026, 11, 30, 23, tzinfo=UTC)),
        ("DTM+36:20261130'", datetime(2026, 11, 30, 23, tzinfo=UTC)),
        ("DTM+36:202611301200:203'", datetime(2026, 11, 30, 12, tzinfo=UTC)),
    ],
    ids=str,
)
def test_a_date_only_expiry_lasts_to_the_end_of_that_day_in_the_port(
    dtm: str, expires_at: datetime
) -> None:
    [command] = coreor(HEADER.replace("DTM+36:20260501:102'", dtm) + GOOD).commands
    assert isinstance(command, ReleaseContainer)
    assert command.expires_at == expires_at
