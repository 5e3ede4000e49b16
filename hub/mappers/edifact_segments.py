"""Reading EDIFACT segments for the mappers: groups, references, parties, places, containers.

Every EDIFACT mapper (`coreor`, `codeco`, `coarri`, `cuscar`, `cusres`) reads the same few
things the same way; they live here so the mappers stay one screen each.

Numbering: a `Problem` (and every mapper docstring) counts data elements as CONTRL does, from 1
for the first data element after the tag, and components from 1; `Segment.get` counts both from
0. So ``EQD+CN+MSCU1234566`` has the container number in element 2, component 1
(``segment.get(1, 0)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.domain.commands import AnyCommand, Command, LinkBillsOfLading, RecordCustomsStatus
from hub.domain.containers import container_problem, normalise
from hub.domain.values import PartyRef
from hub.errors import Problem
from hub.mappers.base import MappedMessage, MapStatus
from hub.parsing.edifact.model import Message, Segment, SyntaxCode

INVALID = SyntaxCode.INVALID_VALUE
MISSING = SyntaxCode.MISSING
NOT_SUPPORTED = "2"
"""Code for a message type or function the hub does not handle (as the intake stage uses it)."""

Group = tuple[Segment, ...]
_TRAILER = frozenset({"CNT", "UNT"})


def problem(
    message: Message,
    segment: Segment | None,
    text: str,
    code: str = INVALID,
    *,
    element: int = 0,
    component: int = 0,
    severity: str = "error",
) -> Problem:
    """A `Problem` located at `segment` of `message` (element/component counted from 1)."""
    return Problem(
        text,
        code=code,
        severity=severity,
        message_ref=message.ref,
        segment_tag=segment.tag if segment else "",
        segment_position=segment.position if segment else 0,
        element=element,
        component=component,
    )


def anchor(message: Message, *tags: str) -> Segment | None:
    """Where to locate a 'missing' problem: the first of `tags` present, else UNH, else None."""
    for tag in (*tags, "UNH"):
        found = first(message.segments, tag)
        if found is not None:
            return found
    return message.segments[0] if message.segments else None


def split_groups(
    segments: Sequence[Segment], start: str, end: Iterable[str] = _TRAILER
) -> tuple[Group, tuple[Group, ...]]:
    """Segments before the first `start` tag, and the groups each `start` opens.

    A group runs until the next `start` or the first tag in `end` (CNT/UNT by default); what
    follows an `end` tag belongs to no group.
    """
    stop = frozenset(end)
    header: list[Segment] = []
    groups: list[list[Segment]] = []
    closed = False
    for segment in segments:
        if segment.tag == start:
            groups.append([segment])
            closed = False
        elif segment.tag in stop and groups:
            closed = True
        elif not groups:
            header.append(segment)
        elif not closed:
            groups[-1].append(segment)
    return tuple(header), tuple(tuple(g) for g in groups)


def first(segments: Iterable[Segment], tag: str, qualifier: str | None = None) -> Segment | None:
    """The first segment with `tag` (and element 1 component 1 equal to `qualifier`, if given)."""
    for segment in segments:
        if segment.tag == tag and (qualifier is None or segment.get(0).strip() == qualifier):
            return segment
    return None


def every(segments: Iterable[Segment], tag: str, qualifier: str | None = None) -> list[Segment]:
    """All segments with `tag` (and qualifier), in order."""
    return [
        s for s in segments if s.tag == tag and (qualifier is None or s.get(0).strip() == qualifier)
    ]


def references(segments: Iterable[Segment], qualifier: str) -> tuple[str, ...]:
    """RFF+`qualifier` values (C506 1154, element 1 component 2), stripped, without repeats."""
    found: dict[str, None] = {}
    for s in segments:
        if s.tag == "RFF" and s.get(0).strip() == qualifier:
            value = s.get(0, 1).strip()
            if value:
                found[value] = None
    return tuple(found)


def party_of(segment: Segment) -> PartyRef | None:
    """NAD element 2 (C082): code 3039, scheme 3055 (agency) or else 1131 (code list).

    None when the NAD names its party only by name and address (no 3039).
    """
    code = segment.get(1, 0).strip()
    if not code:
        return None
    return PartyRef(code, segment.get(1, 2).strip() or segment.get(1, 1).strip())


def find_party(segments: Iterable[Segment], qualifiers: Sequence[str]) -> Segment | None:
    """The first NAD whose qualifier (3035) comes first in `qualifiers`."""
    nads = every(segments, "NAD")
    for qualifier in qualifiers:
        for nad in nads:
            if nad.get(0).strip() == qualifier:
                return nad
    return None


@dataclass(frozen=True)
class Place:
    """Port (LOC element 2, C517 3225, a UN/LOCODE) and terminal (element 3, C519 3223)."""

    port: str = ""
    terminal: str = ""


def place_of(segments: Sequence[Segment], prefer: Sequence[str]) -> Place:
    """Port and terminal from LOC segments, LOC qualifiers in `prefer` order first.

    The port is C517 of the first preferred LOC; the terminal is C519 of the first preferred
    LOC that has one, else of any other LOC that has one. LOC+147 (stowage cell) is never read.
    """
    locs = [s for s in segments if s.tag == "LOC" and s.get(0).strip() != "147"]
    ranked = [s for q in prefer for s in locs if s.get(0).strip() == q]
    ports = [s.get(1, 0).strip() for s in ranked if s.get(1, 0).strip()]
    terminals = [s.get(2, 0).strip() for s in (*ranked, *locs) if s.get(2, 0).strip()]
    return Place(ports[0] if ports else "", terminals[0] if terminals else "")


def equipment(message: Message, eqd: Segment) -> tuple[str, Problem | None]:
    """The checked container number of an EQD (element 2, C237 8260), or '' and why not.

    An EQD whose qualifier (element 1, 8053) is not CN is a warning (not a container: skipped);
    a missing or invalid ISO 6346 number is an error on element 2.
    """
    kind = eqd.get(0).strip()
    if kind != "CN":
        text = f"equipment qualifier {kind or '(empty)'} is not a container (CN): skipped"
        return "", problem(message, eqd, text, INVALID, element=1, component=1, severity="warning")
    return check_container(message, eqd, eqd.get(1, 0), element=2, component=1)


def check_container(
    message: Message, segment: Segment, raw: str, *, element: int, component: int
) -> tuple[str, Problem | None]:
    """`raw` normalised and ISO 6346-checked; '' and an error located at element/component."""
    if not raw.strip():
        text = f"{segment.tag} has no container number: expected an ISO 6346 number"
        return "", problem(message, segment, text, MISSING, element=element, component=component)
    # Already clean (the usual case): no spaces, dashes or slashes to drop.
    number = raw.upper() if raw.isalnum() else normalise(raw)
    reason = container_problem(number)
    if reason:
        text = f"{reason}: expected a valid ISO 6346 container number"
        return "", problem(message, segment, text, INVALID, element=element, component=component)
    return number, None


def mapped(
    message: Message,
    commands: Sequence[AnyCommand],
    problems: Sequence[Problem],
    *,
    claimed_sender: str = "",
) -> MappedMessage:
    """The result: MAPPED when there are commands (even beside errors: partial acceptance) or
    no errors at all; REJECTED when errors left nothing to do."""
    rejected = not commands and any(p.severity == "error" for p in problems)
    return MappedMessage(
        ref=message.ref,
        type=message.type,
        version=message.directory,
        association=message.association,
        status=MapStatus.REJECTED if rejected else MapStatus.MAPPED,
        commands=tuple(commands),
        containers=tuple(dict.fromkeys(c for cmd in commands for c in _containers(cmd))),
        problems=tuple(problems),
        claimed_sender=claimed_sender,
    )


def _containers(command: AnyCommand) -> tuple[str, ...]:
    if isinstance(command, LinkBillsOfLading):
        return command.containers
    if isinstance(command, Command | RecordCustomsStatus) and command.container:
        return (command.container,)
    return ()
