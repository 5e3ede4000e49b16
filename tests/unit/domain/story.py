"""Helpers for the rules tests: the cast, command builders, and a `Story` around one file.

A `Story` keeps one `ContainerFile`, a clock and every event published so far; `do` applies a
command as an actor at the story's time, `wait` moves the clock and runs `settle` (the periodic
job). Builders return fresh stories in the states the tables start from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hub.domain import commands as c
from hub.domain import roles, rules
from hub.domain.events import (
    ActionRefused,
    Event,
    GateAuthorised,
    GateWithdrawn,
    LightChanged,
)
from hub.domain.lifecycle import Context
from hub.domain.model import Actor, ContainerFile
from hub.domain.values import CustomsStatus, PartyRef, Pickup, PickupMode, TerminalEvent

CONTAINER = "MSCU1234566"
REF = "REL-001"
REF_2 = "REL-002"
TERMINAL = "K913"
OTHER_TERMINAL = "K1742"
PORT = "BEANR"
BL1 = "MEDUAB123456"
BL2 = "MEDUAB654321"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DEFAULT_EXPIRY = T0 + timedelta(days=60)

AGENT = Actor("AGENT-MSC", frozenset({roles.SHIP_AGENT}))
OTHER_AGENT = Actor("AGENT-CMA", frozenset({roles.SHIP_AGENT}))
FORWARDER = Actor("FWD-1", frozenset({roles.RELEASE_PARTY}))
FORWARDER_2 = Actor("FWD-2", frozenset({roles.RELEASE_PARTY}))
HAULIER = Actor("TO-1", frozenset({roles.TRANSPORT_OPERATOR}))
HAULIER_2 = Actor("TO-2", frozenset({roles.TRANSPORT_OPERATOR}))
TERMINAL_OP = Actor("TERM-1", frozenset({roles.TERMINAL_OPERATOR}), (TERMINAL,))
OTHER_TERMINAL_OP = Actor("TERM-2", frozenset({roles.TERMINAL_OPERATOR}), (OTHER_TERMINAL,))
CUSTOMS = Actor("BE-CUSTOMS", frozenset({roles.CUSTOMS}))
STRANGER = Actor("NOBODY")
"""A party the registry does not know: as a recipient it resolves to None."""

T = TypeVar("T")

DRIVER = Pickup(PickupMode.TRUCK, "ALFA-000123", "TAR-1")
DRIVER_2 = Pickup(PickupMode.TRUCK, "ALFA-000456", "TAR-2")
BARGE = Pickup(PickupMode.BARGE, "ENI-02329841")


def party(actor: Actor) -> PartyRef:
    return PartyRef(actor.party_id)


def known(actor: Actor) -> Actor | None:
    """The recipient as the service layer resolves it: unknown parties become None."""
    return None if actor is STRANGER else actor


# --- command builders -----------------------------------------------------------------------


def release(
    to: Actor = FORWARDER,
    ref: str = REF,
    bills: tuple[str, ...] = (BL1,),
    expires_at: datetime | None = None,
) -> c.ReleaseContainer:
    return c.ReleaseContainer(
        CONTAINER, ref, party(to), bills, TERMINAL, PORT, party(AGENT), expires_at
    )


def update(ref: str = REF, to: Actor | None = None, **fields: Any) -> c.UpdateRelease:
    return c.UpdateRelease(CONTAINER, ref, party(to) if to else None, **fields)


def block(reason: str = "freight unpaid", ref: str = REF) -> c.BlockRelease:
    return c.BlockRelease(CONTAINER, ref, reason)


def unblock(ref: str = REF) -> c.UnblockRelease:
    return c.UnblockRelease(CONTAINER, ref)


def revoke(reason: str = "cancelled by line", ref: str = REF) -> c.RevokeRelease:
    return c.RevokeRelease(CONTAINER, ref, reason)


def delete(reason: str = "entered in error", ref: str = REF) -> c.DeleteRelease:
    return c.DeleteRelease(CONTAINER, ref, reason)


def transfer(to: Actor, ref: str = REF) -> c.TransferRight:
    return c.TransferRight(CONTAINER, ref, party(to))


def accept(ref: str = REF) -> c.AcceptRight:
    return c.AcceptRight(CONTAINER, ref)


def decline(reason: str = "not our customer", ref: str = REF) -> c.DeclineRight:
    return c.DeclineRight(CONTAINER, ref, reason)


def revoke_transfer(ref: str = REF) -> c.RevokeTransfer:
    return c.RevokeTransfer(CONTAINER, ref)


def assign(pickup: Pickup = DRIVER, ref: str = REF) -> c.AssignPickup:
    return c.AssignPickup(CONTAINER, ref, pickup)


def revoke_pickup(ref: str = REF) -> c.RevokePickup:
    return c.RevokePickup(CONTAINER, ref)


def customs(status: CustomsStatus, bl: str = "") -> c.RecordCustomsStatus:
    """A customs status for the container, or for one B/L (as routed to this container)."""
    return c.RecordCustomsStatus(status, CONTAINER, bl)


def terminal(event: TerminalEvent, code: str = TERMINAL) -> c.RecordTerminalEvent:
    return c.RecordTerminalEvent(CONTAINER, event, code)


def link(bl: str) -> c.LinkBillsOfLading:
    return c.LinkBillsOfLading(bl, (CONTAINER,))


# --- the story ------------------------------------------------------------------------------


@dataclass
class Story:
    """One container file, a clock, and everything published about it."""

    file: ContainerFile = field(default_factory=lambda: ContainerFile(CONTAINER))
    now: datetime = T0
    log: list[Event] = field(default_factory=list)
    pin_terminals: frozenset[str] = frozenset()
    """Terminals that let containers out by PIN, not by Alfapass identity."""
    may_wait: bool = False
    """Whether a message refused for now would wait (the hub's waiting room is on)."""

    def do(self, actor: Actor, command: Any, recipient: Actor | None = None) -> list[Event]:
        ctx = Context(actor, self.now, recipient, self.pin_terminals, self.may_wait)
        events = rules.apply(self.file, command, ctx)
        self.log.extend(events)
        return events

    def ok(self, actor: Actor, command: Any, recipient: Actor | None = None) -> list[Event]:
        """`do`, insisting the command is not refused (a broken setup fails loudly)."""
        events = self.do(actor, command, recipient)
        refused = [e for e in events if isinstance(e, ActionRefused)]
        assert not refused, refused
        return events

    def wait(self, delta: timedelta) -> list[Event]:
        """Move the clock and run the periodic job."""
        self.now += delta
        events = rules.settle(self.file, self.now, self.pin_terminals)
        self.log.extend(events)
        return events

    def at(self, moment: datetime) -> list[Event]:
        return self.wait(moment - self.now)

    # steps that read as the story
    def released(self, to: Actor = FORWARDER, **kwargs: Any) -> Story:
        self.ok(AGENT, release(to, **kwargs), to)
        return self

    def accepted_by(self, actor: Actor) -> Story:
        self.ok(actor, accept())
        return self

    def passed(self, holder: Actor, to: Actor) -> Story:
        self.ok(holder, transfer(to), to)
        return self.accepted_by(to)

    def cleared(self, *bills: str) -> Story:
        """Customs writes off the release's B/Ls (the container itself when it has none)."""
        for bl in bills or self.file.bills_of_lading() or ("",):
            self.ok(CUSTOMS, customs(CustomsStatus.RELEASED, bl))
        return self

    def discharged(self) -> Story:
        self.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED))
        return self

    def assigned(self, pickup: Pickup = DRIVER, by: Actor = HAULIER) -> Story:
        self.ok(by, assign(pickup))
        return self


