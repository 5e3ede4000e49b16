"""Prepare and decide: read a delivery, then judge it unit by unit, writing nothing.

`prepare` identifies the sender and parses and maps the payload. `decide_whole` judges a
delivery rejected as a whole, `decide_unit` one interchange or XML document: each returns a
`Verdict` (see `verdicts`) for `pipeline.record` to write. Deciding reads through the unit of
work (the inbox, the partners, earlier answers); the only writes it causes are the commands'
own, made by `handlers.execute` (container files, tokens) — never audit, outbox, quarantine
or inbox, which are all `record`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from hub.domain.partners import Partner, may_act_for
from hub.domain.roles import RELEASE_PLATFORM
from hub.domain.values import PartyRef
from hub.errors import NotAllowed, PermanentError, Problem, SenderMismatch
from hub.mappers.base import MappedMessage, MapStatus
from hub.rendering import edifact as edi_text
from hub.service_layer import outbound, waiting
from hub.service_layer.context import HubContext
from hub.service_layer.handlers import execute
from hub.service_layer.intake import Unit, read_units, sha256
from hub.service_layer.ports import (
    DEAD_LETTER_HEADER,
    AuditEntry,
    Delivery,
    QuarantineKind,
    UnitOfWork,
)
from hub.service_layer.quarantine import Rejection, kind_of
from hub.service_layer.screening import claims_match, screen
from hub.service_layer.verdicts import (
    Applied,
    DeadLettered,
    Duplicate,
    InboxKey,
    MessageResult,
    Parked,
    Prepared,
    Readable,
    Rejected,
    UnknownSender,
    Unreadable,
    Verdict,
    Whole,
    inbox_key,
)

log = logging.getLogger("hub.pipeline")


def whole_payload_key(delivery: Delivery, sender: Partner | None, replay_of: int = 0) -> InboxKey:
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
        return DeadLettered(sender, dead, whole_payload_key(delivery, sender, replay_of))
    if sender is None:
        return UnknownSender(whole_payload_key(delivery, None, replay_of))
    try:
        units = read_units(delivery.body, strict=bool(sender.strict), limits=hub.limits)
    except PermanentError as error:
        return Unreadable(sender, error, whole_payload_key(delivery, sender, replay_of))
    return Readable(sender, tuple(screen(u, sender, hub.hub_ids) for u in units))


def decide_whole(
    prepared: Whole, delivery: Delivery, uow: UnitOfWork, hub: HubContext
) -> Duplicate | Rejected:
    """A delivery rejected as a whole is quarantined once: a redelivery of the same bytes
    (the commit was done, the ack was lost) is a duplicate."""
    now = hub.clock()
    who, dedup = prepared.key
    if uow.inbox.seen(who, dedup):
        actor = prepared.sender.party_id if prepared.sender else delivery.user_id or "?"
        log.info("duplicate payload %s from %s answered again", dedup, who)
        answers = outbound.repeat(uow.outbox.answers_to(who, dedup))
        return Duplicate(AuditEntry(now, actor, "duplicate", message_ref=dedup), tuple(answers))
    match prepared:
        case DeadLettered():
            return _dead_letter(prepared, delivery, now)
        case UnknownSender():
            return _unknown_sender(prepared, delivery, now)
        case Unreadable():
            return _unreadable(prepared, delivery, hub, now)


def _dead_letter(prepared: DeadLettered, delivery: Delivery, now: datetime) -> Rejected:
    """A message no consumer could finish within the delivery limit is not read again (it may
    be what kills the consumer): it is kept in quarantine for the operator to look at and
    replay, and audited. The sender gets no acknowledgement until then."""
    why = f"{prepared.reason}: no consumer finished it within the delivery limit; held for replay"
    log.error("message %s from %s quarantined: %s", delivery.message_id, delivery.user_id, why)
    actor = prepared.sender.party_id if prepared.sender else delivery.user_id or "?"
    rejection = Rejection(QuarantineKind.DEAD_LETTER, why, (Problem(why),))
    return Rejected(rejection, _rejected_payload(delivery, actor, why, now), prepared.key)


def _unknown_sender(prepared: UnknownSender, delivery: Delivery, now: datetime) -> Rejected:
    reason = f"broker user {delivery.user_id!r} is not a registered partner"
    log.warning("rejected delivery: %s", reason)
    rejection = Rejection(QuarantineKind.UNKNOWN_SENDER, reason, (Problem(reason),))
    audit = _rejected_payload(delivery, delivery.user_id or "?", reason, now)
    return Rejected(rejection, audit, prepared.key)


def _unreadable(
    prepared: Unreadable, delivery: Delivery, hub: HubContext, now: datetime
) -> Rejected:
    sender, error = prepared.sender, prepared.error
    log.warning("rejected payload from %s: %s", sender.party_id, error)
    problems = tuple(error.problems) or (Problem(error.reason),)
    rejection = Rejection(kind_of(error), str(error), problems)
    answers = outbound.payload_rejection(delivery, sender, error, hub.hub_id, now, prepared.key[1])
    audit = _rejected_payload(delivery, sender.party_id, str(error), now)
    return Rejected(rejection, audit, prepared.key, tuple(answers))


def _rejected_payload(delivery: Delivery, actor: str, reason: str, now: datetime) -> AuditEntry:
    ref = f"sha256:{sha256(delivery.body)}"
    return AuditEntry(now, actor, "rejected", message_ref=ref, details={"reason": reason})


def decide_unit(
    unit: Unit, sender: Partner, uow: UnitOfWork, hub: HubContext, replay_of: int = 0
) -> Verdict:
    """Deduplicate, check who sent it and as whom it acts, then execute its messages; a unit
    whose commands all wait for a precondition is `Parked` while the waiting window is on."""
    now = hub.clock()
    key = (sender.party_id, inbox_key(unit, replay_of))
    if uow.inbox.seen(*key):
        log.info("duplicate %s from %s answered again", unit.dedup_key, sender.party_id)
        again = outbound.repeat(uow.outbox.answers_to(sender.party_id, unit.dedup_key))
        details = {"format": unit.format}
        entry = AuditEntry(now, sender.party_id, "duplicate", "", unit.dedup_key, details)
        return Duplicate(entry, tuple(again), unit)
    acting = _acting_or_refusal(unit, sender, uow)
    if isinstance(acting, PermanentError):
        return reject_unit(unit, sender, acting, key, hub)
    return _apply(unit, sender, acting, key, uow, hub, now, bool(hub.waiting_window))


def decide_parked(
    unit: Unit, sender: Partner, uow: UnitOfWork, hub: HubContext, final: bool
) -> Rejected | Applied | Parked:
    """A parked unit again (`waiting`; its inbox row stays, so it is no duplicate): applied,
    still `Parked` — or, when `final` (its deadline passed), refused with its reason."""
    key = (sender.party_id, unit.dedup_key)
    acting = acting_party(unit, sender, uow)
    if isinstance(acting, PermanentError):
        return reject_unit(unit, sender, acting, key, hub)
    return _apply(unit, sender, acting, key, uow, hub, hub.clock(), not final)


def _acting_or_refusal(unit: Unit, sender: Partner, uow: UnitOfWork) -> Partner | PermanentError:
    """Who the unit acts as, or why it is refused as a whole: a claimed sender that is not the
    broker's, an organisation the sender may not act for, errors of the interchange."""
    if unit.claimed_sender and not claims_match(sender, unit.claimed_sender):
        return SenderMismatch(
            f"message claims sender {unit.claimed_sender!r} but arrived from {sender.party_id!r}"
        )
    acting = acting_party(unit, sender, uow)
    if isinstance(acting, Partner) and unit.errors:
        return PermanentError("interchange rejected", unit.errors)
    return acting


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


