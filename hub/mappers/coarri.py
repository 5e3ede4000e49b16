"""COARRI (container discharge / loading report, terminal → hub) → RecordTerminalEvent.

Element numbers are CONTRL positions (from 1). What is read (shape shared with CODECO, see
`hub.mappers.terminal_report`):

- ``BGM`` element 1 component 1 (C002 1001), from either code list terminals use: the SMDG
  guide's 44 discharge report / 46 loading report, or UN/EDIFACT code list 1001's 119 transport
  discharge report / 122 transport loading report (D.23A terminals). Discharge →
  ``DISCHARGED``, loading → ``LOADED`` (the hub ignores loads downstream but maps them);
  anything else is an error (in UN 1001, 44 and 46 mean other documents; only COARRI's
  guides give them these meanings, so the message type decides).
- ``EQD+CN`` element 2 component 1 (C237 8260): one event per container, ISO 6346 checked; a
  bad number is an error on that EQD only, the others still map.
- ``DTM+203`` (execution date-time, C507) inside the EQD group, else at message level → ``at``.
- Terminal: C519 3223 (element 3) of ``LOC+11`` (place of discharge) for a discharge report,
  of ``LOC+9`` (place of loading) for a loading report, else of any message-level LOC carrying
  one: ``LOC+11+ITGOA:139:6+VTE:TER:ZZZ`` → terminal VTE. The EQD group's LOCs are not read for
  the terminal: they name the container's other ports (LOC+9 / LOC+11 / LOC+7 abroad) and its
  stowage cell (LOC+147).
"""

from __future__ import annotations

from hub.domain.values import TerminalEvent
from hub.mappers.base import MappedMessage
from hub.mappers.terminal_report import ReportKind, ReportSpec, map_terminal_report
from hub.parsing.edifact.model import Message

COARRI = ReportSpec(
    name="COARRI",
    kinds={
        "44": ReportKind(TerminalEvent.DISCHARGED, ("11",)),  # SMDG: discharge report
        "119": ReportKind(TerminalEvent.DISCHARGED, ("11",)),  # UN 1001: transport discharge report
        "46": ReportKind(TerminalEvent.LOADED, ("9",)),  # SMDG: loading report
        "122": ReportKind(TerminalEvent.LOADED, ("9",)),  # UN 1001: transport loading report
    },
    date_qualifier="203",
    group_places=False,
)


def map_coarri(message: Message) -> MappedMessage:
    """Discharge / load events, one per valid EQD+CN (see the module docstring)."""
    return map_terminal_report(message, COARRI)
