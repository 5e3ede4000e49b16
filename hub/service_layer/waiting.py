"""The waiting room: a business message whose precondition is not met *yet* waits for it.

Partners' systems are not synchronised and competing consumers reorder: an accept can arrive
before the release it accepts, a cancel before its original. The rules say which refusals may
wait (`ActionRefused.may_wait`); a unit every command of which was refused so (and nothing
applied) is **parked** instead of refused (the pipeline's `Parked` verdict, recorded by
`park`): stored with its payload, reason and a deadline, audited, and not answered yet. The
inbox records it, so a re-sent copy is a duplicate, not a second parking.

**Re-try** (`retry_after`): when a unit changes a container's file, the messages waiting for
that container are tried again in the order they arrived, in the same transaction, right after
that unit — under the same container lock, so that no other process can slip between the
change and the re-try, and atomically: the release and the accept it unblocked commit together
or not at all. Each re-try runs in a savepoint: one that still waits is undone (it stays
parked, nothing of it is written), one that fails is undone and left to expire. One that
applies has the effect it would have had in time (tokens, gate messages, notifications, audit
under its own message reference), and its answers go out correlated to its original message
id. What it changes re-tries the next ones (a transfer waiting for the accept).

**Expiry** (`expire_due`, a periodic job of `hub run`): after the window
(``HUB_WAITING_WINDOW``) a parked message is tried one last time and, if it still cannot
apply, refused with its real reason: answered, audited and quarantined (``refused``) like any
refusal, for replay.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from hub.domain.partners import Partner
from hub.errors import ConcurrencyConflict, PermanentError, Problem, TransientError
from hub.mappers.base import MappedMessage, MapStatus
from hub.service_layer.handlers import Execution
from hub.service_layer.intake import Limits, Unit, read_units
from hub.service_layer.ports import (
    AuditEntry,
    Delivery,
    ParkedMessage,
    QuarantineKind,
    UnitOfWork,
)
from hub.service_layer.quarantine import quarantine_entry

log = logging.getLogger("hub.waiting")

WAITING, APPLIED, REFUSED, FAILED = "waiting", "applied", "refused", "failed"

EXPIRY_ROUND, EXPIRY_ROUNDS = 100, 10
"""`expire_due` takes expired parked messages 100 at a time, up to 10 rounds a call."""

MAX_ROUNDS = 50
"""Re-tries that unblock further re-tries (release → accept → transfer → ...), at most."""


@dataclass(frozen=True)
class Wait:
    """Why a unit waits (every refusal, named) and the containers whose change re-tries it."""

    reason: str
    containers: tuple[str, ...]


class StillWaiting(Exception):
    """Raised inside a re-try's savepoint when the message still waits: undoes the attempt."""


class Applied(Protocol):
    """What a re-try needs to know of the pipeline's outcome (`pipeline.Outcome`)."""

    applied: int
    changed: set[str]


ApplyParked = Callable[[Unit, Delivery, Partner, UnitOfWork, bool], Applied]
"""The pipeline's way to process a parked unit again (`pipeline.apply_parked`); the flag is
`final`: refuse what still waits instead of raising `StillWaiting`."""


def waits(results: Sequence[tuple[MappedMessage, Sequence[Execution]]]) -> Wait | None:
    """Whether a unit's messages wait: all mapped, every command refused, every refusal one
    that may wait (decided by the rules: `ActionRefused.may_wait`). A unit of which anything
    applied or was refused for good is answered as usual."""
    executions = [ex for mapped, done in results for ex in done]
    if not executions or any(m.status is not MapStatus.MAPPED or m.errors for m, _ in results):
        return None
    refusals = [(ex.container, ex.refused) for ex in executions]
    if any(r is None or not r.may_wait for _, r in refusals):
        return None
    said = [f"{r.action} for {box}: {r.reason}" for box, r in refusals if r is not None]
    containers = tuple(dict.fromkeys(box for box, _ in refusals if box))
    return Wait("; ".join(dict.fromkeys(said)), containers) if containers else None


