"""What a mapper returns for one business message, whatever its format.

A mapper reads one parsed message (EDIFACT `Message` or XML document) and returns a
`MappedMessage`: the canonical commands it means, and the problems found (semantic stage of the
three-stage validation: syntax → semantics → policy). Mappers never raise for bad content: a bad
container number is a `Problem` on that EQD and the rest of the message is judged on its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hub.domain.commands import AnyCommand
from hub.errors import Problem


class MapStatus(enum.StrEnum):
    """`mapped`: commands to apply; `rejected`: content errors; `unsupported`: type not handled."""

    MAPPED = "mapped"
    REJECTED = "rejected"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class MappedMessage:
    """One business message, mapped. `claimed_sender` is who the message says sent it.

    `containers` are those its commands concern; for a message that gave no command (rejected,
    unsupported) the container numbers it names, as written, so that its rejection names them.
    """

    ref: str
    type: str
    version: str = ""
    association: str = ""
    status: MapStatus = MapStatus.MAPPED
    commands: tuple[AnyCommand, ...] = ()
    containers: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    claimed_sender: str = ""
    document: str = ""
    """The document number (EDIFACT BGM C106 1004; XML header messageId), so that a rejection
    can name what was lost."""

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity != "error")