# --- the states the tables start from --------------------------------------------------------


def fresh() -> Story:
    return Story()


def offered() -> Story:
    """Released by the agent; the forwarder has not answered yet."""
    return Story().released()


def with_forwarder() -> Story:
    return offered().accepted_by(FORWARDER)


def offering_haulier() -> Story:
    """The forwarder has offered the right to the haulier, who has not answered yet."""
    story = with_forwarder()
    story.ok(FORWARDER, transfer(HAULIER), HAULIER)
    return story


def with_haulier() -> Story:
    return offering_haulier().accepted_by(HAULIER)


def assigned() -> Story:
    return with_haulier().assigned()


def authorised() -> Story:
    """Every condition of the gate rule met: one GateAuthorised published."""
    return assigned().cleared().discharged()


def blocked() -> Story:
    story = with_haulier()
    story.ok(AGENT, block())
    return story


def revoked() -> Story:
    story = with_haulier()
    story.ok(AGENT, revoke())
    return story


def deleted() -> Story:
    story = with_haulier()
    story.ok(AGENT, delete())
    return story


def expired() -> Story:
    story = with_haulier()
    story.at(DEFAULT_EXPIRY)
    return story


def picked_up() -> Story:
    story = authorised()
    story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))
    return story


def due() -> Story:
    """Assigned, a transfer to the second haulier waiting, and the clock at the expiry moment
    before the periodic job has run."""
    story = assigned()
    story.ok(HAULIER, transfer(HAULIER_2), HAULIER_2)
    story.now = DEFAULT_EXPIRY
    return story


def declined() -> Story:
    story = offered()
    story.ok(FORWARDER, decline())
    return story


STATES: dict[str, Callable[[], Story]] = {
    f.__name__: f
    for f in (
        fresh,
        offered,
        with_forwarder,
        offering_haulier,
        with_haulier,
        assigned,
        authorised,
        blocked,
        revoked,
        deleted,
        expired,
        picked_up,
        declined,
        due,
    )
}


# --- reading events -------------------------------------------------------------------------


def business(events: Iterable[Event]) -> list[Event]:
    """What the command itself did: without light changes and gate decisions."""
    derived = (LightChanged, GateAuthorised, GateWithdrawn)
    return [e for e in events if not isinstance(e, derived)]


def gate(events: Iterable[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, GateAuthorised | GateWithdrawn)]


def of_type(events: Iterable[Event], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]
