"""The hub's own view of parsed EDIFACT: plain frozen dataclasses, no pydifact types.

Shape: an `Interchange` (UNB..UNZ, or a synthetic one for messages without an envelope) holds
`Message`s (UNH..UNT), each holding `Segment`s. Functional groups (UNG..UNE) are recorded on the
messages they contain. Positions count segments from 1 within the payload, so a `Problem` can say
"segment 12 EQD".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from hub.errors import Problem

Elements = tuple[tuple[str, ...], ...]
_LONG = 100
"""Raw length from which `Segment.get` reads a lazy segment in part instead of cutting it."""
Repeats = tuple[tuple[int, Elements], ...]


class Segment:
    """One segment: tag plus elements; each element is a tuple of components (strings, unescaped).

    ``EQD+CN+ABCU1234560+4510`` → tag ``EQD``, elements ``(("CN",), ("ABCU1234560",), ("4510",))``.
    Under syntax version 4 a repeated element keeps its repetitions in `repeats`
    (element index → further occurrences); element 0 is the first data element after the tag.

    Immutable by convention, compared and hashed by value like a frozen dataclass. A segment the
    tokenizer read on its fast path (no release character, no repetition) keeps only its raw
    text and cuts it into elements the first time they are asked for (`raw`): a large
    interchange then costs little more than its text, and segments nobody reads are never cut.
    """

    __slots__ = ("_elements", "_separators", "position", "raw", "repeats", "tag")

    tag: str
    position: int
    repeats: Repeats
    raw: str | None
    """The segment's text as received (tag first, no terminator) when it was read on the fast
    path: a superset of its data characters, for cheap scans. None for other segments."""

    def __init__(
        self, tag: str, elements: Elements = (), position: int = 0, repeats: Repeats = ()
    ) -> None:
        self.tag = tag
        self.position = position
        self.repeats = repeats
        self._elements: Elements | None = elements
        self.raw = None
        self._separators = ""

    @classmethod
    def lazy(cls, tag: str, raw: str, position: int, separators: str) -> Segment:
        """A segment from its raw text ``TAG<element sep>data`` (terminator and leading blanks
        removed, no release character, no repetition); `separators` is element + component."""
        segment = cls.__new__(cls)
        segment.tag = tag
        segment.position = position
        segment.repeats = ()
        segment._elements = None
        segment.raw = raw
        segment._separators = separators
        return segment

    @property
    def elements(self) -> Elements:
        found = self._elements
        return found if found is not None else self._cut()

    def _cut(self) -> Elements:
        raw = self.raw
        assert raw is not None
        size = len(self.tag)
        if len(raw) <= size:
            found: Elements = ()
        else:
            separators = self._separators
            component = separators[1]
            data = raw[size + 1 :].split(separators[0])
            found = tuple(map(tuple, [e.split(component) for e in data]))
        self._elements = found
        return found

    def get(self, element: int, component: int = 0) -> str:
        """Component `component` of element `element` (both from 0), '' when absent.

        A long segment read on the fast path is not cut whole for this: only up to the element
        asked for, and nothing is kept (a mapper looking at the qualifiers of thousands of wide
        segments must not hold every one of their constituents)."""
        elements = self._elements
        if elements is None:
            raw = self.raw
            assert raw is not None
            if len(raw) > _LONG:
                return self._peek(raw, element, component)
            elements = self._cut()
        try:
            return elements[element][component]
        except IndexError:
            return ""

    def _peek(self, raw: str, element: int, component: int) -> str:
        size = len(self.tag)
        if len(raw) <= size or element < 0 or component < 0:
            return ""
        separators = self._separators
        found = raw[size + 1 :].split(separators[0], element + 1)
        if element >= len(found):
            return ""
        parts = found[element].split(separators[1], component + 1)
        return parts[component] if component < len(parts) else ""

    def data(self) -> str:
        """Every component's characters run together, without separators. A segment read on
        the fast path gives its text with the separators taken out: nothing is cut or kept."""
        raw = self.raw
        if raw is not None and self._elements is None:
            separators = self._separators
            data = raw[len(self.tag) + 1 :]
            return data.replace(separators[0], "").replace(separators[1], "")
        return "".join(map("".join, self.elements))

    def _key(self) -> tuple[str, Elements, int, Repeats]:
        return (self.tag, self.elements, self.position, self.repeats)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Segment)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Segment(tag={self.tag!r}, elements={self.elements!r}, "
            f"position={self.position!r}, repeats={self.repeats!r})"
        )

    def __reduce__(self) -> tuple[type[Segment], tuple[str, Elements, int, Repeats]]:
        return (Segment, self._key())


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
        return tuple([s for s in self.segments if s.tag != "UNH" and s.tag != "UNT"])


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

    def message(self, ref: str) -> Message | None:
        """The first message with UNH reference `ref`, None when there is none (an index built
        on first use: answering each of many messages stays linear)."""
        return self._by_ref.get(ref)

    @cached_property
    def _by_ref(self) -> dict[str, Message]:
        found: dict[str, Message] = {}
        for message in self.messages:
            found.setdefault(message.ref, message)
        return found


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
    TOO_MANY_GROUP_REPETITIONS = "36"
    DATA_ELEMENT_TOO_LONG = "39"


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
