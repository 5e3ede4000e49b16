"""Small EDIFACT texts to `Message`s for the mapper tests, independent of the project's parser.

Splits on the segment terminator, element and component separators (UNA's, or the defaults
``'`` ``+`` ``:``), honouring the release character (``?``). Line breaks between segments are
not data. Positions count every segment from 1, UNA, UNB and UNZ included, as the parser does;
UNH..UNT become `Message`s, envelope segments are dropped. No validation at all: that is the
parser's job, these texts are written by the tests.

    [msg] = messages("UNH+1+COREOR:D:95B:UN'BGM+129+X+9'UNT+3+1'")
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.parsing.edifact.model import Message, Segment


@dataclass(frozen=True)
class Separators:
    component: str = ":"
    element: str = "+"
    release: str = "?"
    segment: str = "'"


def messages(text: str) -> list[Message]:
    """Every UNH..UNT message of `text`."""
    found: list[Message] = []
    current: list[Segment] = []
    for segment in segments(text):
        if segment.tag == "UNH":
            current = [segment]
        elif current:
            current.append(segment)
        if segment.tag == "UNT" and current:
            found.append(_message(current))
            current = []
    return found


def message(text: str) -> Message:
    """The one message of `text`; wraps bare segments in UNH/UNT when the text has none."""
    if "UNH+" not in text:
        body = text.strip()
        end = "" if body.endswith("'") else "'"
        text = f"UNH+1+COREOR:D:95B:UN'{body}{end}UNT+0+1'"
    [only] = messages(text)
    return only


def segments(text: str) -> list[Segment]:
    """All segments of `text`, positions from 1 (UNA counts)."""
    text = text.lstrip()
    seps, found = Separators(), []
    if text.startswith("UNA"):
        seps = Separators(text[3], text[4], text[6], text[8])
        text, found = text[9:], [Segment("UNA", (), 1)]
    for raw in _split(text, seps):
        tag, *elements = raw
        found.append(Segment(tag[0], tuple(tuple(e) for e in elements), len(found) + 1))
    return found


def _split(text: str, seps: Separators) -> list[list[list[str]]]:
    """Segments → elements → components, release characters applied."""
    result: list[list[list[str]]] = []
    elements: list[list[str]] = [[]]
    buf: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == seps.release:
            buf.append(next(chars, ""))
        elif ch in (seps.component, seps.element, seps.segment):
            elements[-1].append("".join(buf))
            buf = []
            if ch == seps.element:
                elements.append([])
            elif ch == seps.segment:
                result.append(elements)
                elements = [[]]
        elif ch in "\r\n" and not buf and elements == [[]]:
            continue
        else:
            buf.append(ch)
    return result


def _message(segs: list[Segment]) -> Message:
    unh = segs[0]
    return Message(
        ref=unh.get(0),
        type=unh.get(1, 0),
        version=unh.get(1, 1),
        release=unh.get(1, 2),
        agency=unh.get(1, 3),
        association=unh.get(1, 4),
        segments=tuple(segs),
    )
