"""What the pipeline makes of a delivery before it writes anything: values, not effects.

    prepare (`decisions.prepare`)  → a `Prepared`: `UnknownSender` | `DeadLettered` |
                                     `Unreadable` (rejected as a whole) | `Readable` (its units)
    decide  (`decisions.decide_*`) → a `Verdict` per unit (or one for a whole rejection):
                                     `Duplicate` | `Rejected` | `Applied` | `Parked`
    record  (`pipeline.record`)    → audit, outbox, inbox (a parked unit: the waiting room,
                                     no answer); the delivery's quarantine entries

Adding a verdict: a frozen dataclass here, added to `Verdict`; mypy then names every `match`
that must learn it (`assert_never` in `pipeline.record` and `Outcome.tally`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from hub.errors import PermanentError, Problem
from hub.mappers.base import MappedMessage, MapStatus
from hub.service_layer.ports import AuditEntry, Outgoing, QuarantineKind
from hub.service_layer.quarantine import Rejection

if TYPE_CHECKING:
    from hub.domain.partners import Partner
    from hub.service_layer.handlers import Execution
    from hub.service_layer.intake import Unit

InboxKey = tuple[str, str]
"""(sender, dedup key): the inbox row that makes a redelivery a duplicate."""


@dataclass(frozen=True)
class UnknownSender:
    """From a broker user that is no partner: rejected as a whole, unanswered."""

    key: InboxKey
    sender: None = None


@dataclass(frozen=True)
class DeadLettered:
    """No consumer finished it within the delivery limit: held unread, for replay."""

    sender: Partner | None
    reason: str
    key: InboxKey


@dataclass(frozen=True)
class Unreadable:
    """Not even its units could be told apart (syntax, limits): rejected as a whole."""

    sender: Partner
    error: PermanentError
    key: InboxKey


@dataclass(frozen=True)
class Readable:
    """Read, screened and mapped into units (interchanges, XML documents)."""

    sender: Partner
    units: tuple[Unit, ...]


Whole = UnknownSender | DeadLettered | Unreadable
"""A delivery rejected as a whole, once: its payload's inbox row makes a resend a duplicate."""
Prepared = Whole | Readable


def dedup_keys(prepared: Prepared, replay_of: int = 0) -> list[InboxKey]:
    """The inbox rows `prepared` would be deduplicated against (to preload them)."""
    if isinstance(prepared, Readable):
        who = prepared.sender.party_id
        return [(who, inbox_key(u, replay_of)) for u in prepared.units]
    return [prepared.key]


def inbox_key(unit: Unit, replay_of: int) -> str:
    """A unit's inbox key; a replay of quarantine entry N is deduplicated apart."""
    return f"{unit.dedup_key}#replay{replay_of}" if replay_of else unit.dedup_key


@dataclass(frozen=True)
class MessageResult:
    """One business message of an applied unit: what its commands did, as whom."""

    mapped: MappedMessage
    ref: str
    """`<unit dedup key>/<message ref>`: the audit and token reference of its effects."""
    actor: str
    """Who acted, as the audit names it (`PARTY` or `ORG via PLATFORM`)."""
    audit: tuple[AuditEntry, ...]
    """Its receipt (and its rejection when it could not be mapped), before its events."""
    executions: tuple[Execution, ...] = ()

    @cached_property
    def problems(self) -> list[Problem]:
        """Its mapping errors and refused actions (worked out once: a message of 25,000
        containers is asked about it for its answer, its quarantine entry and its count)."""
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
class Duplicate:
    """Already in the inbox: answered again with its original answers, marked as a repeat;
    audited, no other effect."""

    audit: AuditEntry
    answers: tuple[Outgoing, ...]
    unit: Unit | None = None
    """None for a payload rejected as a whole."""


@dataclass(frozen=True)
class Rejected:
    """Refused as a whole (a unit, or the payload): audited, answered when the sender can be
    answered, kept in quarantine, and recorded in the inbox as rejected."""

    rejection: Rejection
    audit: AuditEntry
    inbox: InboxKey
    answers: tuple[Outgoing, ...] = ()
    count: int = 1
    """How many units it counts as rejected (the messages of a unit, at least one)."""
    unit: Unit | None = None


@dataclass(frozen=True)
class Applied:
    """A unit whose messages were executed: their results (events, refusals), the answers
    (one acknowledgement per message, then CONTRL), and what of it goes to quarantine."""

    unit: Unit
    inbox: InboxKey
    results: tuple[MessageResult, ...]
    answers: tuple[Outgoing, ...]
    rejections: tuple[tuple[Rejection, int], ...] = ()
    """Per quarantine kind: the rejection and how many messages it stands for."""

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.results if r.accepted)

    @property
    def status(self) -> str:
        """The inbox outcome of the unit: applied, partial or rejected."""
        if not self.rejections:
            return "applied"
        return "partial" if self.accepted else "rejected"


@dataclass(frozen=True)
class Parked:
    """A unit every command of which was refused by a rule that may wait (its precondition is
    not met *yet*: `ActionRefused.may_wait`), while the waiting window is on: kept in the
    waiting room (`waiting`) until a change of `containers` lets it apply, or its deadline
    passes. Its receipt and refusals are audited; it is not answered yet; its inbox row makes
    a re-send a duplicate."""

    unit: Unit
    inbox: InboxKey
    results: tuple[MessageResult, ...]
    reason: str
    """Every refusal, named."""
    containers: tuple[str, ...]
    """The containers whose change re-tries it."""
    answers: tuple[Outgoing, ...] = ()
    """None yet: it is answered when it applies or is refused for good."""


Verdict = Duplicate | Rejected | Applied | Parked


def status_of(verdict: Verdict) -> str:
    """The outcome its inbox row records."""
    if isinstance(verdict, Applied):
        return verdict.status
    if isinstance(verdict, Parked):
        return "parked"
    return "duplicate" if isinstance(verdict, Duplicate) else "rejected"