def reject_unit(
    unit: Unit, sender: Partner, error: PermanentError, key: InboxKey, hub: HubContext
) -> Rejected:
    """A unit refused as a whole: CONTRL with the problems, a negative acknowledgement per
    message, the lost messages named for the operator."""
    now = hub.clock()
    problems = list(error.problems) or [Problem(error.reason, code="12")]
    log.warning("rejected %s from %s: %s", unit.dedup_key, sender.party_id, error)
    answers = outbound.contrl(unit, sender, hub.hub_id, now, problems)
    for m in unit.messages:
        said = [*problems, *m.errors]  # what is wrong with the unit, then with the message
        answers += outbound.acknowledgement(
            unit, m, False, said, sender, hub.hub_id, now, m.containers
        )
    lost = [(m, m.containers) for m in unit.messages]
    reason = f"{error}; not applied: {naming_all(lost)}" if lost else str(error)
    rejection = Rejection(kind_of(error), reason, tuple(problems), named(lost))
    audit = AuditEntry(now, sender.party_id, "rejected", "", unit.dedup_key, {"reason": str(error)})
    return Rejected(rejection, audit, key, tuple(answers), max(1, len(unit.messages)), unit)


def _apply(
    unit: Unit,
    sender: Partner,
    acting: Partner,
    key: InboxKey,
    uow: UnitOfWork,
    hub: HubContext,
    now: datetime,
    may_park: bool = False,
) -> Applied | Parked:
    """Execute the unit's messages. `may_park`: a unit whose commands were all refused by rules
    that may wait (`waiting.waits`) is `Parked`, not answered."""
    results = tuple(
        _execute_message(m, unit, sender, acting, uow, hub, now, may_park) for m in unit.messages
    )
    full: list[Problem] = []
    if may_park:
        wait = waiting.waits([(r.mapped, r.executions) for r in results])
        if wait is not None:
            held = uow.waiting.waiting_count(key[0])
            if held < hub.waiting_per_sender:
                return Parked(unit, key, results, wait.reason, wait.containers)
            # decided again as if it could not wait: nothing of it applied (every command was
            # refused), and a fact that waits only while it may (a gate-out) then applies
            log.warning("not parked %s from %s: %d wait already", unit.dedup_key, key[0], held)
            text = f"not kept waiting: {held} of your messages wait already (the limit)"
            full.append(Problem(text, code="12"))
            results = tuple(
                _execute_message(m, unit, sender, acting, uow, hub, now) for m in unit.messages
            )
    answers = [
        ack
        for r in results
        for ack in outbound.acknowledgement(
            unit,
            r.mapped,
            r.accepted,
            [*r.problems, *([] if r.accepted else full), *r.warnings],
            sender,
            hub.hub_id,
            now,
            r.lost,
        )
    ]
    answers += outbound.contrl(unit, sender, hub.hub_id, now, [])
    return Applied(unit, key, results, tuple(answers), _rejections(results))


