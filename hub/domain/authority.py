"""Who may do what: authority by status, by role and by relationship — never by a claim.

The actor is the authenticated partner (or the organisation a linked release platform acts
for), with its registration status, roles and terminals; nothing a message says about itself
grants anything. Three questions, in order, before any rule runs:

1. **Status**: only an active partner acts (not requested, approved, denied or suspended).
2. **Role**: each command needs one of the roles in `REQUIRED_ROLES` (customs statuses only
   from customs, terminal facts only from terminal operators, releases only from ship agents).
3. **Relationship** with the container: terminal facts only from the operator of the terminal
   where the container is (the release's terminal; for a release that names none, the
   terminal that reported the container); once a container is released, B/L links only from
   the agent that released it, or from customs.

The relationships that need the chain (the agent only for its own release, the holder, the
offeree) are checked by the lifecycle rules themselves; who may *receive* a right is
`hub.domain.partners.may_receive_release`.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.domain import commands as c
from hub.domain.model import Actor, ContainerFile
from hub.domain.roles import (
    CUSTOMS,
    RELEASE_PARTY,
    SHIP_AGENT,
    TERMINAL_OPERATOR,
    TRANSPORT_OPERATOR,
)
from hub.domain.values import RightStatus

ONLY_AGENT = "only the agent that released the container may change its release"
_CHAIN = frozenset({RELEASE_PARTY, TRANSPORT_OPERATOR, SHIP_AGENT})
_ON_CHAIN = "only a release party, transport operator or ship agent may act on a release right"

REQUIRED_ROLES: Mapping[type, tuple[frozenset[str], str]] = {
    c.ReleaseContainer: (frozenset({SHIP_AGENT}), "only a ship agent may release a container"),
    c.UpdateRelease: (frozenset({SHIP_AGENT}), ONLY_AGENT),
    c.BlockRelease: (frozenset({SHIP_AGENT}), ONLY_AGENT),
    c.UnblockRelease: (frozenset({SHIP_AGENT}), ONLY_AGENT),
    c.RevokeRelease: (frozenset({SHIP_AGENT}), ONLY_AGENT),
    c.DeleteRelease: (frozenset({SHIP_AGENT}), ONLY_AGENT),
    c.TransferRight: (_CHAIN, _ON_CHAIN),
    c.AcceptRight: (_CHAIN, _ON_CHAIN),
    c.DeclineRight: (_CHAIN, _ON_CHAIN),
    c.RevokeTransfer: (_CHAIN, _ON_CHAIN),
    c.AssignPickup: (_CHAIN, _ON_CHAIN),
    c.RevokePickup: (_CHAIN, _ON_CHAIN),
    c.SubscribeLights: (
        frozenset({TRANSPORT_OPERATOR}),
        "only a transport operator may subscribe to a container's lights",
    ),
    c.UnsubscribeLights: (
        frozenset({TRANSPORT_OPERATOR}),
        "only a transport operator may unsubscribe from a container's lights",
    ),
    c.RecordCustomsStatus: (frozenset({CUSTOMS}), "only customs may report a customs status"),
    c.RecordTerminalEvent: (
        frozenset({TERMINAL_OPERATOR}),
        "only a terminal operator may report terminal events",
    ),
    c.LinkBillsOfLading: (
        frozenset({SHIP_AGENT, CUSTOMS}),
        "only a ship agent or customs may link B/Ls to containers",
    ),
}
"""Per command type: the roles of which the actor must hold one, and the refusal otherwise."""


def refusal(actor: Actor, command: object, file: ContainerFile | None = None) -> str:
    """Why `actor` may not give `command` (for `file`, when given); '' when it may.

    Without a file only status and role are checked (a B/L status before the hub knows its
    containers); with one, the relationship too.
    """
    if actor.status != "active":
        return f"party {actor.party_id} is not active (status {actor.status}): it may not act"
    needed = REQUIRED_ROLES.get(type(command))
    if needed is not None and not needed[0] & actor.roles:
        return needed[1]
    if file is None:
        return ""
    if isinstance(command, c.RecordTerminalEvent):
        return _terminal_refusal(actor, command, file)
    if isinstance(command, c.LinkBillsOfLading):
        return _link_refusal(actor, file)
    return ""


def release_terminal(file: ContainerFile) -> str:
    """The terminal a current (not yet picked-up or deleted) release names, else ''."""
    return file.right.terminal if _current(file) and file.right else ""


def container_terminal(file: ContainerFile) -> str:
    """Where a released container is: the terminal its current release names; for a release
    that names none, the terminal that reported it. '' when not released."""
    return release_terminal(file) or (file.terminal if _current(file) else "")


def reporting_terminal(actor: Actor, cmd: c.RecordTerminalEvent, file: ContainerFile) -> str:
    """The terminal a terminal fact is about: the one it names, else where the released
    container is, else the sender's own when it operates exactly one; '' when none says."""
    sole = actor.terminals[0] if len(actor.terminals) == 1 else ""
    return cmd.terminal or container_terminal(file) or sole


def _terminal_refusal(actor: Actor, cmd: c.RecordTerminalEvent, file: ContainerFile) -> str:
    """Terminal facts count only from the operator of the terminal where the container is."""
    where = container_terminal(file)
    if where and cmd.terminal and cmd.terminal != where:
        verb = "is released" if release_terminal(file) else "was reported"
        return f"container {file.container} {verb} at terminal {where}"
    terminal = reporting_terminal(actor, cmd, file)
    if not actor.terminals:
        return f"{actor.party_id} operates no terminal registered with the hub"
    if not terminal:
        return "the report names no terminal, and the sender operates several"
    if terminal not in actor.terminals:
        return f"terminal {terminal} is not operated by the sender"
    return ""


def _current(file: ContainerFile) -> bool:
    """True while the container's release has not ended (picked up or deleted)."""
    right = file.right
    return right is not None and right.status not in (RightStatus.PICKED_UP, RightStatus.DELETED)


def _link_refusal(actor: Actor, file: ContainerFile) -> str:
    """Once released, only the releasing agent (or customs) links B/Ls to the container."""
    right = file.right
    if not _current(file) or actor.has(CUSTOMS) or (right and right.agent == actor.party_id):
        return ""
    return (
        f"only the agent that released container {file.container}, or customs, may link B/Ls to it"
    )
