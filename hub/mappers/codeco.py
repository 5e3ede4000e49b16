"""CODECO (container gate-in / gate-out report, terminal → hub) → RecordTerminalEvent.

Element numbers are CONTRL positions (from 1). What is read (shape shared with COARRI, see
`hub.mappers.terminal_report`):

- ``BGM`` element 1 component 1 (C002 1001), from either code list: the SMDG guide's 34 gate-in
  / 36 gate-out report, or UN/EDIFACT code list 1001's 109 transport movement gate in report /
  111 transport movement gate out report. Gate-in → ``GATE_IN``, gate-out → ``GATE_OUT`` (the
  gate-out ends the release right); any other document name is an error.
- ``EQD+CN`` element 2 component 1 (C237 8260): one event per container, ISO 6346 checked; a
  bad number is an error on that EQD only (e.g. the corpus gate-in ``CBHU1234567``).
- ``DTM+7`` (effective date, C507) inside the EQD group, else at message level → ``at``.
- Terminal: C519 3223 (element 3) of the EQD group's first LOC carrying one, else of the
  message level's (any qualifier but 147). CODECO has no fixed terminal LOC qualifier; the
  ``NAD+MS`` party is the terminal *operator* (one operator runs several terminals), so it is
  not used as a terminal code: with no LOC the terminal stays empty and the rules use the
  terminal of the release. ``NAD+MS`` is the claimed sender.
"""

from __future__ import annotations

from hub.domain.values import TerminalEvent
from hub.mappers.base import MappedMessage
from hub.mappers.terminal_report import ReportKind, ReportSpec, map_terminal_report
from hub.parsing.edifact.model import Message

CODECO = ReportSpec(
    name="CODECO",
    kinds={
        "34": ReportKind(TerminalEvent.GATE_IN),  # SMDG: gate-in report
        "109": ReportKind(TerminalEvent.GATE_IN),  # UN 1001: transport movement gate in report
        "36": ReportKind(TerminalEvent.GATE_OUT),  # SMDG: gate-out report
        "111": ReportKind(TerminalEvent.GATE_OUT),  # UN 1001: transport movement gate out report
    },
    date_qualifier="7",
)


def map_codeco(message: Message) -> MappedMessage:
    """Gate-in / gate-out events, one per valid EQD+CN (see the module docstring)."""
    return map_terminal_report(message, CODECO)
