"""One entry point for the business rules: apply a command to a container file.

`apply` runs the command's handler, then recomputes the lights and the gate decision, and
returns every event in order: what the command did (or why it was refused), the lights that
changed, and a gate authorisation or withdrawal when the decision changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain import authority
from hub.domain import commands as c
from hub.domain.agent import AGENT_HANDLERS
from hub.domain.events import ActionRefused, Event
from hub.domain.gate import light_changes, reconcile
from hub.domain.lifecycle import PARTY_HANDLERS, Context, Handler, expire, refuse
from hub.domain.light_subscriptions import subscribe, unsubscribe
from hub.domain.model import ContainerFile
from hub.domain.observations import link_bill, record_customs, record_terminal

HANDLERS: dict[type, Handler] = {
    **PARTY_HANDLERS,
    **AGENT_HANDLERS,
    c.RecordCustomsStatus: record_customs,
    c.RecordTerminalEvent: record_terminal,
    c.LinkBillsOfLading: link_bill,
    c.SubscribeLights: subscribe,
    c.UnsubscribeLights: unsubscribe,
}


def apply(file: ContainerFile, command: Any, ctx: Context) -> list[Event]:
    """Apply one command; refused commands change nothing and yield only the refusal.

    Who may give it (`authority.refusal`) is asked first, whatever the command says."""
    handler = HANDLERS.get(type(command))
    if handler is None:
        return [ActionRefused(file.container, type(command).__name__, "not supported", "13")]
    reason = authority.refusal(ctx.actor, command, file)
    if reason:
        return refuse(file, command, reason)
    events = handler(file, command, ctx)
    if any(isinstance(e, ActionRefused) for e in events):
        return events
    return [*events, *settle(file, ctx.now, ctx.pin_terminals)]


def settle(
    file: ContainerFile, now: datetime, pin_terminals: frozenset[str] = frozenset()
) -> list[Event]:
    """Expire if due, then report changed lights and the changed gate decision."""
    return [*expire(file, now), *light_changes(file), *reconcile(file, now, pin_terminals)]
