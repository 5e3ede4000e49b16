"""The release-right lifecycle: who may do what to a container's right, and what follows.

Each handler takes the container file, the command and a `Context` (who acts, when, and the
already-resolved party the right goes to) and returns events. A "no" is an `ActionRefused`
event and leaves the file unchanged; the caller then recomputes lights and the gate decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain import commands as c
from hub.domain.events import (
    ActionRefused,
    ActionWarned,
    Event,
    PickupAssigned,
    PickupRevoked,
    Released,
    ReleaseExpired,
    RightAccepted,
    RightDeclined,
    RightTransferred,
    TransferRevoked,
)
from hub.domain.model import DEFAULT_VALIDITY, Actor, ContainerFile, Link, LinkStatus, ReleaseRight
from hub.domain.roles import TRANSPORT_OPERATOR
from hub.domain.values import PickupMode, RightStatus


@dataclass(frozen=True)
class Context:
    """Who acts and when; `recipient` is the party a release or transfer goes to;
    `pin_terminals` the terminals concerned that let containers out by PIN (the partner
    profile's terminal access), not by Alfapass identity."""

    actor: Actor
    now: datetime
    recipient: Actor | None = None
    pin_terminals: frozenset[str] = frozenset()
    may_wait: bool = False
    """Whether a refusal that may wait would wait (the hub's waiting room is on and this is
    not the message's last try): a rule that otherwise accepts a fact for what it is (a
    terminal's gate-out) may then wait for what would normally come first."""


def refuse(
    file: ContainerFile, command: object, reason: str, code: str = "12", may_wait: bool = False
) -> list[Event]:
    """The one way to say no; `may_wait` when the precondition may still be met (a message it
    depends on may still come: see `ActionRefused`)."""
    return [ActionRefused(file.container, type(command).__name__, reason, code, may_wait)]


@dataclass(frozen=True)
class NotYet:
    """Why a command cannot apply, and whether it may later (`ActionRefused.may_wait`)."""

    reason: str
    may_wait: bool = False

    def refuse(self, file: ContainerFile, command: object) -> list[Event]:
        return refuse(file, command, self.reason, may_wait=self.may_wait)


def release(file: ContainerFile, cmd: c.ReleaseContainer, ctx: Context) -> list[Event]:
    """The agent releases the container to a first party, who must accept it."""
    if ctx.recipient is None:
        return refuse(file, cmd, f"release party {cmd.release_to} is not known")
    current = file.right
    if current and current.is_active() and current.release_ref != cmd.release_ref:
        # the same agent's cancel of the old release may still come; another agent's never
        mine = current.agent == ctx.actor.party_id
        text = f"container already has active release {current.release_ref}"
        return refuse(file, cmd, text, may_wait=mine)
    if current and current.is_active():
        return refuse(file, cmd, f"release {cmd.release_ref} already exists; send a replace")
    file.right = ReleaseRight(
        release_ref=cmd.release_ref,
        agent=ctx.actor.party_id,
        released_at=ctx.now,
        expires_at=cmd.expires_at or ctx.now + DEFAULT_VALIDITY,
        terminal=cmd.terminal,
        port=cmd.port,
        bills_of_lading=cmd.bills_of_lading,
    )
    link = offer(file.right, ctx.recipient, ctx.now)
    return [
        Released(file.container, cmd.release_ref, ctx.actor.party_id, ctx.actor.party_id),
        RightTransferred(file.container, cmd.release_ref, link.from_party, link.to_party),
        *expired_on_arrival(file, cmd, ctx.now),
    ]


def expired_on_arrival(file: ContainerFile, cmd: object, now: datetime) -> list[Event]:
    """A release (or update) whose expiry has already passed is applied and expires at once
    (`expire`, run by `settle`); the sender is told so."""
    right = file.right
    if right is None or now < right.expires_at:
        return []
    text = (
        f"release {right.release_ref} for container {file.container} is already expired "
        f"(expiry {right.expires_at:%Y-%m-%d %H:%M} UTC): accepted and expired at once"
    )
    return [ActionWarned(file.container, type(cmd).__name__, text)]


def offer(right: ReleaseRight, to: Actor, now: datetime) -> Link:
    """The holder offers the right to `to`, who must accept or decline."""
    link = Link(right.holder, to.party_id, LinkStatus.PENDING, now, to.has(TRANSPORT_OPERATOR))
    right.chain.append(link)
    return link


def _active_right(file: ContainerFile, cmd: Any, now: datetime) -> ReleaseRight | NotYet:
    """The active right the command addresses, or why there is none.

    No release yet, or another one than the command names, may still change (the release may
    come): those wait. A right that ended, or whose expiry has passed (even before the periodic
    job marks it), never comes back.
    """
    right = file.right
    if right is None:
        return NotYet(f"no release for container {file.container}", may_wait=True)
    if right.release_ref != cmd.release_ref:
        text = f"release {cmd.release_ref} does not match current release {right.release_ref}"
        return NotYet(text, may_wait=True)
    if not right.is_active():
        return NotYet(f"release {right.release_ref} is {right.status.value}")
    if now >= right.expires_at:
        return NotYet(f"release {right.release_ref} is expired")
    return right


def transfer(file: ContainerFile, cmd: c.TransferRight, ctx: Context) -> list[Event]:
    """Only the current holder may pass the right on, and one transfer at a time."""
    right = _active_right(file, cmd, ctx.now)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    if right.holder != ctx.actor.party_id:
        text = "only the current holder may transfer the release right"
        return refuse(file, cmd, text, may_wait=_may_become_holder(right, ctx.actor.party_id))
    if right.pending is not None:
        text = "a transfer is already waiting for an answer; revoke it first"
        return refuse(file, cmd, text, may_wait=True)  # the answer may still come
    if ctx.recipient is None:
        return refuse(file, cmd, f"party {cmd.transfer_to} is not known")
    if ctx.recipient.party_id == ctx.actor.party_id:
        return refuse(file, cmd, "cannot transfer a release right to yourself")
    link = offer(right, ctx.recipient, ctx.now)
    return [RightTransferred(file.container, right.release_ref, link.from_party, link.to_party)]


def _may_become_holder(right: ReleaseRight, party: str) -> bool:
    """Whether the message that makes `party` the holder may still come: a transfer to it is
    waiting (its accept may come), or it has not taken part in the right yet (a transfer to it
    may come). A party that held the right and passed it on, or the agent, waits for nothing."""
    pending = right.pending
    return (pending is not None and pending.to_party == party) or party not in right.parties()


def _pending_for(file: ContainerFile, cmd: Any, ctx: Context) -> tuple[ReleaseRight, Link] | NotYet:
    right = _active_right(file, cmd, ctx.now)
    if isinstance(right, NotYet):
        return right
    link = right.pending
    if link is None or link.to_party != ctx.actor.party_id:
        # the transfer to it may still come, unless it already holds the right
        holds = right.holder == ctx.actor.party_id
        return NotYet("no transfer of this release right is waiting for you", may_wait=not holds)
    return right, link


def accept(file: ContainerFile, cmd: c.AcceptRight, ctx: Context) -> list[Event]:
    """Only the named next party may accept."""
    found = _pending_for(file, cmd, ctx)
    if isinstance(found, NotYet):
        return found.refuse(file, cmd)
    right, link = found
    link.status = LinkStatus.ACCEPTED
    link.to_is_transport_operator = ctx.actor.has(TRANSPORT_OPERATOR)
    right.pickup = None
    return [RightAccepted(file.container, right.release_ref, link.from_party, link.to_party)]


def decline(file: ContainerFile, cmd: c.DeclineRight, ctx: Context) -> list[Event]:
    """Only the named next party may decline; the right stays with the previous holder."""
    found = _pending_for(file, cmd, ctx)
    if isinstance(found, NotYet):
        return found.refuse(file, cmd)
    right, link = found
    link.status = LinkStatus.DECLINED
    return [
        RightDeclined(file.container, right.release_ref, link.from_party, link.to_party, cmd.reason)
    ]


def revoke_transfer(file: ContainerFile, cmd: c.RevokeTransfer, ctx: Context) -> list[Event]:
    """The previous holder may take a transfer back only until it is accepted."""
    right = _active_right(file, cmd, ctx.now)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    link = right.pending
    if link is None:
        # its transfer may still come, unless it made one that was answered already
        made = any(x.from_party == ctx.actor.party_id for x in right.chain)
        text = "no transfer is waiting; an accepted transfer cannot be revoked"
        return refuse(file, cmd, text, may_wait=not made)
    if link.from_party != ctx.actor.party_id:
        return refuse(file, cmd, "only the party that made the transfer may revoke it")
    link.status = LinkStatus.REVOKED
    return [TransferRevoked(file.container, right.release_ref, ctx.actor.party_id, link.to_party)]


def assign_pickup(file: ContainerFile, cmd: c.AssignPickup, ctx: Context) -> list[Event]:
    """Only a transport operator holding an accepted right names who collects."""
    right = _active_right(file, cmd, ctx.now)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    if right.holder != ctx.actor.party_id or not right.held_by_transport_operator:
        text = "only the transport operator holding the right may assign"
        return refuse(file, cmd, text, may_wait=_may_become_holder(right, ctx.actor.party_id))
    if not cmd.pickup.identity:
        return refuse(file, cmd, "a pickup needs a driver Alfapass number or a transport id")
    right.pickup = cmd.pickup
    terminal = file.gate_terminal()
    assigned = PickupAssigned(file.container, right.release_ref, ctx.actor.party_id, cmd.pickup)
    if cmd.pickup.mode is not PickupMode.TRUCK or terminal not in ctx.pin_terminals:
        return [assigned]
    text = f"terminal {terminal} lets containers out by PIN: no Alfapass authorisation is sent"
    return [assigned, ActionWarned(file.container, type(cmd).__name__, text)]


def revoke_pickup(file: ContainerFile, cmd: c.RevokePickup, ctx: Context) -> list[Event]:
    """The holding transport operator withdraws its pickup assignment."""
    right = _active_right(file, cmd, ctx.now)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    if right.holder != ctx.actor.party_id or right.pickup is None:
        # the assignment it withdraws may still come, unless someone else's stands
        text = "no pickup of yours is assigned to this release right"
        return refuse(file, cmd, text, may_wait=right.pickup is None)
    right.pickup = None
    return [PickupRevoked(file.container, right.release_ref, ctx.actor.party_id)]


def expire(file: ContainerFile, now: datetime) -> list[Event]:
    """A released right whose expiry has passed expires (no warning is sent before)."""
    right = file.right
    if right is None or not right.is_active() or now < right.expires_at:
        return []
    right.status = RightStatus.EXPIRED
    return [ReleaseExpired(file.container, right.release_ref, right.holder)]


Handler = Callable[[ContainerFile, Any, Context], list[Event]]

PARTY_HANDLERS: dict[type, Handler] = {
    c.ReleaseContainer: release,
    c.TransferRight: transfer,
    c.AcceptRight: accept,
    c.DeclineRight: decline,
    c.RevokeTransfer: revoke_transfer,
    c.AssignPickup: assign_pickup,
    c.RevokePickup: revoke_pickup,
}
