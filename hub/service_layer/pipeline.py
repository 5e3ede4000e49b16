"""`handle_inbound`: the whole way of one inbound message through the hub, one call per step.

    identify the sender (broker-validated user id) → parse and map (syntax, semantics)
    → screen the envelope (recipient, test indicator, NAD+MS: `screening`)
    → per interchange / XML document: deduplicate (a duplicate gets its original answers
    again, marked as a repeat) → check the claimed sender
    → per business message: execute its commands (policy, rules) → record audit, outbox
    (acknowledgements, gate messages, notifications), quarantine what was rejected, inbox row.

Everything happens inside the caller's unit of work; the caller commits, then acks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hub.domain import commands as c
from hub.domain.events import ActionRefused, Event
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner, may_act_for
from hub.domain.roles import RELEASE_PLATFORM
from hub.domain.values import PartyRef
from hub.errors import NotAllowed, PermanentError, Problem, SenderMismatch, Unstorable
from hub.mappers.base import MappedMessage, MapStatus
from hub.rendering import edifact as edi_text
from hub.service_layer import backups, outbound, waiting
from hub.service_layer.handlers import Execution, TokenGate, execute, no_tokens
from hub.service_layer.intake import Limits, Unit, read_units, sha256
from hub.service_layer.ports import (
    DEAD_LETTER_HEADER,
    AuditEntry,
    Clock,
    Delivery,
    Outgoing,
    QuarantineKind,
    UnitOfWork,
)
from hub.service_layer.quarantine import Rejection, keep_rejections, kind_of
from hub.service_layer.screening import claims_match, screen

log = logging.getLogger("hub.pipeline")


@dataclass(frozen=True)
class HubContext:
    """What the pipeline needs besides the unit of work."""

    clock: Clock
    limits: Limits = field(default_factory=Limits)
    hub_id: str = "CPUHUB"
    charge: TokenGate = no_tokens
    hub_aliases: tuple[str, ...] = ()
    """Other identifiers the hub answers to as a UNB recipient, besides `hub_id`."""

    @property
    def hub_ids(self) -> tuple[str, ...]:
        return (self.hub_id, *self.hub_aliases)

    backup_policy: backups.BackupPolicy | None = None
    """Signed backup snapshots pushed to terminals; None: none are."""
    waiting_window: timedelta = timedelta(0)
    """How long a message whose precondition is not met yet waits for it (`waiting`);
    zero: it is refused at once."""


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


@dataclass
class _MessageResult:
    mapped: MappedMessage
    executions: list[Execution] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        found = list(self.mapped.errors)
        for ex in self.executions:
            refusal = ex.refused
            if refusal is not None:
                found.append(
                    Problem(
                        f"{refusal.action} refused for {ex.container}: {refusal.reason}",
                        code=refusal.code,
                        message_ref=self.mapped.ref,
                    )
                )
        return found

    @property
    def warnings(self) -> list[Problem]:
        """Warnings of the rules about commands they applied (an expiry already passed)."""
        return [
            Problem(
                f"{w.action} for {ex.container}: {w.warning}",
                code=w.code,
                severity="warning",
                message_ref=self.mapped.ref,
            )
            for ex in self.executions
            for w in ex.warnings
        ]

    @property
    def accepted(self) -> bool:
        return self.mapped.status is MapStatus.MAPPED and not self.problems

    @property
    def kind(self) -> QuarantineKind:
        """Unreadable when it could not be mapped, refused when a rule said no."""
        if self.mapped.status is MapStatus.MAPPED and not self.mapped.errors:
            return QuarantineKind.REFUSED
        return QuarantineKind.UNREADABLE

    @property
    def lost(self) -> tuple[str, ...]:
        """Its containers that were not applied: all of them unless it was mapped, else
        those whose action was refused."""
        if self.mapped.status is not MapStatus.MAPPED:
            return self.mapped.containers
        return tuple(dict.fromkeys(ex.container for ex in self.executions if ex.refused))


@dataclass(frozen=True)
class Prepared:
    """A delivery read but not yet acted on: who sent it, and its units (or why none)."""

    sender: Partner | None
    units: tuple[Unit, ...] = ()
    error: PermanentError | None = None
    payload_key: tuple[str, str] | None = None
    """For a delivery rejected as a whole (no partner, unreadable, dead-lettered): the inbox
    row that makes its redelivery a duplicate instead of a second quarantine."""
    dead_letter: str = ""

    def dedup_keys(self, replay_of: int = 0) -> list[tuple[str, str]]:
        """The (sender, key) inbox rows its units would be deduplicated against."""
        if self.payload_key is not None:
            return [self.payload_key]
        if self.sender is None:
            return []
        return [(self.sender.party_id, _inbox_key(u, replay_of)) for u in self.units]


def whole_payload_key(
    delivery: Delivery, sender: Partner | None, replay_of: int = 0
) -> tuple[str, str]:
    """Inbox identity of a payload the hub cannot (or must not) read: its sender, or `?` and
    the broker user when it is no partner, and the SHA-256 of its bytes."""
    who = sender.party_id if sender is not None else f"?{delivery.user_id}"[:64]
    key = f"payload:{sha256(delivery.body)}"
    return who, f"{key}#replay{replay_of}" if replay_of else key


def prepare(delivery: Delivery, uow: UnitOfWork, hub: HubContext, replay_of: int = 0) -> Prepared:
    """Identify the sender, then parse and map the payload (nothing is written)."""
    sender = uow.partners.by_broker_user(delivery.user_id)
    dead = str(delivery.headers.get(DEAD_LETTER_HEADER) or "")
    if dead:
        return Prepared(
            sender, payload_key=whole_payload_key(delivery, sender, replay_of), dead_letter=dead
        )
    if sender is None:
        return Prepared(None, payload_key=whole_payload_key(delivery, None, replay_of))
    try:
        units = read_units(delivery.body, strict=bool(sender.strict), limits=hub.limits)
    except PermanentError as error:
        return Prepared(
            sender, error=error, payload_key=whole_payload_key(delivery, sender, replay_of)
        )
    return Prepared(sender, tuple(screen(u, sender, hub.hub_ids) for u in units))


def handle_batch(deliveries: Sequence[Delivery], uow: UnitOfWork, hub: HubContext) -> list[Outcome]:
    """Process several deliveries inside `uow`, in order, as `handle_inbound` each: all are
    read first, so that the inbox is asked about all of them at once, and the container
    files they change are locked together, in container order (see `lock_targets`)."""
    prepared = [prepare(d, uow, hub) for d in deliveries]
    uow.inbox.preload([key for p in prepared for key in p.dedup_keys()])
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
        if p.sender is None or p.payload_key is not None:
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
    outcome = Outcome()
    if prepared is None:
        prepared = prepare(delivery, uow, hub, replay_of)
    sender = prepared.sender
    if prepared.payload_key is not None:
        _reject_whole(delivery, prepared, prepared.payload_key, uow, hub, outcome)
    else:
        assert sender is not None  # a delivery without a partner has a payload key
        for unit in prepared.units:
            _process_unit(unit, delivery, sender, uow, hub, outcome, replay_of)
    _keep(delivery, sender, outcome, uow, hub.clock())
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
    """A parked unit again (its inbox row stays): applied; or, still waiting, `StillWaiting`
    is raised — unless `final` (its deadline passed): then refused with its reason."""
    outcome = Outcome()
    acting = acting_party(unit, sender, uow)
    if isinstance(acting, PermanentError):
        _reject_unit(unit, delivery, sender, acting, uow, hub, outcome)
    else:
        park = None if final else waiting.still_waiting
        _apply_unit(unit, delivery, sender, acting, uow, hub, outcome, park)
    _keep(delivery, sender, outcome, uow, hub.clock())
    return outcome


def expire_waiting(uow: UnitOfWork, hub: HubContext) -> list[Outcome]:
    """Refuse the parked messages whose deadline has passed (a periodic job of `hub run`)."""
    done = waiting.expire_due(uow, hub.limits, _parked_by(hub), hub.clock())
    return [o for o in done if isinstance(o, Outcome)]


def handle_unstorable(
    delivery: Delivery, uow: UnitOfWork, hub: HubContext, error: Unstorable, replay_of: int = 0
) -> Outcome:
    """`handle_inbound` once more, after it raised `Unstorable` (and was rolled back), with
    each unit in its own savepoint: a unit carrying a value the database cannot store is
    rejected with that reason, answered and kept; the other units are handled as usual.
    A delivery rejected as a whole has no units to tell apart: `error` is raised again."""
    prepared = prepare(delivery, uow, hub, replay_of)
    sender = prepared.sender
    if prepared.payload_key is not None or sender is None:
        raise error
    outcome = Outcome()
    now = hub.clock()
    for unit in prepared.units:
        done = Outcome()
        try:
            with uow.savepoint():
                _process_unit(unit, delivery, sender, uow, hub, done, replay_of)
        except Unstorable as refused:
            done = Outcome()
            _reject_unit(unit, delivery, sender, refused, uow, hub, done)
            key = _inbox_key(unit, replay_of)
            uow.inbox.record(sender.party_id, key, "rejected", sha256(delivery.body), now)
        outcome.merge(done)
    _keep(delivery, sender, outcome, uow, now)
    return outcome


def _inbox_key(unit: Unit, replay_of: int) -> str:
    return f"{unit.dedup_key}#replay{replay_of}" if replay_of else unit.dedup_key


def _process_unit(
    unit: Unit,
    delivery: Delivery,
    sender: Partner,
    uow: UnitOfWork,
    hub: HubContext,
    outcome: Outcome,
    replay_of: int,
) -> None:
    now = hub.clock()
    key = _inbox_key(unit, replay_of)
    outcome.channel = outcome.channel or unit.format
    outcome.types.extend(m.type for m in unit.messages)
    outcome.containers.extend(c for m in unit.messages for c in m.containers)
    if uow.inbox.seen(sender.party_id, key):
        _audit(uow, now, sender, "duplicate", unit.dedup_key, {"format": unit.format})
        log.info("duplicate %s from %s answered again", unit.dedup_key, sender.party_id)
        again = outbound.repeat(uow.outbox.answers_to(sender.party_id, unit.dedup_key))
        _answer(uow, again, delivery, now)
        outcome.duplicates += 1
        return
    if unit.claimed_sender and not claims_match(sender, unit.claimed_sender):
        error: PermanentError = SenderMismatch(
            f"message claims sender {unit.claimed_sender!r} but arrived from {sender.party_id!r}"
        )
        _reject_unit(unit, delivery, sender, error, uow, hub, outcome)
        uow.inbox.record(sender.party_id, key, "rejected", sha256(delivery.body), now)
        return
    acting = acting_party(unit, sender, uow)
    if isinstance(acting, PermanentError):
        _reject_unit(unit, delivery, sender, acting, uow, hub, outcome)
    elif unit.errors:
        error = PermanentError("interchange rejected", unit.errors)
        _reject_unit(unit, delivery, sender, error, uow, hub, outcome)
    else:
        park = None
        if hub.waiting_window:
            park = waiting.parker(unit, delivery, sender, uow, hub.waiting_window, now)
        _apply_unit(unit, delivery, sender, acting, uow, hub, outcome, park)
    uow.inbox.record(sender.party_id, key, outcome.status, sha256(delivery.body), now)


def acting_party(unit: Unit, sender: Partner, uow: UnitOfWork) -> Partner | PermanentError:
    """Who the action is taken as: the sender, or the organisation a release platform names
    in `onBehalfOf` — only when that organisation is linked to the platform."""
    if not unit.on_behalf_of:
        return sender
    if RELEASE_PLATFORM not in sender.roles:
        return NotAllowed(
            f"{sender.party_id} is not a release platform: it may not act for {unit.on_behalf_of!r}"
        )
    org = uow.partners.resolve(PartyRef(unit.on_behalf_of))
    if org is None or not may_act_for(sender, org.party_id):
        return NotAllowed(
            f"release platform {sender.party_id} may not act for "
            f"{unit.on_behalf_of!r}: not an organisation linked to it"
        )
    return org


def _apply_unit(
    unit: Unit,
    delivery: Delivery,
    sender: Partner,
    acting: Partner,
    uow: UnitOfWork,
    hub: HubContext,
    outcome: Outcome,
    park: waiting.Park | None = None,
) -> None:
    """`park`: what to do when every command waits (`waiting.waits`); None: refuse them."""
    now = hub.clock()
    results = [_apply_message(m, unit, sender, acting, uow, hub) for m in unit.messages]
    wait = waiting.waits([(r.mapped, r.executions) for r in results]) if park else None
    if park is not None and wait is not None:
        park(wait)  # the waiting room's decision point: parked, not answered yet
        outcome.parked += 1
        return
    outcome.changed.update(saved_files([ex for r in results for ex in r.executions]))
    rejected = [r for r in results if not r.accepted]
    for r in results:
        _answer(
            uow,
            outbound.acknowledgement(
                unit,
                r.mapped,
                r.accepted,
                [*r.problems, *r.warnings],
                sender,
                hub.hub_id,
                now,
                r.lost,
            ),
            delivery,
            now,
        )
    _answer(uow, outbound.contrl(unit, sender, hub.hub_id, now, []), delivery, now)
    for kind in (QuarantineKind.UNREADABLE, QuarantineKind.REFUSED):
        these = [r for r in rejected if r.kind is kind]
        if these:
            problems = [p for r in these for p in r.problems] or [
                Problem(f"message {r.mapped.ref} is {r.mapped.status.value}") for r in these
            ]
            lost = [(r.mapped, r.lost) for r in these]
            reason = "message(s) rejected: " + _naming_all(lost)
            outcome.reject(Rejection(kind, reason, tuple(problems), _named(lost)), len(these))
    outcome.applied += len(results) - len(rejected)
    outcome.events.extend(e for r in results for ex in r.executions for e in ex.events)


def _apply_message(
    mapped: MappedMessage,
    unit: Unit,
    sender: Partner,
    acting: Partner,
    uow: UnitOfWork,
    hub: HubContext,
) -> _MessageResult:
    now = hub.clock()
    result = _MessageResult(mapped)
    ref = f"{unit.dedup_key}/{mapped.ref}"
    via = {} if acting is sender else {"on_behalf_of": acting.party_id}
    _audit(
        uow,
        now,
        sender,
        f"received {mapped.type}",
        ref,
        {"status": mapped.status.value, "containers": list(mapped.containers), **via},
    )
    if mapped.status is not MapStatus.MAPPED:
        _audit(
            uow, now, sender, "rejected", ref, {"problems": [p.as_dict() for p in mapped.problems]}
        )
        return result
    for command in mapped.commands:
        result.executions.extend(execute(uow, command, acting, now, ref, hub.charge))
    label = acting.party_id if acting is sender else f"{acting.party_id} via {sender.party_id}"
    files = saved_files(result.executions)
    for ex in result.executions:
        record_events(uow, ex.events, label, ref, hub, files)
    return result


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
        _audit_raw(uow, AuditEntry(now, actor, type(event).__name__, event.container, ref, details))
        if isinstance(event, ActionRefused):
            continue
        _send(uow, outbound.for_event(event, uow, now, hub.hub_id, files), now)
        backups.on_event(uow, event, hub.backup_policy, hub.clock)


def _send(uow: UnitOfWork, messages: list[Outgoing], now: datetime) -> None:
    for message in messages:
        uow.outbox.add(message, now)


def _answer(uow: UnitOfWork, answers: list[Outgoing], delivery: Delivery, now: datetime) -> None:
    """Answers to `delivery`'s sender, correlated to its message id."""
    _send(uow, outbound.correlated(answers, delivery), now)


