"""What only the releasing agent may do: update, block / unblock, revoke, delete.

A replace (COREOR function 5) updates; a cancel (function 1) revokes and resets the chain.
"""

from __future__ import annotations

from hub.domain import commands as c
from hub.domain.events import (
    Event,
    ReleaseBlocked,
    ReleaseDeleted,
    ReleaseRevoked,
    ReleaseUnblocked,
    ReleaseUpdated,
    RightTransferred,
    TransferRevoked,
)
from hub.domain.lifecycle import Context, Handler, NotYet, expired_on_arrival, offer, refuse
from hub.domain.light_subscriptions import RELEASE_DELETED, RELEASE_REVOKED, end_subscriptions
from hub.domain.model import Actor, ContainerFile, LinkStatus, ReleaseRight
from hub.domain.values import RightStatus


def _agents_right(
    file: ContainerFile, cmd: c.Command, ref: str, ctx: Context
) -> ReleaseRight | NotYet:
    """The agent's own release `ref`, or why not: a change before its original may wait for
    it; another agent's release, or one that ended, never becomes right."""
    right = file.right
    if right is None or right.release_ref != ref:
        return NotYet(f"no release {ref} for container {file.container}", may_wait=True)
    if right.agent != ctx.actor.party_id:
        return NotYet("only the agent that released the container may change its release")
    if right.status in (RightStatus.DELETED, RightStatus.PICKED_UP):
        return NotYet(f"release {ref} is {right.status.value}")
    return right


def update(file: ContainerFile, cmd: c.UpdateRelease, ctx: Context) -> list[Event]:
    """Fields given replace the current ones; a new first party only before anyone accepted."""
    right = _agents_right(file, cmd, cmd.release_ref, ctx)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    if right.status is RightStatus.REVOKED:
        return refuse(file, cmd, f"release {right.release_ref} is revoked; send a new release")
    if cmd.release_to is not None and ctx.recipient is None:
        return refuse(file, cmd, f"release party {cmd.release_to} is not known")
    to = ctx.recipient if cmd.release_to is not None else None
    readdress = to is not None and to.party_id != _first_party(right)
    if readdress and any(link.status is LinkStatus.ACCEPTED for link in right.chain):
        return refuse(file, cmd, "the first release party has accepted; revoke and release")
    changed = [
        name
        for name in ("bills_of_lading", "terminal", "port", "expires_at")
        if getattr(cmd, name) and getattr(cmd, name) != getattr(right, name)
    ]
    for name in changed:
        setattr(right, name, getattr(cmd, name))
    if right.status is RightStatus.EXPIRED and "expires_at" in changed:
        right.status = RightStatus.RELEASED
    readdressed = _readdress(file, right, to, ctx) if to is not None and readdress else []
    changed += ["release_to"] if readdressed else []
    late = expired_on_arrival(file, cmd, ctx.now) if "expires_at" in changed else []
    return [ReleaseUpdated(file.container, right.release_ref, tuple(changed)), *readdressed, *late]


def _first_party(right: ReleaseRight) -> str:
    """The party the release went to: who accepted it, else the one offered it last."""
    accepted = [link for link in right.chain if link.status is LinkStatus.ACCEPTED]
    if accepted:
        return accepted[0].to_party
    return right.chain[-1].to_party if right.chain else ""


def _readdress(file: ContainerFile, right: ReleaseRight, to: Actor, ctx: Context) -> list[Event]:
    """Nobody accepted yet: take back a waiting offer and offer the right to `to` instead."""
    events: list[Event] = []
    pending = right.pending
    if pending is not None:
        pending.status = LinkStatus.REVOKED
        events.append(
            TransferRevoked(file.container, right.release_ref, right.agent, pending.to_party)
        )
    link = offer(right, to, ctx.now)
    events.append(RightTransferred(file.container, right.release_ref, link.from_party, to.party_id))
    return events


def block(file: ContainerFile, cmd: c.BlockRelease, ctx: Context) -> list[Event]:
    """The commercial light turns red with the value ``blocked``."""
    right = _agents_right(file, cmd, cmd.release_ref, ctx)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    if right.status is not RightStatus.RELEASED:
        return refuse(file, cmd, f"release {right.release_ref} is {right.status.value}")
    right.status, right.reason = RightStatus.BLOCKED, cmd.reason
    return [ReleaseBlocked(file.container, right.release_ref, cmd.reason)]


def unblock(file: ContainerFile, cmd: c.UnblockRelease, ctx: Context) -> list[Event]:
    right = _agents_right(file, cmd, cmd.release_ref, ctx)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    if right.status is not RightStatus.BLOCKED:
        # the block it lifts may still come while the release stands
        text = f"release {right.release_ref} is not blocked"
        return refuse(file, cmd, text, may_wait=right.status is RightStatus.RELEASED)
    right.status, right.reason = RightStatus.RELEASED, ""
    return [ReleaseUnblocked(file.container, right.release_ref)]


def revoke(file: ContainerFile, cmd: c.RevokeRelease, ctx: Context) -> list[Event]:
    """The chain is reset: every party loses the right, the pickup is cancelled, light
    subscriptions end (their tokens are returned)."""
    right = _agents_right(file, cmd, cmd.release_ref, ctx)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    if right.status is RightStatus.REVOKED:
        return refuse(file, cmd, f"release {right.release_ref} is already revoked")
    former = right.parties()[1:]
    right.status, right.reason, right.chain, right.pickup = (
        RightStatus.REVOKED,
        cmd.reason,
        [],
        None,
    )
    return [
        ReleaseRevoked(file.container, right.release_ref, former, cmd.reason),
        *end_subscriptions(file, RELEASE_REVOKED),
    ]


def delete(file: ContainerFile, cmd: c.DeleteRelease, ctx: Context) -> list[Event]:
    right = _agents_right(file, cmd, cmd.release_ref, ctx)
    if isinstance(right, NotYet):
        return right.refuse(file, cmd)
    former = right.parties()[1:]
    right.status, right.reason, right.chain, right.pickup = (
        RightStatus.DELETED,
        cmd.reason,
        [],
        None,
    )
    return [
        ReleaseDeleted(file.container, right.release_ref, former),
        *end_subscriptions(file, RELEASE_DELETED),
    ]


AGENT_HANDLERS: dict[type, Handler] = {
    c.UpdateRelease: update,
    c.BlockRelease: block,
    c.UnblockRelease: unblock,
    c.RevokeRelease: revoke,
    c.DeleteRelease: delete,
}
