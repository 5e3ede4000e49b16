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
    """UNB..UNZ. `enveloped` is False for bare messages that came without UNB/UNZ."""

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
