"""The tokenizer: separators, release characters, whitespace, repetitions, broken endings."""

from __future__ import annotations

import pytest

from hub.errors import InputTooLarge
from hub.parsing.edifact.model import Segment, SyntaxCode
from hub.parsing.edifact.tokenizer import LEVEL_B, tokenize


def shapes(text: str) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
    return [(s.tag, s.elements) for s in tokenize(text).segments]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("FTX+A??'", "A?"),
        ("FTX+A?'B'", "A'B"),
        ("FTX+A???'B'", "A?'B"),
        ("FTX+A?+B'", "A+B"),
        ("FTX+A?:B'", "A:B"),
        ("FTX+????'", "??"),
        ("FTX+?A'", "A"),
    ],
)
def test_release_character_in_every_case(raw: str, expected: str) -> None:
    assert shapes(raw) == [("FTX", ((expected,),))]


def test_una_sets_every_separator() -> None:
    text = "UNA|#,!~^UNB#UNOC|3#S#R#200101|1200#1^FTX#A!^B|C!|D^"
    tokens = tokenize(text)
    assert tokens.segments[0] == Segment("UNA", (("|#,!~^",),), 1)
    assert [(s.tag, s.elements) for s in tokens.segments[2:]] == [
        ("FTX", (("A^B", "C|D"),)),
    ]
    assert not tokens.problems


def test_blank_release_in_una_means_no_release() -> None:
    assert shapes("UNA:+.  'FTX+A?'")[1:] == [("FTX", (("A?",),))]


def test_unusable_una_falls_back_to_defaults_with_an_error() -> None:
    tokens = tokenize("UNA::.? 'UNH+1+X:D:96A:UN'")
    assert tokens.problems[0].code == SyntaxCode.INVALID_SERVICE_CHARACTER
    assert [s.tag for s in tokens.segments] == ["UNA", "UNH"]


def test_whitespace_after_terminators_and_bom_are_not_data() -> None:
    text = "\ufeff  UNH+1+X:D:96A:UN'\r\n  BGM+9'\n\nUNT+3+1'\r\n"
    assert shapes(text) == [
        ("UNH", (("1",), ("X", "D", "96A", "UN"))),
        ("BGM", (("9",),)),
        ("UNT", (("3",), ("1",))),
    ]
    assert not tokenize(text).problems


def test_blanks_inside_data_are_kept() -> None:
    assert shapes("NAD+FW+IT1:160++SCETTA P/C FORNAROLI '") == [
        ("NAD", (("FW",), ("IT1", "160"), ("",), ("SCETTA P/C FORNAROLI ",))),
    ]


def test_empty_elements_and_components() -> None:
    assert shapes("DTM+137::201'TDT+20++++:172:20'") == [
        ("DTM", (("137", "", "201"),)),
        ("TDT", (("20",), ("",), ("",), ("",), ("", "172", "20"))),
    ]


def test_missing_final_terminator_is_a_warning() -> None:
    tokens = tokenize("UNH+1+X:D:96A:UN'BGM+9")
    assert [s.tag for s in tokens.segments] == ["UNH", "BGM"]
    assert [(p.code, p.severity, p.segment_position) for p in tokens.problems] == [
        (SyntaxCode.MISSING, "warning", 2)
    ]


def test_dangling_release_at_the_end_is_a_warning() -> None:
    tokens = tokenize("FTX+A?")
    assert tokens.segments[0].elements == (("A",),)
    assert {p.code for p in tokens.problems} == {SyntaxCode.INVALID_VALUE, SyntaxCode.MISSING}


def test_empty_segment_and_invalid_tag_are_reported() -> None:
    tokens = tokenize("UNH+1+X'' 12x+A'")
    assert [s.tag for s in tokens.segments] == ["UNH", "12x"]
    assert [(p.code, p.severity) for p in tokens.problems] == [
        (SyntaxCode.MISSING, "warning"),
        (SyntaxCode.INVALID_VALUE, "error"),
    ]


def test_repetition_separator_only_under_syntax_4() -> None:
    v4 = tokenize("UNA:+.?*'UNB+UNOC:4+S+R+20200101:1200+1'FTX+A*B+C?*D:E*F'")
    ftx = v4.segments[-1]
    assert ftx.elements == (("A",), ("C*D", "E"))
    assert ftx.repeats == ((0, (("B",),)), (1, (("F",),)))
    v3 = tokenize("UNA:+.?*'UNB+UNOC:3+S+R+200101:1200+1'FTX+A*B'")
    assert v3.segments[-1].elements == (("A*B",),) and v3.segments[-1].repeats == ()


def test_repetition_defaults_to_star_under_syntax_4_without_una() -> None:
    tokens = tokenize("UNB+UNOC:4+S+R+20200101:1200+1'FTX+A*B'")
    assert tokens.segments[-1].repeats == ((0, (("B",),)),)


def test_blank_repetition_in_una_means_none_even_under_syntax_4() -> None:
    tokens = tokenize("UNA:+.? 'UNB+UNOA:4+S+R+20250322:1245+4'FTX+A*B'")
    assert tokens.segments[-1].elements == (("A*B",),)


def test_each_concatenated_interchange_may_bring_its_own_una() -> None:
    text = "UNA:+.? 'UNB+UNOC:3+S+R+200101:1200+1'UNZ+0+1'\nUNA|#.? ^UNB#UNOC|3#S#R#200101|1200#2^"
    assert [(s.tag, s.position) for s in tokenize(text).segments] == [
        ("UNA", 1), ("UNB", 2), ("UNZ", 3), ("UNA", 4), ("UNB", 5)
    ]  # fmt: skip
    assert tokenize(text).segments[-1].get(4) == "2"


def test_una_text_inside_data_does_not_start_a_new_interchange() -> None:
    assert shapes("FTX+UNA:+.? 'FTX+?'UNA'") == [
        ("FTX", (("UNA", ""), (". ",))),
        ("FTX", (("'UNA",),)),
    ]


def test_level_b_separators_are_sniffed() -> None:
    s = LEVEL_B
    text = (
        f"UNB{s.element}UNOB{s.component}3{s.element}S{s.terminator}FTX{s.element}A'B{s.terminator}"
    )
    assert shapes(text) == [("UNB", (("UNOB", "3"), ("S",))), ("FTX", (("A'B",),))]


def test_segment_limit_raises_input_too_large() -> None:
    with pytest.raises(InputTooLarge):
        tokenize("FTX+A'" * 11, max_segments=10)
    assert len(tokenize("FTX+A'" * 10 + "\n\n", max_segments=10).segments) == 10
