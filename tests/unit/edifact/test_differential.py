"""The hub's tokenizer against pydifact (the reference) on the real-world corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import PermanentError, SyntaxRejected
from hub.parsing.edifact import parse_edifact
from hub.parsing.edifact.decoding import decode_payload
from hub.parsing.edifact.model import payload_problems
from hub.parsing.edifact.reference import pydifact_segments
from hub.parsing.edifact.tokenizer import tokenize

from .corpus import corpus_files
from .normalize import shapes


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_same_segments_as_pydifact(path: Path) -> None:
    text, _ = decode_payload(path.read_bytes())
    try:
        reference = pydifact_segments(text)
    except SyntaxRejected:
        with pytest.raises(PermanentError):
            parse_edifact(text)
        return
    ours = tokenize(text).segments
    assert shapes(ours) == shapes(reference)
    assert [s.position for s in ours] == [s.position for s in reference]


BROKEN = [
    "UNB+UNOC:3+S+R+200101:1200+1'UNH+1+X:D:96A:UN'FTX+A?\nB'UNT+3+1'UNZ+1+1'",
    "UNB+UNOC:3+S+R+200101:1200+1'UNH+1+X:D:96A:UN'BGM+9",
    "UNB+UNOC:3+S+R+200101:1200+1'UNH+1+X:D:96A:UN'B-M+9'UNT+3+1'UNZ+1+1'",
    "UNA:+.? 'UNB+UNOC:3+S+R+200101:1200+1'UNA:+.? 'UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+1'",
]


@pytest.mark.parametrize("text", BROKEN)
def test_where_pydifact_fails_the_hub_reports_problems(text: str) -> None:
    with pytest.raises(SyntaxRejected):
        pydifact_segments(text)
    assert payload_problems(parse_edifact(text))
