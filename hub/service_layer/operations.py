"""The operations console's services (issue 18), for users of the hub team (`UserRole.OPERATOR`).

- The quarantine: find held entries by kind, sender, reason text (also searched in the
  problems) and date; show one with its payload bounded; replay one, or replay all that match a
  filter a bounded batch at a time. `replay_entry` is the one replay path (the CLI's
  `hub quarantine replay` calls it too).
- Registrations: what waits for the hub team's decision.
- A container's timeline from the audit trail; what was sent to a partner or terminal.

Every operator action is audited under the operator (`identity.actor_of`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from hub.domain.partners import Partner, Status
from hub.domain.refusals import Refusal
from hub.domain.users import User, UserRole, email_problem
from hub.service_layer import approvals, identity
from hub.service_layer.identity import Done, actor_of
from hub.service_layer.identity_ports import IdentityStore
from hub.service_layer.pipeline import HubContext, Outcome, handle_inbound
from hub.service_layer.ports import (
    AuditEntry,
    Checkpoint,
    Delivery,
    QuarantineEntry,
    QuarantineFilter,
    SentMessage,
    UnitOfWork,
)

OPERATORS_PARTY = "HUB"
"""The party id of the hub team's users (no partner row: they act for the hub, not a company)."""
PAYLOAD_SHOWN = 64 * 1024
"""How much of a quarantined payload the console shows."""
BATCH = 20
"""How many entries one "replay all" request replays."""
PAGE = 50
"""How many held entries one console page lists."""
"""How many entries one "replay all" request replays."""
PENDING = (Status.REQUESTED, Status.RESUBMITTED)


def is_operator(user: User | None) -> bool:
    """True for an active user of the hub team."""
    return user is not None and user.role is UserRole.OPERATOR


@dataclass(frozen=True)
class Page:
    """One page of held entries that match a filter: `total` match in all; `after` is the id
    the next page starts after (0: this is the last page)."""

    entries: list[QuarantineEntry]
    total: int
    after: int


def held(uow: UnitOfWork, query: QuarantineFilter, after: int = 0, size: int = 0) -> Page:
    """The held entries that match `query`, oldest first, `size` (default `PAGE`) at a time
    after id `after` (filtered and paged by the database, however many are held)."""
    size = size or PAGE
    entries = uow.quarantine.find(query, size + 1, after)
    total, _last = uow.quarantine.tally(query)
    more = len(entries) > size
    return Page(entries[:size], total, entries[size - 1].id if more else 0)


@dataclass(frozen=True)
class EntryView:
    """One entry for display: its payload decoded and cut at `PAYLOAD_SHOWN`."""

    entry: QuarantineEntry
    payload: str
    cut: bool


def entry_view(uow: UnitOfWork, entry_id: int) -> EntryView | None:
    """The entry `entry_id` with a bounded payload, or None."""
    q = uow.quarantine.get(entry_id)
    if q is None:
        return None
    text = q.payload[:PAYLOAD_SHOWN].decode("utf-8", "replace")
    return EntryView(q, text, len(q.payload) > PAYLOAD_SHOWN)


def replay_entry(
    uow: UnitOfWork, hub: HubContext, entry_id: int, at: datetime, actor: str, cause: str
) -> Outcome | Refusal:
    """Run a held entry's payload through the pipeline again and mark it replayed; audited
    as done by `actor` (an operator's ``HUB/username``, or ``hub``) through `cause`."""
    q = uow.quarantine.get(entry_id)
    if q is None or q.status != "held":
        return Refusal(f"no held quarantine entry {entry_id}", "not-held")
    delivery = Delivery(q.payload, q.broker_user, f"replay-{entry_id}", q.content_type)
    outcome = handle_inbound(delivery, uow, hub, replay_of=entry_id)
    uow.quarantine.mark(entry_id, "replayed", at)
    again = ",".join(str(i) for i in outcome.quarantine_ids)
    details = {"entry": entry_id, "outcome": outcome.status, "quarantined_again": again}
    uow.audit.append(AuditEntry(at, actor[:64], "QuarantineReplayed", "", cause, details))
    return outcome


@dataclass(frozen=True)
class Batch:
    """What one "replay all" request did: `done` entries replayed (applied or quarantined
    again: `again`) and `left` still matching."""

    done: int
    again: int
    left: int
    upto: int
    """The highest entry id of the run: the next batch passes it on (`QuarantineFilter.upto`)."""