def park(
    wait: Wait,
    dedup_key: str,
    delivery: Delivery,
    sender: str,
    uow: UnitOfWork,
    window: timedelta,
    now: datetime,
) -> int:
    """A unit as it arrives into the waiting room until `now + window` (the pipeline's
    `Parked` verdict, recorded): stored with its payload, audited; its id."""
    parked = ParkedMessage(
        sender,
        dedup_key,
        delivery.body,
        wait.containers,
        wait.reason,
        now,
        now + window,
        broker_user=delivery.user_id,
        message_id=delivery.message_id,
        content_type=delivery.content_type,
    )
    parked_id = uow.waiting.park(parked)
    _claim_files(uow, wait.containers)
    details = {
        "reason": wait.reason,
        "containers": list(wait.containers),
        "deadline": parked.deadline.isoformat(),
        "waiting_id": parked_id,
    }
    box = wait.containers[0] if len(wait.containers) == 1 else ""
    uow.audit.append(AuditEntry(now, sender, "parked", box, dedup_key, details))
    log.info("parked %s from %s: %s", dedup_key, sender, wait.reason)
    return parked_id


def _claim_files(uow: UnitOfWork, containers: Sequence[str]) -> None:
    """Store the (empty) file of a container the hub has never seen, so that the parking and
    the message that will unblock it cannot pass each other unseen: the row lock of a file
    that exists already orders them (that message re-tries after this parking commits); for a
    new container, two inserts of its row collide and one transaction is retried. Without it,
    an accept parked on one process while its release commits on another would wait for
    nothing until its deadline."""
    for box in containers:
        file = uow.files.get(box)
        if file.version == 0:
            uow.files.save(file)


def retry_after(
    changed: Iterable[str],
    uow: UnitOfWork,
    limits: Limits,
    apply: ApplyParked,
    now: datetime,
) -> list[Applied]:
    """Re-try the messages waiting for the `changed` containers, in the order they arrived;
    what the applied ones change re-tries the next ones (at most `MAX_ROUNDS` rounds)."""
    done: list[Applied] = []
    todo = sorted(set(changed))
    for _ in range(MAX_ROUNDS):
        if not todo:
            break
        unblocked: set[str] = set()
        resolved: list[tuple[int, str]] = []
        for parked in uow.waiting.waiting_for(todo):
            outcome = _retry(parked, uow, limits, apply, now, False, resolved)
            if outcome is not None:
                done.append(outcome)
                unblocked |= outcome.changed
        uow.waiting.resolve(resolved, now)  # before the next round looks for what waits
        todo = sorted(unblocked)
    return done


def expire_due(
    uow: UnitOfWork, limits: Limits, apply: ApplyParked, now: datetime, limit: int = EXPIRY_ROUND
) -> list[Applied]:
    """Parked messages whose deadline has passed: tried one last time, and refused with their
    real reason (answered, audited, quarantined) when they still cannot apply. Rounds of
    `limit` until fewer are due, at most `EXPIRY_ROUNDS`: a backlog of expired messages is not
    refused a hundred a periodic tick."""
    done = []
    for _ in range(EXPIRY_ROUNDS):
        due = uow.waiting.due(now, limit)
        resolved: list[tuple[int, str]] = []
        for parked in due:
            outcome = _retry(parked, uow, limits, apply, now, True, resolved)
            if outcome is not None:
                done.append(outcome)
        uow.waiting.resolve(resolved, now)
        if len(due) < limit:
            break
    return done


def _retry(
    parked: ParkedMessage,
    uow: UnitOfWork,
    limits: Limits,
    apply: ApplyParked,
    now: datetime,
    final: bool,
    resolved: list[tuple[int, str]],
) -> Applied | None:
    """One parked message again, in a savepoint; None when it still waits (or failed and
    waits for its deadline). What no longer waits is added to `resolved` (id, status)."""
    found = _unit_of(parked, uow, limits)
    if isinstance(found, str):
        if final:
            _give_up(parked, uow, now, found, resolved)
        return None
    unit, sender = found
    try:
        # most re-tries still wait and are undone; one that applies keeps its rows buffered
        # with the batch's (values it carries were read and checked when it was parked). The
        # last try writes them here, so a value refused then is refused for it alone.
        with uow.savepoint(flush=final):
            outcome = apply(unit, parked.delivery(), sender, uow, final)
    except StillWaiting:
        return None
    except (TransientError, ConcurrencyConflict):
        raise
    except Exception as exc:  # a defect must not undo the message that unblocked it
        log.exception("re-try of parked message %d failed", parked.id)
        if final:
            _give_up(parked, uow, now, f"{type(exc).__name__}: {exc}", resolved)
        return None
    status = APPLIED if outcome.applied else REFUSED
    resolved.append((parked.id, status))
    waited = int((now - parked.parked_at).total_seconds())
    details = {"status": status, "waiting_id": parked.id, "waited_seconds": waited}
    uow.audit.append(AuditEntry(now, parked.sender, "wait ended", "", parked.dedup_key, details))
    log.info("parked %s from %s %s", parked.dedup_key, parked.sender, status)
    return outcome


