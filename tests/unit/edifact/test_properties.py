"""Properties: whatever text goes into a segment survives render → parse (ours and pydifact's),
and no input, however broken, ends in anything but a result or a permanent error."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import PermanentError
from hub.parsing.edifact import parse_edifact
from hub.parsing.edifact.model import ParsedPayload, Segment, encoding_for, payload_messages
from hub.parsing.edifact.reference import pydifact_segments
from hub.parsing.edifact.tokenizer import tokenize
from hub.rendering.edifact import encode_rendered, render_segments, seg

from .corpus import corpus_files
from .normalize import shapes

SERVICE = frozenset({"UNA", "UNB", "UNG", "UNH", "UNT", "UNE", "UNZ"})
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_service_chars = st.sampled_from(list("?'+:* "))
_latin1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_categories=("Cc",))
_unicode = st.characters(blacklist_categories=("Cc", "Cs"))
tags = st.from_regex(r"\A[A-Z][A-Z0-9]{2}\Z").filter(lambda t: t not in SERVICE)


def texts(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(st.one_of(chars, _service_chars), max_size=12)


def segments(chars: st.SearchStrategy[str], repeats: bool) -> st.SearchStrategy[Segment]:
    element = st.lists(texts(chars), min_size=1, max_size=4).map(tuple)
    elements = st.lists(element, max_size=5).map(tuple)

    def with_repeats(parts: tuple[str, tuple[tuple[str, ...], ...]]) -> st.SearchStrategy[Segment]:
        tag, els = parts
        if not repeats or not els:
            return st.just(Segment(tag, els))
        occurrences = st.lists(element, min_size=1, max_size=2).map(tuple)
        chosen = st.dictionaries(st.integers(0, len(els) - 1), occurrences, max_size=2)
        return chosen.map(lambda d: Segment(tag, els, 0, tuple(sorted(d.items()))))

    return st.tuples(tags, elements).flatmap(with_repeats)


def interchange(body: list[Segment], syntax_id: str, version: str) -> list[Segment]:
    unb = seg("UNB", (syntax_id, version), "S", "R", ("20240501", "1230"), "IC")
    return [unb, seg("UNH", "M", ("X", "D", "95B", "UN")), *body, seg("UNT"), seg("UNZ")]


def round_trip(body: list[Segment], syntax_id: str, version: str) -> tuple[ParsedPayload, str]:
    text = render_segments(interchange(body, syntax_id, version), syntax_id=syntax_id,
                           syntax_version=version)  # fmt: skip
    return parse_edifact(encode_rendered(text, syntax_id)), text


@SETTINGS
@given(st.lists(segments(_latin1, repeats=False), max_size=6), st.sampled_from(["1", "2", "3"]))
def test_unoc_text_survives_render_and_parse(body: list[Segment], version: str) -> None:
    parsed, text = round_trip(body, "UNOC", version)
    (message,) = payload_messages(parsed)
    assert shapes(message.body()) == shapes(body)
    assert not message.problems and not parsed.interchanges[0].errors
    _read_back_by_pydifact(text, body)


@SETTINGS
@given(st.lists(segments(_unicode, repeats=True), max_size=6))
def test_unoy_syntax_4_text_and_repetitions_survive(body: list[Segment]) -> None:
    parsed, _ = round_trip(body, "UNOY", "4")
    (message,) = payload_messages(parsed)
    assert shapes(message.body()) == shapes(body)
    assert not message.problems and not parsed.interchanges[0].errors


@SETTINGS
@given(st.lists(segments(_unicode, repeats=False), max_size=4))
def test_unoy_syntax_3_reads_back_in_pydifact(body: list[Segment]) -> None:
    _, text = round_trip(body, "UNOY", "3")
    _read_back_by_pydifact(text, body)
    assert encoding_for("UNOY") == "utf-8"


def _read_back_by_pydifact(text: str, body: list[Segment]) -> None:
    """pydifact sees what we see, and the body it reads is the body we wrote."""
    reference = pydifact_segments(text)
    assert shapes(reference) == shapes(tokenize(text).segments)
    assert shapes(reference[3:-2]) == shapes(body)


def _outcome(payload: bytes) -> None:
    try:
        result = parse_edifact(payload, max_segments=5_000)
    except PermanentError:
        return
    assert isinstance(result, ParsedPayload)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_end_in_a_result_or_a_permanent_error(payload: bytes) -> None:
    _outcome(payload)


CORPUS = [p.read_bytes() for p in corpus_files()]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(CORPUS) - 1), st.randoms(use_true_random=False), st.integers(1, 12))
def test_mutated_corpus_ends_in_a_result_or_a_permanent_error(
    which: int, rnd: random.Random, edits: int
) -> None:
    data = bytearray(CORPUS[which])
    for _ in range(edits):
        _mutate(data, rnd)
    _outcome(bytes(data))


def _mutate(data: bytearray, rnd: random.Random) -> None:
    """Flip, insert, delete or truncate — with a bias towards service characters."""
    at = rnd.randrange(len(data) + 1)
    byte = rnd.choice([*b"?'+:*\r\n\x00\xff", rnd.randrange(256)])
    action = rnd.randrange(4)
    if action == 0 and at < len(data):
        data[at] = byte
    elif action == 1:
        data.insert(at, byte)
    elif action == 2 and at < len(data):
        del data[at]
    elif action == 3 and len(data) > 10:
        del data[rnd.randrange(10, len(data)) :]
