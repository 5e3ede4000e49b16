"""`handle_inbound`: the whole way of one inbound message through the hub, in three steps.

    prepare  identify the sender (broker-validated user id) → parse and map (syntax,
             semantics) → screen the envelope (recipient, test indicator, NAD+MS: `screening`)
    decide   per interchange / XML document: deduplicate (a duplicate gets its original
             answers again, marked as a repeat) → check the claimed sender and as whom it
             acts → execute its business messages' commands (policy, rules) → a `Verdict`
    record   audit, outbox (acknowledgements, gate messages, notifications), inbox row; at the
             end of the delivery, one quarantine entry per kind of what was rejected.

`decisions` holds the first two (they write nothing but the commands' own effects),
`verdicts` the values that pass between them. Everything happens inside the caller's unit of
work; the caller commits, then acks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import assert_never

from hub.domain import commands as c
from hub.domain.events import ActionRefused, Event
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner
from hub.errors import Problem, Unstorable
from hub.mappers.base import MapStatus
from hub.service_layer import backups, outbound, waiting
from hub.service_layer.context import HubContext
from hub.service_layer.decisions import (
    acting_party,
    decide_parked,
    decide_unit,
    decide_whole,
    prepare,
    reject_unit,
    whole_payload_key,
)
from hub.service_layer.handlers import Execution
from hub.service_layer.intake import Unit, sha256
from hub.service_layer.ports import AuditEntry, Delivery, Outgoing, UnitOfWork
from hub.service_layer.quarantine import Rejection, keep_rejections
from hub.service_layer.verdicts import (
    Applied,
    Duplicate,
    Parked,
    Prepared,
    Readable,
    Rejected,
    Verdict,
    dedup_keys,
    inbox_key,
    status_of,
)

__all__ = [
    "HubContext",
    "Outcome",
    "acting_party",
    "apply_parked",
    "expire_waiting",
    "handle_batch",
    "handle_inbound",
    "handle_unstorable",
    "lock_targets",
    "prepare",
    "record",
    "record_events",
    "saved_files",
    "whole_payload_key",
]


@dataclass
class Outcome:
    """What became of one delivery: counts per unit status, and where it was quarantined."""

    applied: int = 0
    rejected: int = 0
    duplicates: int = 0
    parked: int = 0
    """Units parked in the waiting room (not answered yet)."""
    changed: set[str] = field(default_factory=set)
    """The containers whose files its applied commands saved (their waiting messages are
    re-tried)."""
    quarantine_ids: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    """Kept in the quarantine when the delivery is done (`quarantine.keep_rejections`: one
    entry per kind, however many units)."""
    channel: str = ""
    """What it was read as (`edifact`, `xml`); empty when it could not be read at all."""
    types: list[str] = field(default_factory=list)
    """The business message types it carried (for metrics and logs)."""
    containers: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    """The domain events its commands produced (for metrics: tokens, gate messages)."""

    @property
    def status(self) -> str:
        if self.rejected:
            return "rejected" if not self.applied else "partial"
        if self.parked and not self.applied:
            return "parked"
        return "duplicate" if self.duplicates and not self.applied else "applied"

    def reject(self, rejection: Rejection, units: int = 1) -> None:
        self.rejections.append(rejection)
        self.rejected += units
        self.problems.extend(rejection.problems)

    def tally(self, verdict: Verdict) -> None:
        """Count `verdict` in (and keep its rejections for the quarantine)."""
        if verdict.unit is not None:
            unit = verdict.unit
            self.channel = self.channel or unit.format
            self.types.extend(m.type for m in unit.messages)
            self.containers.extend(c for m in unit.messages for c in m.containers)
        match verdict:
            case Duplicate():
                self.duplicates += 1
            case Rejected():
                self.reject(verdict.rejection, verdict.count)
            case Applied():
                for rejection, count in verdict.rejections:
                    self.reject(rejection, count)
                self.applied += verdict.accepted
                executions = [x for r in verdict.results for x in r.executions]
                self.events.extend(e for x in executions for e in x.events)
                self.changed.update(saved_files(executions))
            case Parked():
                self.parked += 1
            case _:
                assert_never(verdict)

    def merge(self, other: Outcome) -> None:
        self.applied += other.applied
        self.rejected += other.rejected
        self.duplicates += other.duplicates
        self.parked += other.parked
        self.changed |= other.changed
        self.problems.extend(other.problems)
        self.rejections.extend(other.rejections)
        self.channel = self.channel or other.channel
        self.types.extend(other.types)
        self.containers.extend(other.containers)
        self.events.extend(other.events)


def handle_batch(deliveries: Sequence[Delivery], uow: UnitOfWork, hub: HubContext) -> list[Outcome]:
    """Process several deliveries inside `uow`, in order, as `handle_inbound` each: all are
    read first, so that the inbox is asked about all of them at once, and the container
    files they change are locked together, in container order (see `lock_targets`). The
    messages waiting for the containers they changed are re-tried once, after the last one."""
    prepared = [prepare(d, uow, hub) for d in deliveries]
    uow.inbox.preload([key for p in prepared for key in dedup_keys(p)])
    containers, bills = lock_targets(prepared, uow)
    if containers or bills:
        uow.files.preload(containers, bills)
    outcomes = [
        handle_inbound(d, uow, hub, prepared=p, retry=False)
        for d, p in zip(deliveries, prepared, strict=True)
    ]
    if outcomes:
        _retry_waiting(outcomes[-1], {c for o in outcomes for c in o.changed}, uow, hub)
    return outcomes


def lock_targets(prepared: Sequence[Prepared], uow: UnitOfWork) -> tuple[list[str], list[str]]:
    """The containers the mapped commands of `prepared` name, and the B/Ls whose containers a
    customs status concerns, both sorted; units already in the inbox are left out."""
    containers: set[str] = set()
    bills: set[str] = set()
    for p in prepared:
        if not isinstance(p, Readable):
            continue
        for unit in p.units:
            if unit.errors or uow.inbox.seen(p.sender.party_id, unit.dedup_key):
                continue
            for mapped in unit.messages:
                if mapped.status is not MapStatus.MAPPED:
                    continue
                for command in mapped.commands:
                    if isinstance(command, c.LinkBillsOfLading):
                        containers.update(command.containers)
                    elif isinstance(command, c.RecordCustomsStatus) and command.bill_of_lading:
                        bills.add(command.bill_of_lading)
                    elif command.container:
                        containers.add(command.container)
    return sorted(containers), sorted(bills)


def handle_inbound(
    delivery: Delivery,
    uow: UnitOfWork,
    hub: HubContext,
    replay_of: int = 0,
    prepared: Prepared | None = None,
    retry: bool = True,
) -> Outcome:
    """Process one delivery inside `uow` (not committed here); `prepared` if already read.
    `retry`: then re-try the messages waiting for the containers it changed (`handle_batch`
    does that once for the whole batch)."""
    uow.outbox.caused_by(delivery.origin or hub.clock())
    if prepared is None:
        prepared = prepare(delivery, uow, hub, replay_of)
    outcome = Outcome()
    for verdict in _verdicts(prepared, delivery, uow, hub, replay_of):
        record(verdict, delivery, uow, hub)
        outcome.tally(verdict)
    _keep(delivery, prepared.sender, outcome, uow, hub.clock())
    if retry:
        _retry_waiting(outcome, outcome.changed, uow, hub)
    return outcome


def _retry_waiting(into: Outcome, changed: set[str], uow: UnitOfWork, hub: HubContext) -> None:
    """The waiting room's re-try hook: messages waiting for `changed` containers, applied
    now, are counted into `into` (their answers go to their own senders)."""
    if changed and hub.waiting_window:
        for done in waiting.retry_after(changed, uow, hub.limits, _parked_by(hub), hub.clock()):
            assert isinstance(done, Outcome)
            into.merge(done)


def _parked_by(hub: HubContext) -> waiting.ApplyParked:
    def apply(
        unit: Unit, delivery: Delivery, sender: Partner, uow: UnitOfWork, final: bool
    ) -> Outcome:
        return apply_parked(unit, delivery, sender, uow, hub, final)

    return apply


def apply_parked(
    unit: Unit, delivery: Delivery, sender: Partner, uow: UnitOfWork, hub: HubContext, final: bool
) -> Outcome:
    """A parked unit again (its inbox row stays): applied, or refused as a whole; still
    waiting, `waiting.StillWaiting` is raised (the caller's savepoint undoes the attempt) —
    unless `final` (its deadline passed): then it is refused with its reason. Its answers are
    correlated to its own delivery and timed from its origin (else now)."""
    uow.outbox.caused_by(delivery.origin or hub.clock())
    verdict = decide_parked(unit, sender, uow, hub, final)
    if isinstance(verdict, Parked):
        raise waiting.StillWaiting(verdict.reason)
    outcome = Outcome()
    record(verdict, delivery, uow, hub, inbox=False)
    outcome.tally(verdict)
    _keep(delivery, sender, outcome, uow, hub.clock())
    return outcome


def expire_waiting(uow: UnitOfWork, hub: HubContext) -> list[Outcome]:
    """Refuse the parked messages whose deadline has passed (a periodic job of `hub run`)."""
    done = waiting.expire_due(uow, hub.limits, _parked_by(hub), hub.clock())
    return [o for o in done if isinstance(o, Outcome)]


def _verdicts(
    prepared: Prepared, delivery: Delivery, uow: UnitOfWork, hub: HubContext, replay_of: int
) -> Iterator[Verdict]:
    """The verdicts on `prepared`, one unit at a time: each is decided after the one before
    was recorded, so that a unit repeated within the delivery is a duplicate."""
    if not isinstance(prepared, Readable):
        yield decide_whole(prepared, delivery, uow, hub)
        return
    for unit in prepared.units:
        yield decide_unit(unit, prepared.sender, uow, hub, replay_of)


def handle_unstorable(
    delivery: Delivery, uow: UnitOfWork, hub: HubContext, error: Unstorable, replay_of: int = 0
) -> Outcome:
    """`handle_inbound` once more, after it raised `Unstorable` (and was rolled back), with
    each unit in its own savepoint: a unit carrying a value the database cannot store is
    rejected with that reason, answered and kept; the other units are handled as usual.
    A delivery rejected as a whole has no units to tell apart: `error` is raised again."""
    prepared = prepare(delivery, uow, hub, replay_of)
    if not isinstance(prepared, Readable):
        raise error
    outcome = Outcome()
    uow.outbox.caused_by(delivery.origin or hub.clock())
    sender = prepared.sender
    for unit in prepared.units:
        verdict: Verdict
        try:
            with uow.savepoint():
                verdict = decide_unit(unit, sender, uow, hub, replay_of)
                record(verdict, delivery, uow, hub)
        except Unstorable as refused:
            key = (sender.party_id, inbox_key(unit, replay_of))
            verdict = reject_unit(unit, sender, refused, key, hub)
            record(verdict, delivery, uow, hub)
        outcome.tally(verdict)
    _keep(delivery, sender, outcome, uow, hub.clock())
    return outcome


def record(
    verdict: Verdict, delivery: Delivery, uow: UnitOfWork, hub: HubContext, inbox: bool = True
) -> None:
    """Write what `verdict` says: audit entries (and an applied unit's events, with the gate
    messages and notifications they cause; a parked unit into the waiting room), the answers
    to the sender, the inbox row (`inbox`: a parked unit re-tried has its row already)."""
    now = hub.clock()
    match verdict:
        case Duplicate() | Rejected():
            uow.audit.append(verdict.audit)
        case Applied() | Parked():
            for result in verdict.results:
                for entry in result.audit:
                    uow.audit.append(entry)
                files = saved_files(result.executions)
                for ex in result.executions:
                    record_events(uow, ex.events, result.actor, result.ref, hub, files)
            if isinstance(verdict, Parked):
                wait = waiting.Wait(verdict.reason, verdict.containers)
                who, _ = verdict.inbox
                key = verdict.unit.dedup_key
                waiting.park(wait, key, delivery, who, uow, hub.waiting_window, now)
        case _:
            assert_never(verdict)
    _send(uow, outbound.correlated(verdict.answers, delivery), now)
    if inbox and not isinstance(verdict, Duplicate):
        who, key = verdict.inbox
        uow.inbox.record(who, key, status_of(verdict), sha256(delivery.body), now)


def saved_files(executions: Sequence[Execution]) -> dict[str, ContainerFile]:
    """Each container's file as the last of `executions` that changed it saved it."""
    return {ex.container: ex.file for ex in executions if ex.file is not None}


def record_events(
    uow: UnitOfWork,
    events: tuple[Event, ...],
    actor: str,
    ref: str,
    hub: HubContext,
    files: Mapping[str, ContainerFile] | None = None,
) -> None:
    """Audit every event; turn gate events and notifications into outbox messages.

    `files`: the containers' files as last saved in this unit of work (see `saved_files`),
    so that they need not be read again."""
    now = hub.clock()
    for event in events:
        details = outbound.event_details(event)
        entry = AuditEntry(now, actor, type(event).__name__, event.container, ref, details)
        uow.audit.append(entry)
        if isinstance(event, ActionRefused):
            continue
        _send(uow, outbound.for_event(event, uow, now, hub.hub_id, files), now)
        backups.on_event(uow, event, hub.backup_policy, hub.clock)


def _send(uow: UnitOfWork, messages: Sequence[Outgoing], now: datetime) -> None:
    for message in messages:
        uow.outbox.add(message, now)


def _keep(
    delivery: Delivery, sender: Partner | None, outcome: Outcome, uow: UnitOfWork, now: datetime
) -> None:
    """The delivery's quarantine entries: one per kind, however many units were rejected."""
    outcome.quarantine_ids += keep_rejections(delivery, sender, outcome.rejections, uow, now)
    outcome.rejections.clear()
