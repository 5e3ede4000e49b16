"""Properties: a generated COREOR yields exactly its containers; no input makes a mapper raise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.commands import ReleaseContainer
from hub.domain.containers import check_digit
from hub.mappers.base import MapStatus
from hub.mappers.coreor import map_coreor
from hub.mappers.edifact import map_edifact_message
from hub.parsing.edifact.model import Message, Segment
from tests.unit.mappers.edifact_text import message

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def container_numbers(draw: st.DrawFn) -> str:
    owner = draw(st.text(LETTERS, min_size=3, max_size=3))
    category = draw(st.sampled_from("UJZ"))
    serial = draw(st.text("0123456789", min_size=6, max_size=6))
    first_ten = f"{owner}{category}{serial}"
    return f"{first_ten}{check_digit(first_ten)}"


def coreor_text(containers: list[str]) -> str:
    eqds = "".join(f"EQD+CN+{c}+45G1:102:5++3+5'RFF+BM:BL{i}'" for i, c in enumerate(containers))
    return (
        "UNH+P1+COREOR:D:95B:UN'BGM+129+DOC+9'RFF+RE:REL-P'LOC+11+BEANR:139:6+K913:TER:ZZZ'"
        f"NAD+MS+MSCBE:160:ZZZ'NAD+FW+FWDANT:160:ZZZ'{eqds}CNT+16:{len(containers)}'UNT+0+P1'"
    )


@given(st.lists(container_numbers(), min_size=1, max_size=12, unique=True))
def test_a_generated_coreor_releases_exactly_its_containers(containers: list[str]) -> None:
    result = map_coreor(message(coreor_text(containers)))
    assert (result.status, result.problems) == (MapStatus.MAPPED, ())
    assert result.containers == tuple(containers) and len(result.commands) == len(containers)
    assert [c.container for c in result.commands if isinstance(c, ReleaseContainer)] == containers


TAGS = ["BGM", "RFF", "NAD", "LOC", "DTM", "EQD", "CNI", "SGP", "GIS", "CNT", "FTX"]
QUALIFIERS = [
    "",
    "9",
    "34",
    "36",
    "44",
    "46",
    "CN",
    "BL",
    "BM",
    "RE",
    "AAQ",
    "MS",
    "FW",
    "36",
    "7",
    "203",
    "11",
    "4",
    "ZZZ",
]
VALUES = st.one_of(
    st.sampled_from(QUALIFIERS),
    container_numbers(),
    st.text(max_size=14),
    st.sampled_from(["20260302", "202603021200", "2026", "102", "203", "JLG42202A01"]),
)
SEGMENTS = st.builds(
    lambda tag, elements: (tag, tuple(tuple(e) for e in elements)),
    st.sampled_from(TAGS),
    st.lists(st.lists(VALUES, min_size=1, max_size=3), max_size=4),
)


@settings(max_examples=300)
@given(
    st.sampled_from(["COREOR", "CODECO", "COARRI", "CUSCAR", "CUSRES"]),
    st.lists(SEGMENTS, max_size=15),
)
def test_no_segment_soup_makes_a_mapper_raise(
    kind: str, body: list[tuple[str, tuple[tuple[str, ...], ...]]]
) -> None:
    segments = [
        Segment("UNH", (("X1",), (kind, "D", "95B", "UN"))),
        *(Segment(tag, elements) for tag, elements in body),
        Segment("UNT", ()),
    ]
    numbered = tuple(Segment(s.tag, s.elements, i) for i, s in enumerate(segments, start=1))
    result = map_edifact_message(Message("X1", kind, "D", "95B", "UN", segments=numbered))
    if result.status is MapStatus.REJECTED:
        assert result.errors and not result.commands
    else:
        assert result.commands or not result.errors
