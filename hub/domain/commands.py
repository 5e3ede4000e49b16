"""Canonical commands: what a partner asks the hub to do, whatever format it came in.

Mappers (EDIFACT and XML alike) produce these; the rules consume them. Commands are orders in
the imperative (`ReleaseContainer`); what happened as a result are events (`hub.domain.events`).
Who sent a command is not part of it: the authenticated sender travels beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.domain.values import CustomsStatus, PartyRef, Pickup, TerminalEvent


@dataclass(frozen=True)
class Command:
    """Base of every canonical command. `container` is an ISO 6346 number (checked)."""

    container: str


# --- agent (shipping line) -----------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseContainer(Command):
    """COREOR function 9 / CPu `Release`: the agent releases a container to a first party."""

    release_ref: str
    release_to: PartyRef
    bills_of_lading: tuple[str, ...] = ()
    terminal: str = ""
    port: str = ""
    agent: PartyRef | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class UpdateRelease(Command):
    """COREOR function 5 (replace) / CPu `Update`: fields given replace the current ones."""

    release_ref: str
    release_to: PartyRef | None = None
    bills_of_lading: tuple[str, ...] = ()
    terminal: str = ""
    port: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RevokeRelease(Command):
    """COREOR function 1 (cancel) / CPu `Revoke`: the chain is reset."""

    release_ref: str
    reason: str = ""


@dataclass(frozen=True)
class BlockRelease(Command):
    """CPu `Block`: commercial light turns red (blocked)."""

    release_ref: str
    reason: str = ""


@dataclass(frozen=True)
class UnblockRelease(Command):
    """CPu `Unblock`."""

    release_ref: str


@dataclass(frozen=True)
class DeleteRelease(Command):
    """CPu `Delete`."""

    release_ref: str
    reason: str = ""


# --- release parties and transport operators ------------------------------------------------


@dataclass(frozen=True)
class TransferRight(Command):
    """CPu `Transfer`: the current holder passes the right to a next party."""

    release_ref: str
    transfer_to: PartyRef


@dataclass(frozen=True)
class AcceptRight(Command):
    """CPu `Accept`: the named next party accepts a transfer."""

    release_ref: str


@dataclass(frozen=True)
class DeclineRight(Command):
    """CPu `Decline`: the named next party declines a transfer."""

    release_ref: str
    reason: str = ""


@dataclass(frozen=True)
class RevokeTransfer(Command):
    """CPu `Revoke` by the previous holder: allowed only until the transfer is accepted."""

    release_ref: str


@dataclass(frozen=True)
class AssignPickup(Command):
    """CPu pickup `Assign` / `Update`: name the driver (Alfapass) or barge / rail identity."""

    release_ref: str
    pickup: Pickup


@dataclass(frozen=True)
class RevokePickup(Command):
    """CPu pickup `Revoke`."""

    release_ref: str


@dataclass(frozen=True)
class SubscribeLights(Command):
    """A transport operator subscribes to the lights of a container that still needs a PIN."""


@dataclass(frozen=True)
class UnsubscribeLights(Command):
    """A transport operator ends its subscription to a container's lights."""


# --- customs and terminals ------------------------------------------------------------------


@dataclass(frozen=True)
class RecordCustomsStatus:
    """Customs status for one container, or for a whole bill of lading (container empty)."""

    status: CustomsStatus
    container: str = ""
    bill_of_lading: str = ""
    reference: str = ""


@dataclass(frozen=True)
class RecordTerminalEvent(Command):
    """COARRI discharge, CODECO gate-in / gate-out, or a terminal release / block / scan."""

    event: TerminalEvent
    terminal: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class LinkBillsOfLading:
    """CUSCAR: which containers a bill of lading covers."""

    bill_of_lading: str
    containers: tuple[str, ...] = field(default_factory=tuple)


AnyCommand = Command | RecordCustomsStatus | LinkBillsOfLading
