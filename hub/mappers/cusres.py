"""CUSRES (customs response, customs → hub) → RecordCustomsStatus.

Element numbers are CONTRL positions (from 1). What is read:

- What the response is about: containers from ``RFF+AAQ`` (element 1 component 2, C506 1154)
  and ``EQD+CN`` (element 2 component 1, C237 8260), ISO 6346 checked (error where the bad
  number stands); bills of lading from ``RFF+BM``. A status is recorded per container when
  the message names containers (container-level, never spread over the B/L: the light is green
  for a B/L only when customs writes off the whole B/L); per B/L only when it names none.
  Neither is an error (13).
- The status, from the first ``GIS`` (element 1 component 1, C529 7365 processing indicator)
  with a code below. Standard UNCL 7365 codes, plus hub codes (mutually defined, Z-prefixed)
  for the Belgian light values that have no standard code:

      GIS 7365  meaning (UNCL 7365)                      CustomsStatus        light
      4         goods released                           released             green
      5         goods required for examination           selected_for_scan    orange
      8         goods may move under customs transfer    transhipment         orange
      ZFA       FASFC food-chain inspection (hub code)   fasfc                orange
      ZPE       port equalisation (hub code)             port_equalisation    orange
      6         all documents to be produced             documentary_control  red
      ZPC       partially cleared (hub code)             partially_cleared    red
      7         goods detained                           not_cleared          red

  Other GIS codes (e.g. 1 message accepted, 9 awaiting goods) say nothing about the light: a
  message with GIS but none of these codes is an error (12) on the first GIS.
- Without any GIS, a reference text that states a decision (any ``RFF`` C506 1154 value,
  whole and case-insensitive) is read with a warning: ``UNDERBOND APPROVAL`` → transhipment.
  An underbond (transit) approval lets the container leave the terminal under customs control
  without clearing it for home use: orange, not green. This is how the corpus CUSRES
  (``BGM+961``, ``RFF+ANX:UNDERBOND APPROVAL``, ``RFF+AAQ:TRCU3382910``, no envelope) maps.
  Without GIS or such a text: error (13), no command.
- ``BGM`` element 2 component 1 (C106 1004) is kept as the command's `reference`.
"""

from __future__ import annotations

from hub.domain.commands import AnyCommand, RecordCustomsStatus
from hub.domain.values import CustomsStatus
from hub.errors import Problem
from hub.mappers.base import MappedMessage
from hub.mappers.edifact_segments import (
    INVALID,
    MISSING,
    Group,
    anchor,
    check_container,
    equipment,
    every,
    first,
    mapped,
    problem,
    references,
)
from hub.parsing.edifact.model import Message

GIS_STATUS: dict[str, CustomsStatus] = {
    "4": CustomsStatus.RELEASED,
    "5": CustomsStatus.SELECTED_FOR_SCAN,
    "8": CustomsStatus.TRANSHIPMENT,
    "ZFA": CustomsStatus.FASFC,
    "ZPE": CustomsStatus.PORT_EQUALISATION,
    "6": CustomsStatus.DOCUMENTARY_CONTROL,
    "ZPC": CustomsStatus.PARTIALLY_CLEARED,
    "7": CustomsStatus.NOT_CLEARED,
}
TEXT_STATUS: dict[str, CustomsStatus] = {
    "UNDERBOND APPROVAL": CustomsStatus.TRANSHIPMENT,
}


def map_cusres(message: Message) -> MappedMessage:
    """Customs status per container (or per B/L) of a customs response (see module docstring)."""
    body = message.body()
    problems: list[Problem] = []
    status = _status(message, body, problems)
    containers, named = _containers(message, body, problems)
    bills = references(body, "BM")
    if not named and not bills:
        text = "no container (RFF+AAQ or EQD+CN) or bill of lading (RFF+BM) to apply status to"
        problems.append(problem(message, anchor(message, "BGM"), text, MISSING))
    if status is None:
        return mapped(message, [], problems)
    targets = [("", b) for b in bills] if not named else [(c, "") for c in containers]
    reference = _reference(message)
    commands: list[AnyCommand] = [
        RecordCustomsStatus(status, container, bill, reference) for container, bill in targets
    ]
    return mapped(message, commands, problems)


def _status(message: Message, body: Group, problems: list[Problem]) -> CustomsStatus | None:
    indicators = every(body, "GIS")
    for gis in indicators:
        if gis.get(0).strip().upper() in GIS_STATUS:
            return GIS_STATUS[gis.get(0).strip().upper()]
    if indicators:
        codes = ", ".join(GIS_STATUS)
        text = f"GIS {indicators[0].get(0)!r} gives no customs status: expected one of {codes}"
        problems.append(problem(message, indicators[0], text, INVALID, element=1, component=1))
        return None
    return _status_from_text(message, body, problems)


def _status_from_text(
    message: Message, body: Group, problems: list[Problem]
) -> CustomsStatus | None:
    for rff in every(body, "RFF"):
        status = TEXT_STATUS.get(rff.get(0, 1).strip().upper())
        if status is not None:
            text = f"no GIS processing indicator: status {status.value} read from {rff.get(0, 1)!r}"
            problems.append(problem(message, rff, text, MISSING, element=1, severity="warning"))
            return status
    text = "no customs status: expected GIS with a processing indicator (C529 7365)"
    problems.append(problem(message, anchor(message, "BGM"), text, MISSING))
    return None


def _containers(message: Message, body: Group, problems: list[Problem]) -> tuple[list[str], bool]:
    """Valid container numbers named, and whether any container was named at all."""
    found: list[str] = []
    for rff in every(body, "RFF", "AAQ"):
        number, bad = check_container(message, rff, rff.get(0, 1), element=1, component=2)
        found.append(number)
        problems.extend([bad] if bad else [])
    for eqd in every(body, "EQD"):
        number, bad = equipment(message, eqd)
        found.append(number)
        problems.extend([bad] if bad else [])
    named = bool(every(body, "RFF", "AAQ") or every(body, "EQD", "CN"))
    return list(dict.fromkeys(n for n in found if n)), named


def _reference(message: Message) -> str:
    bgm = first(message.segments, "BGM")
    return bgm.get(1, 0).strip() if bgm else ""
