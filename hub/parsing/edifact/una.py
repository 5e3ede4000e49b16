"""The service string advice (UNA): which six characters separate what, and where each
interchange's UNA starts. Used by the tokenizer; no parsing of data happens here.

A payload may hold several interchanges, each with its own UNA: the text is cut at every "UNA"
that directly follows an unreleased segment terminator (blanks in between allowed), so "UNA"
inside data never starts a new interchange.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

BLANKS = " \r\n\t\v\f"


class Separators(NamedTuple):
    """The six service characters, in UNA order. '' means "not used"."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    repetition: str = "*"
    terminator: str = "'"

    @property
    def una(self) -> str:
        """The UNA segment text that announces these separators."""
        return "UNA" + "".join(c or " " for c in self)


LEVEL_A = Separators()
LEVEL_B = Separators("\x1f", "\x1d", ".", "", "", "\x1c")


def chunks(text: str) -> list[tuple[str | None, str]]:
    """Cut `text` at each UNA: (the six UNA characters or None, the text it governs)."""
    return [(una, text[start:end]) for una, start, end in spans(text)]


def spans(text: str, max_spans: int = 0) -> list[tuple[str | None, int, int]]:
    """Like `chunks`, but each governed text as offsets (start, end) into `text`: a large
    payload is not copied. With `max_spans`, stops after one span more than that (the caller
    rejects the payload): a text of a million UNAs is not cut a million times."""
    found: list[tuple[str | None, int, int]] = []
    una: str | None = None
    start = 0
    if text.startswith("UNA"):
        una, start = text[3:9], 9
    while True:
        seps = from_una(una) if una is not None and len(una) == 6 else None
        nxt = _next_una(text, start, seps or LEVEL_A)
        found.append((una, start, max(start, nxt)))
        if nxt >= len(text) or (max_spans and len(found) > max_spans):
            return found
        una, start = text[nxt + 3 : nxt + 9], nxt + 9


#: How many released terminators followed by "UNA" are skipped before the search gives up and
#: lets the rest of the text be one body: its release characters then exceed any limit.
MAX_RELEASED_UNA = 100_000


@lru_cache(maxsize=32)
def _una_after(terminator: str) -> re.Pattern[str]:
    """A terminator, blanks, then "UNA"."""
    return re.compile(f"{re.escape(terminator)}[{re.escape(BLANKS)}]*UNA")


def _next_una(text: str, start: int, seps: Separators) -> int:
    """Offset of the next UNA that follows an unreleased terminator, or len(text).

    Only "UNA" right after a terminator (blanks allowed) is looked at, found by a regular
    expression, so data full of "UNA" costs one scan; each candidate's terminator is checked
    for a release character before it (an odd run of them)."""
    candidates = _una_after(seps.terminator).finditer(text, start)
    for skipped, found in enumerate(candidates):
        if skipped > MAX_RELEASED_UNA:
            break
        if not _released_at(text, found.start(), seps.release):
            return found.end() - 3
    return len(text)


def _released_at(text: str, index: int, release: str) -> bool:
    """True if the character at `index` is preceded by an odd run of release characters."""
    if not release:
        return False
    run = index
    while run > 0 and text[run - 1] == release:
        run -= 1
    return (index - run) % 2 == 1


def released(text: str, release: str) -> bool:
    """True if `text` ends with an odd run of release characters (the next char is data)."""
    return bool(release) and (len(text) - len(text.rstrip(release))) % 2 == 1


def from_una(chars: str) -> Separators:
    """Separators from the six UNA characters; a space release/repetition means unused."""
    rel, rep = chars[3].strip(), chars[4].strip()
    return Separators(chars[0], chars[1], chars[2], rel, rep, chars[5])


def valid(seps: Separators) -> bool:
    """Separators must be distinct and non-alphanumeric; the terminator must not be a blank."""
    used = [c for c in (seps.component, seps.element, seps.release, seps.repetition) if c]
    used.append(seps.terminator)
    distinct = len(set(used)) == len(used)
    return distinct and not any(c.isalnum() for c in used) and seps.terminator != " "
