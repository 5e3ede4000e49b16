"""COREOR (container release order, agent → hub) → ReleaseContainer / UpdateRelease / RevokeRelease.

Directories D95B, D00B, D04A and D08B are read alike (UNH S009 0052/0054 tell which); another
directory is read the same way with a warning. Element numbers are CONTRL positions (from 1).

What is read:

- ``BGM`` element 3 (1225 message function): 9 original → `ReleaseContainer`, 5 replace →
  `UpdateRelease`, 1 cancel → `RevokeRelease`; any other function is an error (code 12).
- ``RFF+RE`` element 1 component 2 (C506 1154), message level: the agent's release number.
  Without it, the BGM document number (element 2 component 1, C106 1004) is used, with a
  warning; without both, an error (code 13).
- ``RFF+BM`` (C506 1154): bills of lading. B/Ls inside an EQD group are that container's and
  replace the message-level ones; otherwise every container gets the message-level B/Ls.
- ``NAD`` element 2 (C082: 3039 code, scheme 3055 else 1131):
  ``NAD+MS`` (message sender) is the agent and the claimed sender; ``NAD+CF`` (container
  operator / carrier) stands in for the agent when there is no MS. The release party is
  ``NAD+FW`` (forwarder), else ``NAD+CB`` (customs broker), else ``NAD+CN`` (consignee): FW
  first because in the Antwerp flow the agent releases to the forwarder, the broker only
  clears. A NAD inside an EQD group (D00B and later) overrides the message-level one for that
  container. An original without any release party is an error on that EQD (code 13).
- ``DTM+36`` (expiry, C507 via `edifact_dates`): the EQD group's own (D08B) first, else the
  message level one. A bad expiry is an error where it stands. A date without a time (101,
  102) means the end of that day in the port (`hub.domain.port_time.end_of_port_day`).
- ``LOC+11`` (place of discharge), message level: port = element 2 (C517 3225), terminal =
  element 3 (C519 3223); e.g. ``LOC+11+ITSAL:139:6+ITSALSC:ZZZ`` → ITSAL / ITSALSC. Without
  LOC+11, LOC+7 and LOC+8 are tried, then any LOC carrying a C519 terminal (never LOC+147,
  the stowage cell). An original without a terminal gets a warning.
- ``EQD+CN`` element 2 component 1 (C237 8260): the container, normalised and ISO 6346
  checked; one command per EQD. Other equipment (EQD+BL, EQD+TE, ...) is skipped with a warning.

Partial acceptance: a bad EQD (invalid number, bad expiry, no release party) is an error on
that EQD only; the other EQDs still give commands and the message is MAPPED with the errors
beside them (the sender learns exactly which container failed). A message-level error (bad
function, no release number, bad message-level expiry) means no command at all. A message that
yields no command is REJECTED; one without any EQD+CN is an error (code 13).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.domain.commands import AnyCommand, ReleaseContainer, RevokeRelease, UpdateRelease
from hub.domain.port_time import end_of_port_day
from hub.domain.values import PartyRef
from hub.errors import Problem
from hub.mappers.base import MappedMessage
from hub.mappers.edifact_dates import is_date_only, read_dtm
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
    references,
    split_groups,
)
from hub.parsing.edifact.model import Message

DIRECTORIES = ("D95B", "D00B", "D04A", "D08B")
FUNCTIONS = {"9": "original", "5": "replace", "1": "cancel"}
RELEASE_PARTY = ("FW", "CB", "CN")
AGENT = ("MS", "CF")
PLACE = ("11", "7", "8")


@dataclass(slots=True)
class _Release:
    """What the message level says, for every container."""

    function: str
    release_ref: str
    bills: tuple[str, ...] = ()
    agent: PartyRef | None = None
    release_to: PartyRef | None = None
    port: str = ""
    terminal: str = ""
    expires_at: datetime | None = None


def map_coreor(message: Message) -> MappedMessage:
    """Map one COREOR to release commands, one per valid EQD+CN (see the module docstring)."""
    header, groups = split_groups(message.body(), "EQD")
    problems = _directory_warnings(message)
    release = _read_release(message, header, problems)
    header_failed = any(p.severity == "error" for p in problems)
    commands: list[AnyCommand] = []
    for group in groups:
        command = _command(message, release, group, problems)
        if command is not None and not header_failed:
            commands.append(command)
    if not groups:
        text = "no EQD segment: a COREOR must name at least one container (EQD+CN)"
        problems.append(problem(message, anchor(message, "UNT"), text, MISSING))
    sender = release.agent.code if release.agent else ""
    return mapped(message, commands, problems, claimed_sender=sender)


def _directory_warnings(message: Message) -> list[Problem]:
    if message.directory in DIRECTORIES:
        return []
    text = (
        f"COREOR directory {message.directory or '(none)'} is not one of "
        f"{', '.join(DIRECTORIES)}: read like them"
    )
    unh = anchor(message)
    return [problem(message, unh, text, INVALID, element=2, component=2, severity="warning")]


def _read_release(message: Message, header: Group, problems: list[Problem]) -> _Release:
    place = place_of(header, PLACE)
    agent = find_party(header, AGENT)
    release = _Release(
        function=_function(message, problems),
        release_ref=_release_ref(message, header, problems),
        bills=references(header, "BM"),
        agent=party_of(agent) if agent else None,
        release_to=_release_party(message, header, problems),
        port=place.port,
        terminal=place.terminal,
        expires_at=_expiry(message, header, problems),
    )
    if release.function == "9" and not release.terminal:
        text = "no terminal: expected LOC+11 with a terminal code (element 3, C519 3223)"
        problems.append(problem(message, anchor(message, "BGM"), text, MISSING, severity="warning"))
    return release


def _function(message: Message, problems: list[Problem]) -> str:
    bgm = first(message.segments, "BGM")
    if bgm is None:
        text = "no BGM segment: expected BGM+129 with a message function (9, 5 or 1)"
        problems.append(problem(message, anchor(message), text, MISSING))
        return ""
    function = bgm.get(2).strip()
    if function not in FUNCTIONS:
        text = (
            f"message function {function or '(empty)'!s} is not handled: expected "
            "9 (original), 5 (replace) or 1 (cancel)"
        )
        code = MISSING if not function else INVALID
        problems.append(problem(message, bgm, text, code, element=3, component=1))
    return function


def _release_ref(message: Message, header: Group, problems: list[Problem]) -> str:
    found = references(header, "RE")
    if found:
        return found[0]
    bgm = first(message.segments, "BGM")
    number = bgm.get(1, 0).strip() if bgm else ""
    if number:
        text = f"no RFF+RE release number: the BGM document number {number!r} is used instead"
        problems.append(problem(message, bgm, text, MISSING, element=2, severity="warning"))
        return number
    text = "no release number: expected RFF+RE (C506 1154) or a BGM document number (C106 1004)"
    problems.append(problem(message, bgm or anchor(message), text, MISSING, element=2))
    return ""


def _release_party(message: Message, segments: Group, problems: list[Problem]) -> PartyRef | None:
    nad = find_party(segments, RELEASE_PARTY)
    if nad is None:
        return None
    party = party_of(nad)
    if party is None:
        text = f"NAD+{nad.get(0)} names no party code (C082 3039): expected an identifier"
        problems.append(problem(message, nad, text, MISSING, element=2, component=1))
    return party


def _expiry(message: Message, segments: Group, problems: list[Problem]) -> datetime | None:
    dtm = first(segments, "DTM", "36")
    if dtm is None:
        return None
    when, found = read_dtm(message, dtm)
    problems.extend(found)
    if when is not None and is_date_only(dtm):
        return end_of_port_day(when.date())
    return when


def _command(
    message: Message, release: _Release, group: Group, problems: list[Problem]
) -> AnyCommand | None:
    """The command for one EQD group, or None (with the reason in `problems`)."""
    container, bad = equipment(message, group[0])
    own: list[Problem] = [bad] if bad else []
    scoped = _scoped(message, release, group, own)
    problems.extend(own)
    if not container or any(p.severity == "error" for p in own):
        return None
    return _build(container, scoped)


def _scoped(message: Message, release: _Release, group: Group, own: list[Problem]) -> _Release:
    """The message-level release with this EQD group's own B/Ls, party and expiry applied."""
    bills = references(group, "BM") or release.bills
    party = _release_party(message, group, own) or release.release_to
    expiry = _expiry(message, group, own) or release.expires_at
    if release.function == "9" and party is None:
        text = "no release party: expected NAD+FW, NAD+CB or NAD+CN with a party code"
        own.append(problem(message, group[0], text, MISSING))
    if bills is release.bills and party is release.release_to and expiry is release.expires_at:
        return release
    return _Release(
        release.function,
        release.release_ref,
        bills,
        release.agent,
        party,
        release.port,
        release.terminal,
        expiry,
    )


def _build(container: str, r: _Release) -> AnyCommand | None:
    if r.function == "1":
        return RevokeRelease(container, r.release_ref, reason="COREOR cancel (function 1)")
    if r.function == "5":
        return UpdateRelease(
            container, r.release_ref, r.release_to, r.bills, r.terminal, r.port, r.expires_at
        )
    if r.release_to is None:
        return None
    return ReleaseContainer(
        container, r.release_ref, r.release_to, r.bills, r.terminal, r.port, r.agent, r.expires_at
    )