def replay_matching(
    uow: UnitOfWork, hub: HubContext, user: User, query: QuarantineFilter, at: datetime
) -> Done[Batch] | Refusal:
    """Replay up to `BATCH` held entries that match `query`, oldest first; the first batch of
    a run fixes its last entry (`Batch.upto`)."""
    if not is_operator(user):
        return Refusal("only the hub team replays quarantined messages", "not-operator")
    total, last = uow.quarantine.tally(query)
    if not query.upto and last:
        query = replace(query, upto=last)
    todo = uow.quarantine.find(query, BATCH)
    again = 0
    for q in todo:
        outcome = replay_entry(uow, hub, q.id, at, actor_of(user), "console")
        again += bool(not isinstance(outcome, Refusal) and outcome.quarantine_ids)
    return Done(Batch(len(todo), again, total - len(todo), query.upto))


def replay_one(
    uow: UnitOfWork, hub: HubContext, user: User, entry_id: int, at: datetime
) -> Done[Outcome] | Refusal:
    """An operator replays one entry."""
    if not is_operator(user):
        return Refusal("only the hub team replays quarantined messages", "not-operator")
    outcome = replay_entry(uow, hub, entry_id, at, actor_of(user), "console")
    return outcome if isinstance(outcome, Refusal) else Done(outcome)


def pending(uow: UnitOfWork) -> tuple[list[Partner], list[Partner]]:
    """Registrations waiting for a decision, and partners with requested roles."""
    partners = uow.partners.all()
    waiting = [p for p in partners if p.status in PENDING]
    asking = [p for p in partners if p.pending_roles and p not in waiting]
    return waiting, asking


@dataclass(frozen=True)
class Overview:
    """The console's first page: what waits for the hub team, and the audit chain's state."""

    held: dict[str, int]
    registrations: int
    role_requests: int
    audit_entries: int
    audit_head: str
    checkpoint: Checkpoint | None

    @property
    def unchecked(self) -> int:
        """Audit entries written since the last signed checkpoint."""
        return self.audit_entries - (self.checkpoint.entries if self.checkpoint else 0)


def overview(uow: UnitOfWork) -> Overview:
    """Counts for the overview (the chain head is read, not verified: `hub audit verify`)."""
    held: dict[str, int] = {}
    for q in uow.quarantine.list("held"):
        held[q.kind] = held.get(q.kind, 0) + 1
    waiting, asking = pending(uow)
    entries, head = uow.evidence.audit_head()
    roles = sum(len(p.pending_roles) for p in asking)
    last = uow.evidence.last_checkpoint()
    return Overview(held, len(waiting), roles, entries, head, last)


SENT_SHOWN, SENT_PREVIEW = 100, 2000
"""How many recent outbox rows the console lists, and how much of each body it shows."""


def sent(uow: UnitOfWork, routing_key: str) -> list[SentMessage]:
    """What the hub wrote recently for a partner or terminal (its routing key), newest first."""
    return uow.outbox.recent(routing_key.strip(), SENT_SHOWN, SENT_PREVIEW)


def timeline(uow: UnitOfWork, container: str) -> list[dict[str, Any]]:
    """Every audit entry about `container`, oldest first."""
    return uow.audit.history(container.strip().upper())


def decide(
    uow: UnitOfWork,
    store: IdentityStore,
    user: User,
    party: str,
    decision: str,
    reason: str,
    at: datetime,
    base_url: str,
) -> Done[Partner] | Refusal:
    """An operator approves or denies a registration (the company's admin is mailed), or a
    role it asked for (`decision` ``approve``, ``deny``, ``approve-role:ROLE``,
    ``deny-role:ROLE``)."""
    if not is_operator(user):
        return Refusal("only the hub team decides on registrations", "not-operator")
    cause = f"console: {actor_of(user)}"
    action, _, role = decision.partition(":")
    if action == "approve":
        return identity.approve_company(uow, store, party, at, cause, base_url)
    if action == "deny":
        if not reason.strip():
            return Refusal("to deny a registration, give a reason", "reason-required")
        return identity.deny_company(uow, store, party, reason, at, cause)
    if action in ("approve-role", "deny-role"):
        done = (
            approvals.approve_role(uow, party, role, at, cause)
            if action == "approve-role"
            else approvals.deny_role(uow, party, role, reason, at, cause)
        )
        return done if isinstance(done, Refusal) else Done(done)
    return Refusal(f"no such decision {decision!r}", "bad-decision")


def add_operator(
    uow: UnitOfWork, store: IdentityStore, email: str, language: str, at: datetime, base_url: str
) -> Done[User] | Refusal:
    """A new user of the hub team, mailed a one-time activation link (`hub operators add`)."""
    if problem := email_problem(email):
        return Refusal(problem, "invalid-email")
    user = identity.new_user(
        uow, store, OPERATORS_PARTY, email, UserRole.OPERATOR, language, at, "hub operators add"
    )
    return Done(user, (identity.invitation_for(store, user, "the hub team", at, base_url),))