def _unit_of(parked: ParkedMessage, uow: UnitOfWork, limits: Limits) -> tuple[Unit, Partner] | str:
    """The parked unit read again from its payload, and its sender; or why it cannot be."""
    sender = uow.partners.get(parked.sender)
    if sender is None:
        return f"sender {parked.sender} is no longer a partner"
    try:
        units = _read_again(parked.payload, bool(sender.strict), limits)
    except PermanentError as error:
        return f"payload can no longer be read: {error}"
    same = [u for u in units if u.dedup_key == parked.dedup_key]
    if not same and len(units) == 1:
        same = list(units)  # its key had to be shortened to be stored
    return (same[0], sender) if same else f"unit {parked.dedup_key} not found in its payload"


_READ_BYTES = 64 * 1024
"""A parked message is re-tried on every change of its containers until it applies, and its
payload is the same each time: payloads up to this size are read once per process (by the
bytes, how strictly and within which limits; `functools.lru_cache`, 1,024 of them), not on
every re-try. Units are not changed by deciding."""


def _read_again(payload: bytes, strict: bool, limits: Limits) -> tuple[Unit, ...]:
    if len(payload) > _READ_BYTES:
        return tuple(read_units(payload, strict=strict, limits=limits))
    return _read_kept(payload, strict, limits)


@functools.lru_cache(maxsize=1024)
def _read_kept(payload: bytes, strict: bool, limits: Limits) -> tuple[Unit, ...]:
    return tuple(read_units(payload, strict=strict, limits=limits))


def _give_up(
    parked: ParkedMessage,
    uow: UnitOfWork,
    now: datetime,
    why: str,
    resolved: list[tuple[int, str]],
) -> None:
    """A parked message that cannot be processed again is kept for the operator (quarantine,
    internal: it was readable when it arrived), audited, unanswered."""
    resolved.append((parked.id, FAILED))
    reason = f"parked message could not be processed again: {why}"
    entry = quarantine_entry(
        parked.delivery(), QuarantineKind.INTERNAL, reason, [Problem(reason)], None, now
    )
    uow.quarantine.add(entry)
    details = {"reason": why, "waiting_id": parked.id}
    uow.audit.append(AuditEntry(now, parked.sender, "wait failed", "", parked.dedup_key, details))
    log.error("parked %s from %s failed: %s", parked.dedup_key, parked.sender, why)


@dataclass(frozen=True)
class WaitingRow:
    """One parked message as the CLI and the console show it."""

    id: int
    sender: str
    containers: tuple[str, ...]
    reason: str
    parked_at: datetime
    deadline: datetime
    age_seconds: int
    message_id: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "sender": self.sender,
            "containers": " ".join(self.containers),
            "reason": self.reason,
            "age_seconds": self.age_seconds,
            "parked_at": self.parked_at.isoformat(),
            "deadline": self.deadline.isoformat(),
            "message_id": self.message_id,
        }


def listing(uow: UnitOfWork, now: datetime, limit: int = 500) -> list[WaitingRow]:
    """What waits now, oldest first: sender, containers, reason, age and deadline."""
    return [
        WaitingRow(
            p.id,
            p.sender,
            p.containers,
            p.reason,
            p.parked_at,
            p.deadline,
            max(0, int((now - p.parked_at).total_seconds())),
            p.message_id,
        )
        for p in uow.waiting.list(WAITING, limit)
    ]
