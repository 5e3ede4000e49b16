"""A portal user's release-right action, through the same path as an XML message.

The web route builds the canonical command (`hub.domain.commands`) and calls `perform`: one unit
of work in which the command is deduplicated by the inbox (sender = the user's company, key =
``portal:<the form's one-time key>``), executed by `handlers.execute` with the same token gate
the pipeline uses, and its events recorded by `pipeline.record_events` (audit with the acting
user ``PARTY/username``, notifications and gate messages into the outbox). A refusal is an
answer like an XML ack's: recorded, audited and shown on the page, never an exception.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub.domain import commands as c
from hub.domain.events import ActionRefused, Event
from hub.domain.users import User
from hub.errors import Unstorable
from hub.service_layer.handlers import execute
from hub.service_layer.identity import actor_of
from hub.service_layer.pipeline import HubContext, record_events, saved_files
from hub.service_layer.ports import AuditEntry, UnitOfWork

CHANNEL = "portal"
APPLIED, REFUSED, DUPLICATE = "applied", "refused", "duplicate"


@dataclass(frozen=True)
class ActionAnswer:
    """What became of a portal action: applied, refused (with the reason) or a duplicate of a
    form already submitted (no second effect)."""

    status: str
    reason: str = ""
    events: tuple[Event, ...] = ()


def inbox_key(form_key: str) -> str:
    """The inbox row of a portal form: its one-time key, under the portal channel."""
    return f"{CHANNEL}:{form_key}"


def act(
    uow: UnitOfWork, hub: HubContext, user: User, form_key: str, command: c.AnyCommand
) -> ActionAnswer:
    """Deduplicate, execute and record `command` as `user`'s company, inside `uow`."""
    now, party, key = hub.clock(), user.party_id, inbox_key(form_key)
    partner = uow.partners.get(party)
    if partner is None or not form_key:
        return ActionAnswer(REFUSED, "the form is not valid; reload the page")
    actor, ref = actor_of(user), f"{key}/{type(command).__name__}"
    container = getattr(command, "container", "")
    if container:  # lock the file first: a racing twin then waits, and finds the key below
        uow.files.preload([container])
    if uow.inbox.seen(party, key):
        uow.audit.append(AuditEntry(now, actor, "duplicate", "", key, {"channel": CHANNEL}))
        return ActionAnswer(DUPLICATE)
    _received(uow, now, actor, ref, command)
    executions = execute(uow, command, partner, now, ref, hub.charge)
    files = saved_files(executions)
    events = tuple(e for ex in executions for e in ex.events)
    for ex in executions:
        record_events(uow, ex.events, actor, ref, hub, files)
    refused = next((e for e in events if isinstance(e, ActionRefused)), None)
    status = REFUSED if refused is not None else APPLIED
    uow.inbox.record(party, key, "rejected" if refused else "applied", _digest(command), now)
    return ActionAnswer(status, refused.reason if refused else "", events)


def _received(uow: UnitOfWork, now: datetime, actor: str, ref: str, cmd: c.AnyCommand) -> None:
    container = getattr(cmd, "container", "")
    details = {"channel": CHANNEL, "command": type(cmd).__name__}
    uow.audit.append(AuditEntry(now, actor, "received portal action", container, ref, details))


def _digest(command: c.AnyCommand) -> str:
    return hashlib.sha256(repr(command).encode()).hexdigest()


def perform(
    uow_factory: Callable[[], UnitOfWork],
    hub: HubContext,
    user: User,
    form_key: str,
    command: c.AnyCommand,
) -> ActionAnswer:
    """`act` in its own unit of work, committed (a refusal too: it is audited and its key
    spent). Two submissions of one form racing: the one whose inbox row loses at commit is
    answered as the duplicate it is."""
    make = uow_factory
    try:
        with make() as uow:
            answer = act(uow, hub, user, form_key, command)
            uow.commit()
        return answer
    except Unstorable as exc:  # a value the database cannot hold: the form's problem, no 500
        return _unstorable(make, hub, user, command, exc)
    except Exception:
        with make() as uow:
            if uow.inbox.seen(user.party_id, inbox_key(form_key)):
                return ActionAnswer(DUPLICATE)
        raise


def _unstorable(
    make: Callable[[], UnitOfWork], hub: HubContext, user: User, cmd: c.AnyCommand, exc: Unstorable
) -> ActionAnswer:
    """The action was rolled back: audit its refusal (as the pipeline quarantines such a
    message) and answer with the reason."""
    container, reason = getattr(cmd, "container", ""), exc.problems[0].message
    details = {"channel": CHANNEL, "command": type(cmd).__name__, "reason": reason}
    with make() as uow:
        uow.audit.append(
            AuditEntry(hub.clock(), actor_of(user), "ActionRefused", container, CHANNEL, details)
        )
        uow.commit()
    return ActionAnswer(REFUSED, reason)