def _reject_unit(
    unit: Unit,
    delivery: Delivery,
    sender: Partner,
    error: PermanentError,
    uow: UnitOfWork,
    hub: HubContext,
    outcome: Outcome,
) -> None:
    now = hub.clock()
    problems = list(error.problems) or [Problem(error.reason, code="12")]
    log.warning("rejected %s from %s: %s", unit.dedup_key, sender.party_id, error)
    _audit(uow, now, sender, "rejected", unit.dedup_key, {"reason": str(error)})
    _answer(uow, outbound.contrl(unit, sender, hub.hub_id, now, problems), delivery, now)
    for m in unit.messages:
        said = [*problems, *m.errors]  # what is wrong with the unit, then with the message
        ack = outbound.acknowledgement(unit, m, False, said, sender, hub.hub_id, now, m.containers)
        _answer(uow, ack, delivery, now)
    lost = [(m, m.containers) for m in unit.messages]
    reason = f"{error}; not applied: {_naming_all(lost)}" if lost else str(error)
    rejection = Rejection(kind_of(error), reason, tuple(problems), _named(lost))
    outcome.reject(rejection, max(1, len(unit.messages)))


def _reject_whole(
    delivery: Delivery,
    prepared: Prepared,
    key: tuple[str, str],
    uow: UnitOfWork,
    hub: HubContext,
    outcome: Outcome,
) -> None:
    """Quarantine a delivery that is rejected as a whole, once: a redelivery of the same bytes
    (the commit was done, the ack was lost) is a duplicate."""
    now = hub.clock()
    who, dedup = key
    if uow.inbox.seen(who, dedup):
        actor = prepared.sender.party_id if prepared.sender else delivery.user_id or "?"
        uow.audit.append(AuditEntry(now, actor, "duplicate", message_ref=dedup, details={}))
        log.info("duplicate payload %s from %s answered again", dedup, who)
        _answer(uow, outbound.repeat(uow.outbox.answers_to(who, dedup)), delivery, now)
        outcome.duplicates += 1
        return
    if prepared.dead_letter:
        _reject_dead_letter(delivery, prepared.sender, prepared.dead_letter, uow, hub, outcome)
    elif prepared.sender is None:
        _reject_unknown_user(delivery, uow, hub, outcome)
    else:
        assert prepared.error is not None
        _reject_payload(delivery, prepared.sender, prepared.error, uow, hub, outcome, dedup)
    uow.inbox.record(who, dedup, "rejected", sha256(delivery.body), now)


