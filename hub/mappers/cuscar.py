"""CUSCAR (customs cargo report / manifest, agent → hub) → LinkBillsOfLading.

Element numbers are CONTRL positions (from 1). What is read:

- ``EQD`` anywhere in the message: element 1 (8053) must be CN for a container; element 2
  component 1 (C237 8260) is its number, ISO 6346 checked (error on the EQD when bad). Other
  equipment (e.g. the corpus ``EQD+BL+EQ123456``) is a warning and is never linked.
- Each ``CNI`` group (consignment) is one bill of lading: ``RFF+BM`` in the group (C506 1154),
  else the CNI document number (element 2 component 1, C503 1004); neither is an error (13).
- ``SGP`` in the CNI group (split goods placement, element 1 component 1 C237 8260) places the
  consignment's goods in a piece of equipment: those are the B/L's containers. An SGP naming
  equipment declared as non-container is a warning; one naming an undeclared number is checked
  as a container number (error on the SGP when bad).
- A CNI group without any SGP is linked to the message's only valid container when it declares
  exactly one; otherwise it is a warning (the manifest does not say which container).
- ``NAD+MS`` (C082 3039) is the claimed sender.

One `LinkBillsOfLading` per B/L with at least one container (CNI groups for the same B/L are
merged). A manifest in which nothing links (bulk cargo, all equipment non-container) is MAPPED
with no command and its warnings: there is nothing for the hub to do, which is not an error.
It is REJECTED only when errors left no link at all (e.g. every container number bad), or when
it has no CNI consignment.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.commands import AnyCommand, LinkBillsOfLading
from hub.domain.containers import normalise
from hub.errors import Problem
from hub.mappers.base import MappedMessage
from hub.mappers.edifact_segments import (
    MISSING,
    Group,
    anchor,
    check_container,
    equipment,
    every,
    find_party,
    mapped,
    party_of,
    problem,
    references,
    split_groups,
)
from hub.parsing.edifact.model import Message, Segment


@dataclass(frozen=True)
class _Declared:
    """One EQD: its checked container number ('' when unusable) and its qualifier."""

    container: str
    kind: str


def map_cuscar(message: Message) -> MappedMessage:
    """B/L ↔ container links of a manifest (see the module docstring)."""
    body = message.body()
    problems: list[Problem] = []
    declared = _declared(message, body, problems)
    _, consignments = split_groups(body, "CNI", ("UNT",))
    links: dict[str, list[str]] = {}
    for cni in consignments:
        _link(message, cni, declared, links, problems)
    if not consignments:
        text = "no CNI segment: a CUSCAR must list at least one consignment (bill of lading)"
        problems.append(problem(message, anchor(message, "UNT"), text, MISSING))
    commands: list[AnyCommand] = [
        LinkBillsOfLading(bl, tuple(dict.fromkeys(cs))) for bl, cs in links.items() if cs
    ]
    sender = find_party(body, ("MS",))
    party = party_of(sender) if sender else None
    return mapped(message, commands, problems, claimed_sender=party.code if party else "")


def _declared(message: Message, body: Group, problems: list[Problem]) -> dict[str, _Declared]:
    found: dict[str, _Declared] = {}
    for eqd in every(body, "EQD"):
        container, bad = equipment(message, eqd)
        if bad:
            problems.append(bad)
        key = normalise(eqd.get(1, 0))
        if key:
            found[key] = _Declared(container, eqd.get(0).strip())
    return found


def _link(
    message: Message,
    cni: Group,
    declared: dict[str, _Declared],
    links: dict[str, list[str]],
    problems: list[Problem],
) -> None:
    bill = _bill(message, cni[0], cni, problems)
    if not bill:
        return
    placements = every(cni, "SGP")
    containers = [_placed(message, sgp, declared, problems) for sgp in placements]
    if not placements:
        containers = _sole_container(message, cni[0], bill, declared, problems)
    links.setdefault(bill, []).extend(c for c in containers if c)


def _bill(message: Message, cni: Segment, group: Group, problems: list[Problem]) -> str:
    found = references(group, "BM")
    bill = found[0] if found else cni.get(1, 0).strip()
    if not bill:
        text = "consignment without a bill of lading: expected RFF+BM or a CNI document number"
        problems.append(problem(message, cni, text, MISSING, element=2, component=1))
    return bill


def _placed(
    message: Message, sgp: Segment, declared: dict[str, _Declared], problems: list[Problem]
) -> str:
    raw = sgp.get(0, 0)
    known = declared.get(normalise(raw))
    if known is not None:
        if known.kind != "CN":
            text = f"SGP names {raw!r}, declared as EQD+{known.kind}, not a container: not linked"
            problems.append(problem(message, sgp, text, element=1, component=1, severity="warning"))
        return known.container
    container, bad = check_container(message, sgp, raw, element=1, component=1)
    if bad:
        problems.append(bad)
    return container


def _sole_container(
    message: Message,
    cni: Segment,
    bill: str,
    declared: dict[str, _Declared],
    problems: list[Problem],
) -> list[str]:
    valid = list(dict.fromkeys(d.container for d in declared.values() if d.container))
    if len(valid) == 1:
        return valid
    text = (
        f"B/L {bill} names no container (no SGP) and the message declares {len(valid)}: not linked"
    )
    problems.append(problem(message, cni, text, MISSING, severity="warning"))
    return []
