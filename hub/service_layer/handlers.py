"""Execute canonical commands against container files: policy checks, rules, side tables.

Policy that needs the registry lives here (is the recipient registered and active? does the
sender hold the role? does the accept cost a token?); the pure rules live in `hub.domain`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from hub.domain import authority, rules
from hub.domain import commands as c
from hub.domain.billing import TerminalAccess
from hub.domain.events import ActionRefused, ActionWarned, Event
from hub.domain.lifecycle import Context
from hub.domain.model import Actor, ContainerFile
from hub.domain.observations import apply_bl_status
from hub.domain.partners import Partner, may_receive_release
from hub.service_layer.ports import UnitOfWork

TokenGate = Callable[[UnitOfWork, ContainerFile, Any, Partner, str, datetime], str]
"""Charges a token when the action needs one; returns '' or the reason it cannot."""


def no_tokens(
    uow: UnitOfWork, file: ContainerFile, cmd: Any, p: Partner, ref: str, at: datetime
) -> str:
    """A token gate for deployments without token accounting."""
    return ""


@dataclass(frozen=True)
class Execution:
    """What one command did to one container."""

    container: str
    command: Any
    events: tuple[Event, ...]
    file: ContainerFile | None = field(default=None, compare=False, repr=False)
    """The file as saved by this command (None when it was refused and nothing was saved)."""

    @property
    def refused(self) -> ActionRefused | None:
        return next((e for e in self.events if isinstance(e, ActionRefused)), None)

    @property
    def warnings(self) -> tuple[ActionWarned, ...]:
        """What the sender should know although the command was applied."""
        return tuple(e for e in self.events if isinstance(e, ActionWarned))


def actor_of(partner: Partner) -> Actor:
    """The partner as the rules see it: who, in which roles and terminals, with what status."""
    return Actor(
        partner.party_id,
        frozenset(partner.roles),
        tuple(partner.terminals),
        str(partner.status),
    )


def execute(
    uow: UnitOfWork,
    cmd: Any,
    sender: Partner,
    now: datetime,
    message_ref: str,
    charge: TokenGate = no_tokens,
    may_wait: bool = False,
) -> list[Execution]:
    """Apply `cmd` to every container it concerns. `may_wait`: a refusal that may wait would
    be parked (see `Context.may_wait`).

    May the sender give it at all (status, role)? is asked first, so that a refused command
    leaves nothing behind, not even a B/L status whose containers the hub does not know yet."""
    reason = authority.refusal(actor_of(sender), cmd)
    if reason:
        return _refused(cmd, reason)
    if isinstance(cmd, c.RecordCustomsStatus) and cmd.bill_of_lading:
        uow.files.set_bl_status(cmd.bill_of_lading, cmd.status, now)
        targets = uow.files.containers_for_bl(cmd.bill_of_lading)
        return [
            _one(uow, replace(cmd, container=t), sender, now, message_ref, charge, may_wait)
            for t in targets
        ]
    if isinstance(cmd, c.LinkBillsOfLading):
        return [
            _one(uow, replace(cmd, containers=(t,)), sender, now, message_ref, charge, may_wait)
            for t in cmd.containers
        ]
    return [_one(uow, cmd, sender, now, message_ref, charge, may_wait)]


def _refused(cmd: Any, reason: str) -> list[Execution]:
    """One refusal per container the command names (a B/L status naming none: one, under
    the B/L's number, so that the answer says what was refused)."""
    named = cmd.containers if isinstance(cmd, c.LinkBillsOfLading) else (cmd.container,)
    action = type(cmd).__name__
    return [
        Execution(
            box or getattr(cmd, "bill_of_lading", ""), cmd, (ActionRefused(box, action, reason),)
        )
        for box in named or ("",)
    ]


def _container_of(cmd: Any) -> str:
    if isinstance(cmd, c.LinkBillsOfLading):
        return cmd.containers[0]
    return str(cmd.container)


def _one(
    uow: UnitOfWork,
    cmd: Any,
    sender: Partner,
    now: datetime,
    ref: str,
    charge: TokenGate,
    may_wait: bool = False,
) -> Execution:
    container = _container_of(cmd)
    file = uow.files.get(container)
    bills_before = file.bills_of_lading()
    recipient = _recipient(uow, cmd, _releasing_agent(file, cmd, sender))
    if isinstance(recipient, str):
        return Execution(container, cmd, (ActionRefused(container, type(cmd).__name__, recipient),))
    _prepare(uow, file, cmd)
    pin = pin_terminals(uow, file, getattr(cmd, "terminal", ""))
    events = rules.apply(file, cmd, Context(actor_of(sender), now, recipient, pin, may_wait))
    refusal = next((e for e in events if isinstance(e, ActionRefused)), None)
    if refusal is None:
        reason = charge(uow, file, cmd, sender, ref, now)
        if reason:
            refusal = ActionRefused(container, type(cmd).__name__, reason, "12")
            events = [refusal]
    if refusal is not None:
        return Execution(container, cmd, tuple(events))
    if file.bills_of_lading() != bills_before:
        _link_side_tables(uow, file, cmd)
    uow.files.save(file)
    return Execution(container, cmd, tuple(events), file)


def pin_terminals(uow: UnitOfWork, file: ContainerFile, *also: str) -> frozenset[str]:
    """Which of the file's terminal (and `also`, a terminal a command names) let containers
    out by PIN, by their operator's profile (``terminal_access``)."""
    found = set()
    for terminal in {file.gate_terminal(), *also} - {""}:
        operator = uow.partners.operator_of(terminal)
        if operator is not None and operator.terminal_access == TerminalAccess.PIN:
            found.add(terminal)
    return frozenset(found)


def _recipient(uow: UnitOfWork, cmd: Any, agent: str) -> Actor | str | None:
    """The party a release / transfer goes to, resolved; a reason string when refused:
    unknown, not active, or in no role that may hold a right (`agent` may, for its own)."""
    ref = getattr(cmd, "release_to", None) or getattr(cmd, "transfer_to", None)
    if ref is None:
        return None
    partner = uow.partners.resolve(ref)
    if partner is None:
        return f"party {ref} is not registered"
    refused = may_receive_release(partner, releasing_agent=agent)
    return str(refused) if refused is not None else actor_of(partner)


def _releasing_agent(file: ContainerFile, cmd: Any, sender: Partner) -> str:
    """The agent whose release `cmd` concerns: the sender of a release or update, else the
    agent of the file's release."""
    if isinstance(cmd, c.ReleaseContainer | c.UpdateRelease):
        return sender.party_id
    return file.right.agent if file.right else ""


def _prepare(uow: UnitOfWork, file: ContainerFile, cmd: Any) -> None:
    """Bring known B/L customs statuses into a file that a release names."""
    for bl in getattr(cmd, "bills_of_lading", ()) or ():
        status = uow.files.bl_status(bl)
        if status is not None:
            apply_bl_status(file, bl, status)


def _link_side_tables(uow: UnitOfWork, file: ContainerFile, cmd: Any) -> None:
    """Index the file under its B/Ls (called when they changed: links are never removed)."""
    for bl in file.bills_of_lading():
        uow.files.link_bl(bl, file.container)


def settle_due(uow: UnitOfWork, now: datetime, limit: int = 500) -> list[Execution]:
    """Expire rights whose time has come and withdraw their authorisations."""
    done: list[Execution] = []
    for container in uow.files.due_for_expiry(now, limit):
        file = uow.files.get(container)
        events = rules.settle(file, now, pin_terminals(uow, file))
        uow.files.save(file)
        done.append(Execution(container, None, tuple(events), file))
    return done
