"""The tests' own splitter: separators, the release character, UNA and positions."""

from __future__ import annotations

from tests.unit.mappers.edifact_text import messages, segments


def test_release_character_keeps_separators_as_data() -> None:
    [ift1, ift2, ift3] = segments("IFT+3+NO ?' MORE'IFT+3+A??:B'IFT+3+X?+Y?:Z'")
    assert ift1.elements == (("3",), ("NO ' MORE",))
    assert ift2.elements == (("3",), ("A?", "B"))
    assert ift3.elements == (("3",), ("X+Y:Z",))


def test_una_sets_separators_and_counts_as_a_segment() -> None:
    found = segments("UNA|*.# ~\nUNB*UNOA|2*A*B~\nUNH*1*COREOR|D|95B|UN~UNT*2*1~UNZ*1*1~")
    assert [(s.tag, s.position) for s in found] == [
        ("UNA", 1),
        ("UNB", 2),
        ("UNH", 3),
        ("UNT", 4),
        ("UNZ", 5),
    ]
    assert found[2].elements == (("1",), ("COREOR", "D", "95B", "UN"))


def test_messages_carry_their_header_fields() -> None:
    [msg] = messages("UNB+UNOA:2+A+B+1'UNH+7+COARRI:D:95B:UN:ITG13'BGM+44'UNT+3+7'UNZ+1+1'")
    assert (msg.ref, msg.type, msg.directory, msg.agency, msg.association) == (
        "7",
        "COARRI",
        "D95B",
        "UN",
        "ITG13",
    )
    assert [s.position for s in msg.segments] == [2, 3, 4]
