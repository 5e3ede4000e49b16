"""Events: what happened, in the past tense. Business refusals are events too, not exceptions.

The rules return events; the service layer records each in the audit trail and turns the
outward-facing ones (gate authorisations, withdrawals, notifications) into outbox messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.domain.values import Colour, LightName, Pickup


@dataclass(frozen=True)
class Event:
    """Base of every event; `container` names the container it concerns ('' if none)."""

    container: str


@dataclass(frozen=True)
class Released(Event):
    release_ref: str
    holder: str
    agent: str


@dataclass(frozen=True)
class ReleaseUpdated(Event):
    release_ref: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseBlocked(Event):
    release_ref: str
    reason: str = ""


@dataclass(frozen=True)
class ReleaseUnblocked(Event):
    release_ref: str


@dataclass(frozen=True)
class ReleaseRevoked(Event):
    release_ref: str
    former_holders: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class ReleaseDeleted(Event):
    release_ref: str
    former_holders: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseExpired(Event):
    release_ref: str
    holder: str = ""


@dataclass(frozen=True)
class RightTransferred(Event):
    release_ref: str
    from_party: str
    to_party: str


@dataclass(frozen=True)
class RightAccepted(Event):
    release_ref: str
    from_party: str
    by_party: str


@dataclass(frozen=True)
class RightDeclined(Event):
    release_ref: str
    from_party: str
    by_party: str
    reason: str = ""


@dataclass(frozen=True)
class TransferRevoked(Event):
    release_ref: str
    by_party: str
    from_party: str


@dataclass(frozen=True)
class PickupAssigned(Event):
    release_ref: str
    by_party: str
    pickup: Pickup


@dataclass(frozen=True)
class PickupRevoked(Event):
    release_ref: str
    by_party: str


@dataclass(frozen=True)
class PickedUp(Event):
    release_ref: str
    holder: str = ""


@dataclass(frozen=True)
class LightChanged(Event):
    light: LightName
    old: Colour
    new: Colour
    value: str = ""


@dataclass(frozen=True)
class LightsSubscribed(Event):
    """`party` gets every light change of the container from now; `lights` as they stand
    (light, colour, value)."""

    party: str
    lights: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class LightsUnsubscribed(Event):
    """`party`'s light subscription ended: ``unsubscribed``, ``picked up``, ``release
    revoked`` or ``release deleted``."""

    party: str
    reason: str


@dataclass(frozen=True)
class BillOfLadingLinked(Event):
    bill_of_lading: str


@dataclass(frozen=True)
class ActionRefused(Event):
    """A command the rules said no to; nothing else changed. `code` is an APERAK ERC code.

    `may_wait`: the precondition is not met *yet* (no release for the container yet, an
    accept before the transfer it accepts, a cancel before its original): a message that
    arrived before the one it depends on may wait for it (see `hub.service_layer.waiting`).
    False for a refusal that can never become right (wrong role or party, not active, bad
    data, a repeat, tokens short). Not compared: two refusals are the same "no" either way."""

    action: str
    reason: str
    code: str = "12"
    may_wait: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class ActionWarned(Event):
    """A command the rules applied, with something the sender should know; `code` is the
    APERAK ERC code of the warning."""

    action: str
    warning: str
    code: str = "12"


@dataclass(frozen=True)
class GateAuthorised(Event):
    """The container may leave, collected by `pickup`; `sequence` rises per container."""

    terminal: str
    sequence: int
    release_ref: str
    pickup: Pickup
    port: str = ""
    bills_of_lading: tuple[str, ...] = ()
    expires_at: datetime | None = None


@dataclass(frozen=True)
class GateWithdrawn(Event):
    """An earlier authorisation no longer holds; `reason` says why."""

    terminal: str
    sequence: int
    release_ref: str
    reason: str = ""


@dataclass(frozen=True)
class TokenConsumed(Event):
    party: str
    action: str


@dataclass(frozen=True)
class TokenRefunded(Event):
    party: str
    action: str


@dataclass(frozen=True)
class Notification:
    """A message to one party about a container (CPu `NotificationEvent` vocabulary)."""

    party: str
    event: str
    container: str
    release_ref: str = ""
    details: dict[str, str] = field(default_factory=dict)
