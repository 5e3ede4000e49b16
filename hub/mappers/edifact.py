"""The EDIFACT mapper registry: one parsed `Message` in, one `MappedMessage` out.

    map_edifact_message(message)   # dispatches on message.type (UNH S009 0065)

Mapped types, one module each: COREOR (`coreor`), CODECO (`codeco`), COARRI (`coarri`),
CUSCAR (`cuscar`), CUSRES (`cusres`). Their content errors make them REJECTED (or MAPPED with
the errors beside the commands that could still be made: see each module). Every other type
(BAPLIE, COPRAR, COPINO, COPARN, VERMAS, PAORES, APERAK, CONTRL, ...) is UNSUPPORTED with a
problem on UNH element 2 saying what the type is and what the hub maps instead. The hub never
answers a CONTRL or an APERAK: they are reported as unsupported, not as errors of the sender.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.mappers.base import MappedMessage, MapStatus
from hub.mappers.coarri import map_coarri
from hub.mappers.codeco import map_codeco
from hub.mappers.coreor import map_coreor
from hub.mappers.cuscar import map_cuscar
from hub.mappers.cusres import map_cusres
from hub.mappers.edifact_segments import NOT_SUPPORTED, anchor, problem
from hub.parsing.edifact.model import Message

Mapper = Callable[[Message], MappedMessage]

MAPPERS: dict[str, Mapper] = {
    "COREOR": map_coreor,
    "CODECO": map_codeco,
    "COARRI": map_coarri,
    "CUSCAR": map_cuscar,
    "CUSRES": map_cusres,
}

KNOWN_UNMAPPED: dict[str, str] = {
    "BAPLIE": "a stowage plan",
    "COPRAR": "a container discharge/loading order",
    "COPINO": "a haulier pre-notification",
    "COPARN": "a container announcement",
    "VERMAS": "a verified gross mass declaration",
    "PAORES": "a passenger availability response",
    "APERAK": "an application acknowledgement, which the hub never answers",
    "CONTRL": "a syntax acknowledgement, which the hub never answers",
    "IFTMIN": "a transport instruction",
    "IFTSTA": "a transport status report",
}


def map_edifact_message(message: Message) -> MappedMessage:
    """Map `message` with the mapper for its type, or report the type as unsupported."""
    mapper = MAPPERS.get(message.type.strip().upper())
    if mapper is not None:
        return mapper(message)
    return unsupported(message)


def unsupported(message: Message) -> MappedMessage:
    """An UNSUPPORTED result with one problem saying why, located at UNH element 2."""
    kind = message.type.strip() or "(none)"
    what = KNOWN_UNMAPPED.get(kind.upper(), "a type the hub does not know")
    mapped = ", ".join(MAPPERS)
    text = f"message type {kind} is not handled by the hub: it is {what}; the hub maps {mapped}"
    where = anchor(message)
    return MappedMessage(
        ref=message.ref,
        type=message.type,
        version=message.directory,
        association=message.association,
        status=MapStatus.UNSUPPORTED,
        problems=(problem(message, where, text, NOT_SUPPORTED, element=2, component=1),),
    )
