"""Lazy segments, cutting without copies, and the paused collector: the same results as an
eager, copying parse, for small and large payloads alike."""

from __future__ import annotations

import gc
import pickle

import pytest

from hub.errors import PermanentError
from hub.parsing.edifact import parse_edifact
from hub.parsing.edifact.decoding import charset_problems
from hub.parsing.edifact.model import Segment
from hub.parsing.edifact.tokenizer import tokenize
from hub.service_layer.intake import read_units

from .normalize import shapes

BODY = "UNH+1+COARRI:D:95B:UN'BGM+44+R1+9'EQD+CN+MSCU1234566+45G1:102:5++3+5'CNT+16:1'UNT+5+1'"


def interchange(body: str = BODY, una: str = "UNA:+.? '", sep: str = "\n") -> str:
    segments = ["UNB+UNOC:3+PSAT:ZZZ+HUB:ZZZ+261123:0800+IC1", *body.rstrip("'").split("'")]
    return una + sep + sep.join(s + "'" for s in [*segments, "UNZ+1+IC1"])


def eager(text: str) -> list[Segment]:
    """Every segment with its elements cut (as the tokenizer used to return them)."""
    return [Segment(s.tag, s.elements, s.position, s.repeats) for s in tokenize(text).segments]


def test_lazy_segment_is_equal_to_an_eager_one() -> None:
    lazy = Segment.lazy("EQD", "EQD+CN+MSCU1234566+45G1:102:5", 3, "+:")
    eager_one = Segment("EQD", (("CN",), ("MSCU1234566",), ("45G1", "102", "5")), 3)
    assert lazy == eager_one and hash(lazy) == hash(eager_one)
    assert lazy.get(2, 1) == "102" and lazy.get(9) == "" and lazy.get(0, 4) == ""
    assert repr(lazy) == repr(eager_one)
    assert pickle.loads(pickle.dumps(lazy)) == eager_one
    assert Segment.lazy("CNT", "CNT", 1, "+:").elements == ()
    assert Segment.lazy("CNT", "CNT+", 1, "+:").elements == (("",),)


@pytest.mark.parametrize("sep", ["", "\n", "\r\n", " \n\t"])
@pytest.mark.parametrize("una", ["", "UNA:+.? '", "UNA:+.?*'"])
def test_blanks_after_terminators_are_not_data(sep: str, una: str) -> None:
    text = interchange(una=una, sep=sep)
    plain = interchange(una=una, sep="")
    assert shapes(tokenize(text).segments) == shapes(eager(plain))
    assert [s.position for s in tokenize(text).segments] == [
        s.position for s in tokenize(plain).segments
    ]


def test_released_terminator_keeps_the_blanks_after_it_as_data() -> None:
    text = "UNA:+.? '\nUNB+UNOC:3+S+R+261123:0800+1'\nUNH+1+X:D:95B:UN'\nBGM+44+R?'\n1+9'\n"
    (bgm,) = [s for s in tokenize(text).segments if s.tag == "BGM"]
    assert bgm.elements == (("44",), ("R'\n1",), ("9",))


def test_second_interchange_with_its_own_una_is_cut_alike() -> None:
    one = interchange()
    other = interchange(una="").replace("'", "!").replace("+", "#").replace(":", "|")
    two = one + "\n" + "UNA|#.? !" + other
    parsed = parse_edifact(two)
    assert len(parsed.interchanges) == 2
    assert [len(i.messages) for i in parsed.interchanges] == [1, 1]


def test_charset_check_reads_lazy_segments_like_eager_ones() -> None:
    text = interchange(BODY.replace("R1", "r1") + "FTX+AAA+++bad\x01'")
    lazy, cut = tokenize(text).segments, eager(text)
    for syntax in ("UNOA", "UNOB", "UNOC"):
        assert charset_problems(lazy, syntax) == charset_problems(cut, syntax)
    assert charset_problems(lazy, "UNOA")


def test_large_interchange_parses_like_its_parts() -> None:
    eqd = "EQD+CN+MSCU1234566+45G1:102:5'DTM+203:2026112309{:02d}:203'"
    eqds = "".join(eqd.format(n % 60) for n in range(3000))
    body = f"UNH+1+COARRI:D:95B:UN:ITG13'BGM+44+R1+9'{eqds}CNT+16:3000'UNT+6004+1'"
    (unit,) = read_units(interchange(body).encode("latin-1"))
    (mapped,) = unit.messages
    assert mapped.status.value == "mapped" and len(mapped.commands) == 3000
    assert not unit.errors and not mapped.problems


@pytest.mark.parametrize("enabled", [True, False])
def test_read_units_restores_the_collector_state(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        read_units(interchange().encode())
        assert gc.isenabled() is enabled
        with pytest.raises(PermanentError):
            read_units(b"UNZ+1+1'")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
