"""Light subscriptions: a transport operator follows the lights of a container that still
needs a PIN (its terminal lets containers out by PIN, so there is no release right to accept
and no Alfapass authorisation to wait for).

A subscription runs until the subscriber ends it, the container is picked up (gate-out), or
the agent revokes or deletes the release; then the subscriber is told why. Subscribing again
while subscribed changes nothing (one token, charged by the service layer per subscription).
"""

from __future__ import annotations

from dataclasses import replace

from hub.domain import commands as c
from hub.domain.events import Event, LightsSubscribed, LightsUnsubscribed
from hub.domain.lifecycle import Context, refuse
from hub.domain.model import ContainerFile, LightSubscription
from hub.domain.roles import TRANSPORT_OPERATOR
from hub.domain.values import RightStatus

UNSUBSCRIBED = "unsubscribed"
PICKED_UP = "picked up"
RELEASE_REVOKED = "release revoked"
RELEASE_DELETED = "release deleted"
REFUNDED_ENDS = (RELEASE_REVOKED, RELEASE_DELETED)
"""Subscriptions ended by the agent: their token is returned."""


def subscribe(file: ContainerFile, cmd: c.SubscribeLights, ctx: Context) -> list[Event]:
    """Only a transport operator, only for a container at a PIN terminal, not yet picked up."""
    party = ctx.actor.party_id
    why_not = _why_not(file, ctx)
    if why_not:
        # a container whose terminal is not known yet may still be reported (or released)
        ended = file.right is not None and file.right.status is RightStatus.PICKED_UP
        return refuse(file, cmd, why_not, may_wait=not file.gate_terminal() and not ended)
    running = file.light_subscriptions.get(party)
    if running is not None and not running.ended:
        return []
    file.light_subscriptions[party] = LightSubscription(party, ctx.now)
    lights = tuple((n.value, li.colour.value, li.value) for n, li in file.lights().items())
    return [LightsSubscribed(file.container, party, lights)]


def _why_not(file: ContainerFile, ctx: Context) -> str:
    if not ctx.actor.has(TRANSPORT_OPERATOR):
        return "only a transport operator may subscribe to a container's lights"
    if file.right is not None and file.right.status is RightStatus.PICKED_UP:
        return f"container {file.container} has been picked up"
    terminal = file.gate_terminal()
    if not terminal:
        return f"the terminal of container {file.container} is not known yet"
    if terminal not in ctx.pin_terminals:
        return (
            f"terminal {terminal} lets containers out by Alfapass identity: accept the release "
            "right to follow the container's lights"
        )
    return ""


def unsubscribe(file: ContainerFile, cmd: c.UnsubscribeLights, ctx: Context) -> list[Event]:
    party = ctx.actor.party_id
    if party not in file.subscribers():
        text = f"no subscription of yours to the lights of {file.container}"
        return refuse(file, cmd, text, may_wait=party not in file.light_subscriptions)
    return _end(file, party, UNSUBSCRIBED)


def end_subscriptions(file: ContainerFile, reason: str) -> list[Event]:
    """End every running subscription (pickup, the agent's revoke or delete)."""
    return [e for party in file.subscribers() for e in _end(file, party, reason)]


def _end(file: ContainerFile, party: str, reason: str) -> list[Event]:
    file.light_subscriptions[party] = replace(file.light_subscriptions[party], ended=reason)
    return [LightsUnsubscribed(file.container, party, reason)]