def _rejections(results: Sequence[MessageResult]) -> tuple[tuple[Rejection, int], ...]:
    """The rejected messages of an applied unit: one rejection per quarantine kind."""
    found = []
    rejected = [r for r in results if not r.accepted]
    for kind in (QuarantineKind.UNREADABLE, QuarantineKind.REFUSED):
        these = [r for r in rejected if r.kind is kind]
        if these:
            problems = [p for r in these for p in r.problems] or [
                Problem(f"message {r.mapped.ref} is {r.mapped.status.value}") for r in these
            ]
            lost = [(r.mapped, r.lost) for r in these]
            reason = "message(s) rejected: " + naming_all(lost)
            found.append((Rejection(kind, reason, tuple(problems), named(lost)), len(these)))
    return tuple(found)


def _execute_message(
    mapped: MappedMessage,
    unit: Unit,
    sender: Partner,
    acting: Partner,
    uow: UnitOfWork,
    hub: HubContext,
    now: datetime,
    may_wait: bool = False,
) -> MessageResult:
    ref = f"{unit.dedup_key}/{mapped.ref}"
    via = {} if acting is sender else {"on_behalf_of": acting.party_id}
    actor = acting.party_id if acting is sender else f"{acting.party_id} via {sender.party_id}"
    details = {"status": mapped.status.value, "containers": list(mapped.containers), **via}
    audit = [AuditEntry(now, sender.party_id, f"received {mapped.type}", "", ref, details)]
    if mapped.status is not MapStatus.MAPPED:
        problems = {"problems": [p.as_dict() for p in mapped.problems]}
        audit.append(AuditEntry(now, sender.party_id, "rejected", "", ref, problems))
        return MessageResult(mapped, ref, actor, tuple(audit))
    executions = tuple(
        ex
        for cmd in mapped.commands
        for ex in execute(uow, cmd, acting, now, ref, hub.charge, may_wait=may_wait)
    )
    return MessageResult(mapped, ref, actor, tuple(audit), executions)


_NAMED = 20
"""How many rejected messages a quarantine entry names one by one (an interchange may hold
thousands: the entry's metadata stays bounded, the payload holds the rest)."""


def naming_all(lost: Sequence[tuple[MappedMessage, Sequence[str]]]) -> str:
    """The first `_NAMED` rejected messages, named; the others counted."""
    said = "; ".join(_naming(m, c) for m, c in lost[:_NAMED])
    return f"{said}; and {len(lost) - _NAMED} more" if len(lost) > _NAMED else said


def _naming(mapped: MappedMessage, containers: Sequence[str]) -> str:
    """A rejected message as its quarantine reason names it: reference, document, containers."""
    said = [f"document {mapped.document}"] if mapped.document else []
    said += [edi_text.listed("containers ", containers, 200)] if containers else []
    return f"{mapped.ref} ({'; '.join(said)})" if said else mapped.ref


def named(lost: Sequence[tuple[MappedMessage, Sequence[str]]]) -> tuple[dict[str, object], ...]:
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