def _reject_dead_letter(
    delivery: Delivery,
    sender: Partner | None,
    reason: str,
    uow: UnitOfWork,
    hub: HubContext,
    outcome: Outcome,
) -> None:
    """A message no consumer could finish within the delivery limit is not read again (it may
    be what kills the consumer): it is kept in quarantine for the operator to look at and
    replay, and audited. The sender gets no acknowledgement until then."""
    now = hub.clock()
    why = f"{reason}: no consumer finished it within the delivery limit; held for replay"
    log.error("message %s from %s quarantined: %s", delivery.message_id, delivery.user_id, why)
    actor = sender.party_id if sender else delivery.user_id or "?"
    ref = f"sha256:{sha256(delivery.body)}"
    uow.audit.append(AuditEntry(now, actor, "rejected", message_ref=ref, details={"reason": why}))
    outcome.reject(Rejection(QuarantineKind.DEAD_LETTER, why, (Problem(why),)))


def _reject_payload(
    delivery: Delivery,
    sender: Partner,
    error: PermanentError,
    uow: UnitOfWork,
    hub: HubContext,
    outcome: Outcome,
    key: str = "",
) -> None:
    now = hub.clock()
    log.warning("rejected payload from %s: %s", sender.party_id, error)
    problems = list(error.problems) or [Problem(error.reason)]
    _audit(uow, now, sender, "rejected", f"sha256:{sha256(delivery.body)}", {"reason": str(error)})
    answers = outbound.payload_rejection(delivery, sender, error, hub.hub_id, now, key)
    _answer(uow, answers, delivery, now)
    outcome.reject(Rejection(kind_of(error), str(error), tuple(problems)))


