"""The hub's own view of parsed EDIFACT: plain frozen dataclasses, no pydifact types.

Shape: an `Interchange` (UNB..UNZ, or a synthetic one for messages without an envelope) holds
`Message`s (UNH..UNT), each holding `Segment`s. Functional groups (UNG..UNE) are recorded on the
messages they contain. Positions count segments from 1 within the payload, so a `Problem` can say
"segment 12 EQD".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.errors import Problem


@dataclass(frozen=True)
class Segment:
    """One segment: tag plus elements; each element is a tuple of components (strings, unescaped).

    ``EQD+CN+ABCU1234560+4510`` → tag ``EQD``, elements ``(("CN",), ("ABCU1234560",), ("4510",))``.
    Under syntax version 4 a repeated element keeps its repetitions in `repeats`
    (element index → further occurrences); element 0 is the first data element after the tag.
    """

    tag: str
    elements: tuple[tuple[str, ...], ...] = ()
    position: int = 0
    repeats: tuple[tuple[int, tuple[tuple[str, ...], ...]], ...] = ()

    def get(self, element: int, component: int = 0) -> str:
        """Component `component` of element `element` (both from 0), '' when absent."""
        if element >= len(self.elements):
            return ""
        comps = self.elements[element]
        return comps[component] if component < len(comps) else ""


@dataclass(frozen=True)
class Message:
    """UNH..UNT: `ref` is UNH 0062; type/version/release/agency/association from UNH S009."""

    ref: str
    type: str
    version: str = ""
    release: str = ""
    agency: str = ""
    association: str = ""
    segments: tuple[Segment, ...] = ()
    group_ref: str = ""
    problems: tuple[Problem, ...] = ()

    @property
    def directory(self) -> str:
        """E.g. ``D95B`` (version + release), or the version alone."""
        return f"{self.version}{self.release}"

    def body(self) -> tuple[Segment, ...]:
        """Segments between UNH and UNT (both excluded)."""
        return tuple(s for s in self.segments if s.tag not in ("UNH", "UNT"))


@dataclass(frozen=True)
class Interchange:
    """UNB..UNZ. `enveloped` is False for bare messages that came without UNB/UNZ.

    `prepared` is UNB S004 as ISO 8601 (``2018-11-20T10:54``), '' when absent or not a date.
    `separators` are in UNA order as the UNA gave them (a blank: not used), else the defaults.
    Problems about the UNB/UNG/UNE/UNZ envelope sit in `warnings`/`errors`; a message's own
    (UNT count, missing UNT...) sit on `Message.problems` — `interchange_problems` joins both.
    """

    sender: str = ""
    sender_qualifier: str = ""
    recipient: str = ""
    recipient_qualifier: str = ""
    control_ref: str = ""
    syntax_id: str = ""
    syntax_version: str = ""
    prepared: str = ""
    application_ref: str = ""
    ack_requested: bool = False
    test_indicator: bool = False
    enveloped: bool = True
    messages: tuple[Message, ...] = ()
    warnings: tuple[Problem, ...] = ()
    errors: tuple[Problem, ...] = ()
    separators: tuple[str, str, str, str, str, str] = (":", "+", ".", "?", "*", "'")


@dataclass(frozen=True)
class ParsedPayload:
    """Everything found in one inbound payload: one or more interchanges, plus payload-level
    problems (e.g. garbage between interchanges)."""

    interchanges: tuple[Interchange, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)


class SyntaxCode:
    """UN/EDIFACT 0085 syntax error codes the hub puts on `Problem.code` and in CONTRL."""

    UNA_NOT_SUPPORTED = "1"
    SYNTAX_VERSION_NOT_SUPPORTED = "2"
    INVALID_VALUE = "12"
    MISSING = "13"
    TOO_MANY_CONSTITUENTS = "16"
    UNSPECIFIED = "18"
    INVALID_SERVICE_CHARACTER = "20"
    INVALID_CHARACTER = "21"
    REFERENCES_DO_NOT_MATCH = "28"
    CONTROL_COUNT_MISMATCH = "29"
    GROUPS_AND_MESSAGES_MIXED = "30"
    LOWER_LEVEL_EMPTY = "32"
    OUTSIDE_MESSAGE = "33"
    TOO_MANY_REPETITIONS = "35"


#: Python codec per UNB syntax identifier (0001). Unknown identifiers (e.g. IATB) read as latin-1,
#: which never fails; UNOA/UNOB are 7-bit, UNOW/UNOY are read as UTF-8.
SYNTAX_ENCODINGS: dict[str, str] = {
    "UNOA": "ascii",
    "UNOB": "ascii",
    "UNOC": "latin-1",
    "UNOD": "iso8859-2",
    "UNOE": "iso8859-5",
    "UNOF": "iso8859-7",
    "UNOG": "iso8859-3",
    "UNOH": "iso8859-4",
    "UNOI": "iso8859-6",
    "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9",
    "UNOW": "utf-8",
    "UNOY": "utf-8",
}


def encoding_for(syntax_id: str) -> str:
    """The Python codec for a UNB syntax identifier; latin-1 when the identifier is unknown."""
    return SYNTAX_ENCODINGS.get(syntax_id.strip().upper(), "latin-1")


def interchange_problems(interchange: Interchange) -> tuple[Problem, ...]:
    """Every problem of an interchange: its own warnings and errors, then its messages'."""
    found = [*interchange.warnings, *interchange.errors]
    for message in interchange.messages:
        found.extend(message.problems)
    return tuple(found)


def payload_messages(payload: ParsedPayload) -> tuple[Message, ...]:
    """All messages of a payload, in order, whatever interchange they came in."""
    return tuple(m for i in payload.interchanges for m in i.messages)


def payload_problems(payload: ParsedPayload) -> tuple[Problem, ...]:
    """Every problem found in a payload, at any level (payload, interchange, message)."""
    found = list(payload.problems)
    for interchange in payload.interchanges:
        found.extend(interchange_problems(interchange))
    return tuple(found)
