"""Value types shared by commands, events and the container aggregate (standard library only)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Colour(enum.StrEnum):
    """A light's colour, as in the CPu API."""

    GREEN = "GREEN"
    ORANGE = "ORANGE"
    RED = "RED"
    GREY = "GREY"


class LightName(enum.StrEnum):
    """The three lights of a container."""

    COMMERCIAL = "commercial"
    CUSTOMS = "customs"
    TERMINAL = "terminal"


class CustomsStatus(enum.StrEnum):
    """Customs clearance values for a container or a bill of lading."""

    RELEASED = "released"
    SELECTED_FOR_SCAN = "selected_for_scan"
    FASFC = "fasfc"
    PORT_EQUALISATION = "port_equalisation"
    TRANSHIPMENT = "transhipment"
    DOCUMENTARY_CONTROL = "documentary_control"
    PARTIALLY_CLEARED = "partially_cleared"
    NOT_CLEARED = "not_cleared"
    UNKNOWN = "unknown"


class TerminalEvent(enum.StrEnum):
    """What a terminal reports about a container."""

    DISCHARGED = "discharged"
    LOADED = "loaded"
    RELEASED = "released"
    BLOCKED = "blocked"
    SCANNING = "scanning"
    GATE_IN = "gate_in"
    GATE_OUT = "gate_out"


class PickupMode(enum.StrEnum):
    """How a container leaves the terminal (CPu `PartyType`)."""

    TRUCK = "truck"
    BARGE = "barge"
    RAIL = "rail"


class RightStatus(enum.StrEnum):
    """Commercial state of a release right."""

    RELEASED = "released"
    BLOCKED = "blocked"
    REVOKED = "revoked"
    DELETED = "deleted"
    EXPIRED = "expired"
    PICKED_UP = "picked_up"


@dataclass(frozen=True)
class PartyRef:
    """A party as a message names it: a code, and the scheme it belongs to.

    `scheme` is free text from the message (EDIFACT code list qualifier such as ``160`` or
    ``172``, XML ``identificationType`` such as ``Eori``/``Tin``/``NxtEntityId``), empty when
    the message gives none. The service layer resolves it against the partner registry.
    """

    code: str
    scheme: str = ""

    def __str__(self) -> str:
        return f"{self.code}:{self.scheme}" if self.scheme else self.code


@dataclass(frozen=True)
class Pickup:
    """Who may collect: a driver's Alfapass number, or a barge / rail identity; optional TAR."""

    mode: PickupMode
    identity: str
    tar: str = ""