def _reject_unknown_user(
    delivery: Delivery, uow: UnitOfWork, hub: HubContext, outcome: Outcome
) -> None:
    now = hub.clock()
    reason = f"broker user {delivery.user_id!r} is not a registered partner"
    log.warning("rejected delivery: %s", reason)
    uow.audit.append(
        AuditEntry(
            now,
            delivery.user_id or "?",
            "rejected",
            message_ref=f"sha256:{sha256(delivery.body)}",
            details={"reason": reason},
        )
    )
    outcome.reject(Rejection(QuarantineKind.UNKNOWN_SENDER, reason, (Problem(reason),)))


def _keep(
    delivery: Delivery, sender: Partner | None, outcome: Outcome, uow: UnitOfWork, now: datetime
) -> None:
    outcome.quarantine_ids += keep_rejections(delivery, sender, outcome.rejections, uow, now)
    outcome.rejections.clear()


_NAMED = 20
"""How many rejected messages a quarantine entry names one by one (an interchange may hold
thousands: the entry's metadata stays bounded, the payload holds the rest)."""


def _naming_all(lost: Sequence[tuple[MappedMessage, Sequence[str]]]) -> str:
    """The first `_NAMED` rejected messages, named; the others counted."""
    named = "; ".join(_naming(m, c) for m, c in lost[:_NAMED])
    return f"{named}; and {len(lost) - _NAMED} more" if len(lost) > _NAMED else named


def _naming(mapped: MappedMessage, containers: Sequence[str]) -> str:
    """A rejected message as its quarantine reason names it: reference, document, containers."""
    said = [f"document {mapped.document}"] if mapped.document else []
    said += [edi_text.listed("containers ", containers, 200)] if containers else []
    return f"{mapped.ref} ({'; '.join(said)})" if said else mapped.ref


def _named(lost: Sequence[tuple[MappedMessage, Sequence[str]]]) -> tuple[dict[str, object], ...]:
    """The rejected messages named in the quarantine entry's problems, one per message (at
    most `_NAMED`), with its document number and (at most 100) containers."""
    return tuple(
        {
            "message": f"not applied: {_naming(m, containers)}",
            "message_ref": m.ref,
            "document": m.document,
            "containers": list(containers[:100]),
        }
        for m, containers in lost[:_NAMED]
    )


def _audit(
    uow: UnitOfWork, now: datetime, sender: Partner, action: str, ref: str, details: dict[str, Any]
) -> None:
    _audit_raw(uow, AuditEntry(now, sender.party_id, action, "", ref, details))


def _audit_raw(uow: UnitOfWork, entry: AuditEntry) -> None:
    uow.audit.append(entry)
