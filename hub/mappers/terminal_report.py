"""The shape CODECO and COARRI share: a terminal reports an event for each container.

``BGM`` element 1 component 1 (C002 1001, document name) says which event; each ``EQD+CN``
(element 2, C237 8260, ISO 6346 checked) gives one `RecordTerminalEvent`. The event time is the
EQD group's own ``DTM`` with the report's qualifier (C507, via `edifact_dates`), else the
message-level one, else none. The terminal is C519 3223 (element 3) of a ``LOC``: the EQD
group's first, then the message level's, LOC qualifiers in the report's preferred order first
(LOC+147, the stowage cell, is never read). Empty when no LOC carries one: the rules then use
the terminal the release names. ``NAD+MS`` (element 2, C082 3039) is the claimed sender.

As in COREOR, a bad EQD is an error on that EQD only and the others still map (partial
acceptance); an unknown document name means no command; no command at all means REJECTED.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from hub.domain.commands import AnyCommand, RecordTerminalEvent
from hub.domain.values import TerminalEvent
from hub.errors import Problem
from hub.mappers.base import MappedMessage
from hub.mappers.edifact_dates import read_dtm
from hub.mappers.edifact_segments import (
    INVALID,
    MISSING,
    Group,
    anchor,
    equipment,
    find_party,
    first,
    mapped,
    party_of,
    place_of,
    problem,
    split_groups,
)
from hub.parsing.edifact.model import Message


@dataclass(frozen=True)
class ReportKind:
    """One document name of a report: the event it means and the LOC qualifiers to prefer."""

    event: TerminalEvent
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportSpec:
    """A terminal report type: its document names (BGM 1001) and its event-time DTM qualifier."""

    name: str
    kinds: Mapping[str, ReportKind]
    date_qualifier: str
    group_places: bool = True
    """Whether an EQD group's own LOC may name the terminal (COARRI's name foreign ports)."""


def map_terminal_report(message: Message, spec: ReportSpec) -> MappedMessage:
    """One `RecordTerminalEvent` per valid EQD+CN of a CODECO or COARRI."""
    header, groups = split_groups(message.body(), "EQD")
    problems: list[Problem] = []
    kind = _kind(message, spec, problems)
    default = _Defaults(
        _time(message, spec, header, problems),
        place_of(header, kind.places).terminal if kind else "",
    )
    events = [_event(message, spec, kind, group, default, problems) for group in groups]
    if not groups:
        text = f"no EQD segment: a {spec.name} must name at least one container (EQD+CN)"
        problems.append(problem(message, anchor(message, "UNT"), text, MISSING))
    sender = find_party(header, ("MS",))
    party = party_of(sender) if sender else None
    commands: list[AnyCommand] = [e for e in events if e is not None]
    return mapped(message, commands, problems, claimed_sender=party.code if party else "")


@dataclass(frozen=True)
class _Defaults:
    """The message level's event time and terminal, for EQD groups that give none."""

    at: datetime | None
    terminal: str


def _kind(message: Message, spec: ReportSpec, problems: list[Problem]) -> ReportKind | None:
    bgm = first(message.segments, "BGM")
    name = bgm.get(0).strip() if bgm else ""
    if name in spec.kinds:
        return spec.kinds[name]
    expected = ", ".join(f"{code} ({k.event.value})" for code, k in spec.kinds.items())
    text = f"document name {name or '(none)'} is not handled: expected BGM {expected}"
    code = INVALID if name else MISSING
    problems.append(problem(message, bgm or anchor(message), text, code, element=1, component=1))
    return None


def _event(
    message: Message,
    spec: ReportSpec,
    kind: ReportKind | None,
    group: Group,
    default: _Defaults,
    problems: list[Problem],
) -> RecordTerminalEvent | None:
    container, bad = equipment(message, group[0])
    own: list[Problem] = [bad] if bad else []
    at = _time(message, spec, group, own) or default.at
    problems.extend(own)
    if kind is None or not container or any(p.severity == "error" for p in own):
        return None
    own_place = place_of(group, kind.places).terminal if spec.group_places else ""
    terminal = own_place or default.terminal
    return RecordTerminalEvent(container, kind.event, terminal, at)


def _time(
    message: Message, spec: ReportSpec, segments: Group, problems: list[Problem]
) -> datetime | None:
    dtm = first(segments, "DTM", spec.date_qualifier)
    if dtm is None:
        return None
    when, found = read_dtm(message, dtm)
    problems.extend(found)
    return when
