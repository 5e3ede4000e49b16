"""What the pipeline keeps of a rejected delivery: one quarantine entry per kind of problem.

`quarantine_entry` is the one place an entry is built (the worker's last resort uses it too);
the ledger stores each payload once by SHA-256 and bounds the reason and problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.domain.partners import Partner
from hub.errors import NotAllowed, PermanentError, Problem, SenderMismatch, Unstorable
from hub.service_layer.ports import Delivery, QuarantineEntry, QuarantineKind, UnitOfWork


@dataclass(frozen=True)
class Rejection:
    """Why (some of) a delivery was rejected, and what kind of problem that is."""

    kind: QuarantineKind
    reason: str
    problems: tuple[Problem, ...] = ()
    named: tuple[dict[str, object], ...] = ()
    """What was lost, named for the operator (message, document, containers)."""


def kind_of(error: PermanentError) -> QuarantineKind:
    """Refused (policy: who may send or act) or unreadable; unstorable for refused values."""
    if isinstance(error, Unstorable):
        return QuarantineKind.UNSTORABLE
    if isinstance(error, (SenderMismatch, NotAllowed)):
        return QuarantineKind.REFUSED
    return QuarantineKind.UNREADABLE


def keep_rejections(
    delivery: Delivery,
    sender: Partner | None,
    rejections: Sequence[Rejection],
    uow: UnitOfWork,
    now: datetime,
) -> list[int]:
    """Quarantine `rejections` of one delivery: one entry per kind however many units were
    rejected (a payload of 12,000 refused interchanges is one entry, not 12,000 copies)."""
    kinds: dict[QuarantineKind, list[Rejection]] = {}
    for rejection in rejections:
        kinds.setdefault(rejection.kind, []).append(rejection)
    ids = []
    for kind, these in kinds.items():
        first = these[0].reason
        reason = first if len(these) == 1 else f"{len(these)} units rejected; {first}"
        problems = [p for r in these for p in r.problems]
        named = [n for r in these for n in r.named]
        entry = quarantine_entry(delivery, kind, reason, problems, sender, now, named)
        ids.append(uow.quarantine.add(entry))
    return ids


def quarantine_entry(
    delivery: Delivery,
    kind: QuarantineKind,
    reason: str,
    problems: Sequence[Problem],
    sender: Partner | None,
    now: datetime,
    named: Sequence[dict[str, object]] = (),
) -> QuarantineEntry:
    """The one place a quarantine entry is built. `named` (what was lost, at most 20 entries)
    comes first: the ledger keeps only the first problems of a long list."""
    return QuarantineEntry(
        now,
        delivery.body,
        reason,
        (*named, *(p.as_dict() for p in problems)),
        broker_user=delivery.user_id,
        sender=sender.party_id if sender else "",
        content_type=delivery.content_type,
        kind=kind.value,
    )
