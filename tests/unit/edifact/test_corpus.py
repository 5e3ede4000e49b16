"""Every real-world corpus file parses, with the quirks SOURCES.md lists reported, not raised."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.parsing.edifact import looks_like_edifact, parse_edifact
from hub.parsing.edifact.model import SyntaxCode, payload_messages, payload_problems

from .corpus import corpus_files, read

EXPECTED_TYPES = {
    "APERAK_D96A_accepted.edi": ["APERAK"],
    "APERAK_D96A_bots_output.edi": ["APERAK"],
    "APERAK_D96A_rejected.edi": ["APERAK"],
    "APERAK_D96A_rejected_syntax4.edi": ["APERAK"],
    "BAPLIE_D95B_SMDG20.edi": ["BAPLIE"],
    "COARRI_D95B_ITG13_genoa_discharge_load.edi": ["COARRI", "COARRI"],
    "CODECO_D95B_generated_gatein.edi": ["CODECO"],
    "CONTRL_D3_positive.edi": ["CONTRL"],
    "COPARN_D00B_SMDG20_generated.edi": ["COPARN"],
    "COPINO_D95B_ITG13_generated.edi": ["COPINO"],
    "COPRAR_D95B_SMDG16_generated.edi": ["COPRAR"],
    "COREOR_D08B_SMDG20_salerno_release.edi": ["COREOR", "COREOR"],
    "CUSCAR_D95B_LOT10_simple.edi": ["CUSCAR"],
    "CUSRES_D99B_underbond_approval.edi": ["CUSRES"],
    "PAORES_release_character_torture.edi": ["PAORES"],
    "VERMAS_D16A_generated.edi": ["VERMAS"],
}

# (segment tag, what it says, what was received) for every wrong control count in the corpus
WRONG_COUNTS = {
    "APERAK_D96A_accepted.edi": [("UNT", 8, 7)],
    "APERAK_D96A_rejected.edi": [("UNT", 8, 7)],
    "APERAK_D96A_rejected_syntax4.edi": [("UNT", 8, 7)],
    "COREOR_D08B_SMDG20_salerno_release.edi": [("UNZ", 3, 2)],
    "CUSCAR_D95B_LOT10_simple.edi": [("UNT", 313, 30)],
    "PAORES_release_character_torture.edi": [("UNT", 14, 23)],
}


def test_the_corpus_is_there() -> None:
    assert {p.name for p in corpus_files()} >= set(EXPECTED_TYPES)


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_parses_with_its_message_types(path: Path) -> None:
    data = path.read_bytes()
    assert looks_like_edifact(data)
    parsed = parse_edifact(data)
    types = [m.type for m in payload_messages(parsed)]
    assert types == EXPECTED_TYPES.get(path.name, types)
    assert not [p for p in payload_problems(parsed) if p.severity == "error"]


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_wrong_control_counts_are_warnings(path: Path) -> None:
    parsed = parse_edifact(path.read_bytes())
    counts = [p for p in payload_problems(parsed) if p.code == SyntaxCode.CONTROL_COUNT_MISMATCH]
    expected = WRONG_COUNTS.get(path.name, [])
    assert [(p.segment_tag, p.severity) for p in counts] == [(t, "warning") for t, _, _ in expected]
    for problem, (_, said, received) in zip(counts, expected, strict=True):
        assert f"says {said} " in problem.message and f"{received} received" in problem.message


@pytest.mark.parametrize("name", sorted(WRONG_COUNTS))
def test_strict_mode_makes_the_wrong_counts_errors(name: str) -> None:
    parsed = parse_edifact(read(name), strict=True)
    counts = [p for p in payload_problems(parsed) if p.code == SyntaxCode.CONTROL_COUNT_MISMATCH]
    assert counts and all(p.severity == "error" for p in counts)


def test_salerno_unz_count_is_on_the_interchange() -> None:
    interchange = parse_edifact(read("COREOR_D08B_SMDG20_salerno_release.edi")).interchanges[0]
    assert [p.segment_tag for p in interchange.warnings] == ["UNZ"]
    assert interchange.warnings[0].element == 1
    assert (interchange.sender, interchange.recipient) == ("LENAVI-GOA", "ITSALSCT")
    assert (interchange.syntax_id, interchange.syntax_version) == ("UNOC", "2")
    assert interchange.control_ref == "000000012"
    assert interchange.prepared == "2018-11-20T10:54"
    assert [m.ref for m in interchange.messages] == ["DO134792", "DO134791"]
    assert interchange.messages[0].directory == "D08B"
    assert interchange.messages[0].association == "SMDG20"


def test_cuscar_unt_count_is_on_the_message() -> None:
    message = parse_edifact(read("CUSCAR_D95B_LOT10_simple.edi")).interchanges[0].messages[0]
    assert [(p.segment_tag, p.message_ref, p.element) for p in message.problems] == [
        ("UNT", "MREF123456", 1)
    ]


def test_cusres_has_no_envelope() -> None:
    parsed = parse_edifact(read("CUSRES_D99B_underbond_approval.edi"))
    (interchange,) = parsed.interchanges
    assert interchange.enveloped is False
    assert interchange.control_ref == "" and interchange.sender == ""
    assert interchange.messages[0].ref == "000001"
    assert interchange.messages[0].directory == "D99B"
    assert not payload_problems(parsed)


def test_paores_release_characters_give_the_exact_texts() -> None:
    parsed = parse_edifact(read("PAORES_release_character_torture.edi"))
    ift = [s for s in payload_messages(parsed)[0].segments if s.tag == "IFT"]
    assert [s.elements[1:] for s in ift] == [
        (("XYZCOMPANY AVAILABILITY",),),
        (("NO MORE FLIGHTS 1",),),
        (("NO MORE FLIGHTS 2?",),),
        (("NO MORE ' FLIGHTS 3",),),
        (("NO MORE ? FLIGHTS 3",),),
        (("NO MORE ?' FLIGHTS 3",),),
        (("FIELD 1",), ("FIELD 2",)),
        (("FIELD 1?",), ("FIELD 2",)),
        (("FIELD 1?+FIELD 2",),),
        (("FIELD 1.1", "FIELD 1.2"),),
        (("FIELD 1.1?", "FIELD 1.2"),),
        (("FIELD 1.1?:FIELD 1.2",),),
    ]
    assert parsed.interchanges[0].syntax_id == "IATB"


def test_baplie_keeps_the_empty_component() -> None:
    parsed = parse_edifact(read("BAPLIE_D95B_SMDG20.edi"))
    dtm = next(s for s in payload_messages(parsed)[0].segments if s.tag == "DTM")
    assert dtm.elements == (("137", "", "201"),)
    assert dtm.get(0, 2) == "201" and dtm.get(0, 1) == ""


def test_unoa_lower_case_is_a_warning_not_a_failure() -> None:
    parsed = parse_edifact(read("APERAK_D96A_accepted.edi"))
    charset = [p for p in payload_problems(parsed) if p.code == SyntaxCode.INVALID_CHARACTER]
    assert [(p.segment_tag, p.severity, p.element) for p in charset] == [("FTX", "warning", 4)]


def test_contrl_ack_request_and_positions() -> None:
    parsed = parse_edifact(read("CONTRL_D3_positive.edi"))
    interchange = parsed.interchanges[0]
    assert interchange.ack_requested is False and interchange.application_ref == ""
    # UNA counts as segment 1, so UNB is 2 and the UNH of the only message is 3
    assert [s.position for s in interchange.messages[0].segments] == [3, 4, 5]


def test_bots_output_with_crlf_is_clean() -> None:
    parsed = parse_edifact(read("APERAK_D96A_bots_output.edi"))
    assert not payload_problems(parsed)
    assert payload_messages(parsed)[0].segments[1].elements == (("",), ("14",))
