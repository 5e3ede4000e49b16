"""The ledger in memory: `InMemoryUnitOfWork`, a second real implementation of the ports.

Everything `SqlAlchemyUnitOfWork` keeps in tables is kept here in one `MemoryStore`: a unit
of work works on a copy of it and puts the copy back on commit, so that a rollback (or a
savepoint that ends in an exception) leaves nothing behind. The audit chain is hashed as the
database's (`hub.service_layer.chain.entry_hash`), container files are stored as the same
JSON documents (`hub.ledger.documents`), so that the service tests run unchanged over both.
It holds no locks: one process, one unit of work at a time.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from hub.domain.billing import WalletMovement
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner
from hub.domain.tokens import ChargeView, Subscription, TokenEntry, charge_view, current
from hub.domain.values import CustomsStatus, PartyRef
from hub.ledger import documents
from hub.ledger.audit import normalise
from hub.ledger.partners import _Index
from hub.service_layer import ports
from hub.service_layer.chain import GENESIS, entry_hash

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MEMORY_URL = "memory://"
"""The database URL that selects this ledger (`hub.bootstrap.build`)."""


@dataclass
class MemoryStore:
    """What the database's tables hold, as plain values."""

    files: dict[str, tuple[dict[str, Any], int]] = field(default_factory=dict)
    bl_links: set[tuple[str, str]] = field(default_factory=set)
    bl_status: dict[str, CustomsStatus] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)
    inbox: dict[tuple[str, str], str] = field(default_factory=dict)
    outbox: list[tuple[ports.Outgoing, datetime, datetime | None]] = field(default_factory=list)
    audit: list[tuple[int, str, ports.AuditEntry]] = field(default_factory=list)
    quarantine: list[ports.QuarantineEntry] = field(default_factory=list)
    tokens: list[TokenEntry] = field(default_factory=list)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    wallets: dict[str, str] = field(default_factory=dict)
    movements: dict[str, list[WalletMovement]] = field(default_factory=dict)
    backups: dict[str, tuple[int, datetime, bool]] = field(default_factory=dict)
    checkpoints: list[ports.Checkpoint] = field(default_factory=list)
    waiting: list[ports.ParkedMessage] = field(default_factory=list)


class _Repo:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def s(self) -> MemoryStore:
        return self._uow.state


class InMemoryContainerFiles(_Repo, ports.ContainerFiles):
    def get(self, container: str) -> ContainerFile:
        found = self.s.files.get(container)
        if found is None:
            return ContainerFile(container)
        return documents.load(container, copy.deepcopy(found[0]), found[1])

    def save(self, file: ContainerFile) -> None:
        file.version += 1
        self.s.files[file.container] = (documents.dump(file), file.version)

    def _all(self) -> list[ContainerFile]:
        return [self.get(c) for c in sorted(self.s.files)]

    def containers_for_bl(self, bill_of_lading: str) -> list[str]:
        return sorted(c for b, c in self.s.bl_links if b == bill_of_lading)

    def link_bl(self, bill_of_lading: str, container: str) -> None:
        self.s.bl_links.add((bill_of_lading, container))

    def bl_status(self, bill_of_lading: str) -> CustomsStatus | None:
        return self.s.bl_status.get(bill_of_lading)

    def set_bl_status(self, bill_of_lading: str, status: CustomsStatus, at: datetime) -> None:
        self.s.bl_status[bill_of_lading] = status

    def due_for_expiry(self, now: datetime, limit: int) -> list[str]:
        due = []
        for f in self._all():
            right = f.right
            if right and right.is_active() and right.expires_at and right.expires_at <= now:
                due.append((right.expires_at, f.container))
        return [c for _, c in sorted(due)[:limit]]

    def for_terminal(self, terminal: str) -> list[ContainerFile]:
        return [
            f for f in self._all() if f.gate_terminal() == terminal and f.authorised is not None
        ]

    def mentioning(self, party: str) -> list[ContainerFile]:
        """As the database's: files with a release right whose document names `party`."""
        needle = json.dumps(party)
        return [
            f
            for f in self._all()
            if f.right is not None and needle in json.dumps(self.s.files[f.container][0])
        ]


class InMemoryPartners(_Repo, ports.Partners):
    def _index(self) -> _Index:
        return _Index([self.s.partners[k] for k in sorted(self.s.partners)])

    def get(self, party_id: str) -> Partner | None:
        return self.s.partners.get(party_id)

    def by_broker_user(self, user: str) -> Partner | None:
        return self._index().by_user.get(user) if user else None

    def resolve(self, ref: PartyRef) -> Partner | None:
        return self._index().by_code.get(ref.code.strip().upper())

    def operator_of(self, terminal: str) -> Partner | None:
        return self._index().by_terminal.get(terminal)

    def save(self, partner: Partner) -> None:
        self.s.partners[partner.party_id] = partner

    def all(self) -> list[Partner]:
        return list(self._index().rows)


class InMemoryInbox(_Repo, ports.Inbox):
    def seen(self, sender: str, key: str) -> bool:
        return (sender, key) in self.s.inbox

    def record(self, sender: str, key: str, outcome: str, sha256: str, at: datetime) -> None:
        if (sender, key) in self.s.inbox:
            raise ValueError(f"inbox key taken: {sender} {key}")  # the unique key's refusal
        self.s.inbox[(sender, key)] = outcome


class InMemoryOutbox(_Repo, ports.Outbox):
    def add(self, message: ports.Outgoing, at: datetime) -> None:
        stored = ports.Outgoing(
            message.exchange,
            message.routing_key,
            message.body,
            message.content_type,
            message.message_type,
            message.container,
            dict(message.headers),
            len(self.s.outbox) + 1,
            message.answers,
        )
        self.s.outbox.append((stored, at, None))

    def claim(self, limit: int, at: datetime) -> list[ports.Outgoing]:
        claimed: list[ports.Outgoing] = []
        for i, (message, created, sent) in enumerate(self.s.outbox):
            if sent is None and len(claimed) < limit:
                self.s.outbox[i] = (message, created, at)
                headers = {**message.headers, "message_id": f"hub-{message.id}"}
                claimed.append(_with_headers(message, headers))
        return claimed

    def answers_to(self, routing_key: str, key: str) -> list[ports.Outgoing]:
        return [m for m, _, _ in self.s.outbox if m.routing_key == routing_key and m.answers == key]

    def recent(self, routing_key: str, limit: int, preview: int) -> list[ports.SentMessage]:
        rows = [r for r in self.s.outbox if not routing_key or r[0].routing_key == routing_key]
        return [
            ports.SentMessage(
                m.id,
                created,
                m.routing_key,
                m.message_type,
                m.container,
                sent,
                m.body[:preview],
                len(m.body),
            )
            for m, created, sent in reversed(rows[-limit:] if limit else [])
        ]


def _with_headers(m: ports.Outgoing, headers: dict[str, Any]) -> ports.Outgoing:
    return replace(m, headers=headers, answers="")


class InMemoryAudit(_Repo, ports.Audit):
    """Entries wait in the unit of work and are chained when it commits, as in the database."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        super().__init__(uow)
        self.pending: list[ports.AuditEntry] = []

    def append(self, entry: ports.AuditEntry) -> None:
        self.pending.append(
            ports.AuditEntry(
                entry.at,
                entry.actor,
                entry.action,
                entry.container,
                entry.message_ref,
                normalise(entry.details),
            )
        )

    def history(self, container: str) -> list[dict[str, Any]]:
        return [
            {
                "seq": seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "message_ref": e.message_ref,
                "details": e.details,
            }
            for seq, _, e in self.s.audit
            if e.container == container
        ]

    def head(self) -> tuple[int, str]:
        return (self.s.audit[-1][0], self.s.audit[-1][1]) if self.s.audit else (0, GENESIS)

    def flush(self) -> None:
        seq, prev = self.head()
        for entry in self.pending:
            seq += 1
            prev = entry_hash(prev, seq, entry)
            self.s.audit.append((seq, prev, entry))
        self.pending.clear()


class InMemoryQuarantine(_Repo, ports.Quarantine):
    def add(self, entry: ports.QuarantineEntry) -> int:
        entry_id = len(self.s.quarantine) + 1
        self.s.quarantine.append(_replace(entry, id=entry_id))
        return entry_id

    def find(
        self, query: ports.QuarantineFilter, limit: int, after: int = 0
    ) -> list[ports.QuarantineEntry]:
        return [q for q in self.s.quarantine if q.id > after and _matches(q, query)][:limit]

    def tally(self, query: ports.QuarantineFilter) -> tuple[int, int]:
        ids = [q.id for q in self.s.quarantine if _matches(q, query)]
        return len(ids), max(ids, default=0)

    def get(self, entry_id: int) -> ports.QuarantineEntry | None:
        found = [q for q in self.s.quarantine if q.id == entry_id]
        return found[0] if found else None

    def mark(self, entry_id: int, status: str, at: datetime) -> None:
        self.s.quarantine = [
            _replace(q, status=status) if q.id == entry_id else q for q in self.s.quarantine
        ]

    def list(
        self, status: str | None = None, kind: str | None = None
    ) -> list[ports.QuarantineEntry]:
        return [
            q
            for q in self.s.quarantine
            if (not status or q.status == status) and (not kind or q.kind == kind)
        ]


def _matches(q: ports.QuarantineEntry, query: ports.QuarantineFilter) -> bool:
    """As the SQL repository's conditions: held, and every field that is set."""
    who = query.sender.upper()
    words = query.text.lower()
    return (
        q.status == "held"
        and (not query.kind or q.kind == query.kind)
        and (not who or who in (q.sender.upper(), q.broker_user.upper()))
        and (not words or words in q.reason.lower() or words in json.dumps(q.problems).lower())
        and (query.since is None or q.received_at >= query.since)
        and (query.until is None or q.received_at <= query.until)
        and (not query.upto or q.id <= query.upto)
    )


def _replace(entry: ports.QuarantineEntry, **changes: Any) -> ports.QuarantineEntry:
    return replace(entry, **changes)


class InMemoryTokens(_Repo, ports.Tokens):
    def lock(self, party: str) -> None:
        """One unit of work at a time: nothing to lock."""

    def entries(self, party: str) -> list[TokenEntry]:
        return [e for e in self.s.tokens if e.party == party]

    def entries_for_key(self, key: str) -> list[TokenEntry]:
        return [e for e in self.s.tokens if e.key == key]

    def charge_view(
        self, party: str, subscription_id: str | None, key: str, at: datetime
    ) -> ChargeView:
        return charge_view(self.entries(party), subscription_id, key, at)

    def charge_entries(self, party: str, subscription_id: str, key: str) -> list[TokenEntry]:
        kinds = {"grant", "upgrade", "expire"}
        return [
            e
            for e in self.entries(party)
            if e.key == key or (e.subscription_id == subscription_id and e.kind.value in kinds)
        ]

    def refund_entries(self, party: str, key: str) -> list[TokenEntry]:
        return [e for e in self.entries(party) if e.key == key or e.kind.value == "expire"]

    def add(self, entries: Sequence[TokenEntry]) -> None:
        self.s.tokens.extend(entries)

    def subscriptions(self, party: str) -> list[Subscription]:
        mine = [s for s in self.s.subscriptions.values() if s.party == party]
        return sorted(mine, key=lambda s: s.starts_at)

    def active(self, party: str, at: datetime) -> Subscription | None:
        running = [s for s in self.subscriptions(party) if s.starts_at <= at < s.ends_at]
        return current(running, at)

    def save_subscription(self, sub: Subscription) -> None:
        self.s.subscriptions[sub.subscription_id] = sub


class InMemoryWallets(_Repo, ports.Wallets):
    def paired(self, party: str) -> str | None:
        return self.s.wallets.get(party)

    def pair(self, party: str, wallet_id: str, at: datetime) -> None:
        if party in self.s.wallets:
            raise ValueError(f"{party} already has a paired wallet")  # the primary key's refusal
        self.s.wallets[party] = wallet_id

    def unpair(self, party: str) -> None:
        self.s.wallets.pop(party, None)

    def movements(self, party: str) -> list[WalletMovement]:
        return list(self.s.movements.get(party, []))

    def add(self, party: str, movement: WalletMovement) -> None:
        self.s.movements.setdefault(party, []).append(movement)


class InMemoryEvidence(_Repo, ports.Evidence):
    def _row(self, terminal: str) -> tuple[int, datetime, bool]:
        return self.s.backups.setdefault(terminal, (0, _EPOCH, False))

    def next_backup(self, terminal: str, at: datetime) -> int:
        sequence = self._row(terminal)[0] + 1
        self.s.backups[terminal] = (sequence, at, False)
        return sequence

    def defer_backup(self, terminal: str, since: datetime) -> bool:
        sequence, generated_at, _ = self._row(terminal)
        if sequence == 0 or generated_at <= since:
            return False
        self.s.backups[terminal] = (sequence, generated_at, True)
        return True

    def backups_due(self, terminals: Sequence[str], before: datetime) -> list[str]:
        rows = self.s.backups.items()
        fresh = {t for t, (_, at, pending) in rows if at >= before and not pending}
        return sorted(t for t in set(terminals) if t not in fresh)

    def audit_head(self) -> tuple[int, str]:
        return self._uow.chain.head()

    def last_checkpoint(self) -> ports.Checkpoint | None:
        return self.s.checkpoints[-1] if self.s.checkpoints else None

    def add_checkpoint(self, checkpoint: ports.Checkpoint) -> None:
        self.s.checkpoints.append(checkpoint)


class InMemoryWaitingRoom(_Repo, ports.WaitingRoom):
    """As the database's, without its locks (one unit of work at a time): a message is
    found by container only while it waits."""

    def park(self, message: ports.ParkedMessage) -> int:
        parked_id = len(self.s.waiting) + 1
        self.s.waiting.append(replace(message, id=parked_id, status="waiting"))
        return parked_id

    def waiting_for(self, containers: Sequence[str]) -> list[ports.ParkedMessage]:
        boxes = set(containers)
        return [m for m in self._waiting() if boxes.intersection(m.containers)]

    def due(self, now: datetime, limit: int) -> list[ports.ParkedMessage]:
        return [m for m in self._waiting() if m.deadline <= now][:limit]

    def _waiting(self) -> list[ports.ParkedMessage]:
        return [m for m in self.s.waiting if m.status == "waiting"]

    def waiting_count(self, sender: str) -> int:
        return sum(1 for m in self.s.waiting if m.sender == sender and m.status == "waiting")

    def resolve(self, resolved: Sequence[tuple[int, str]], at: datetime) -> None:
        statuses = dict(resolved)
        for i, m in enumerate(self.s.waiting):
            if m.id in statuses:
                self.s.waiting[i] = replace(m, status=statuses[m.id])

    def list(self, status: str = "waiting", limit: int = 500) -> list[ports.ParkedMessage]:
        found = [m for m in self.s.waiting if m.status == status][:limit]
        return [replace(m, payload=b"") for m in found]


class InMemoryUnitOfWork(ports.UnitOfWork):
    """One transaction over a `MemoryStore`: a copy of it, put back on commit."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.state = copy.deepcopy(store)
        self.files = InMemoryContainerFiles(self)
        self.partners = InMemoryPartners(self)
        self.inbox = InMemoryInbox(self)
        self.outbox = InMemoryOutbox(self)
        self.audit = self.chain = InMemoryAudit(self)
        self.quarantine = InMemoryQuarantine(self)
        self.tokens = InMemoryTokens(self)
        self.wallets = InMemoryWallets(self)
        self.evidence = InMemoryEvidence(self)
        self.waiting = InMemoryWaitingRoom(self)

    def __enter__(self) -> InMemoryUnitOfWork:
        self.state = copy.deepcopy(self.store)
        self.chain.pending.clear()
        return self

    def commit(self) -> None:
        self.run_before_commit()
        self.chain.flush()
        self.store.__dict__.update(copy.deepcopy(self.state).__dict__)

    def rollback(self) -> None:
        self.drop_before_commit()
        self.state = copy.deepcopy(self.store)
        self.chain.pending.clear()

    @contextmanager
    def savepoint(self, flush: bool = True) -> Iterator[None]:
        """Everything done inside is undone when it ends in an exception; its audit entries
        are chained at commit, as the database's unit of work does."""
        state, pending = copy.deepcopy(self.state), list(self.chain.pending)
        try:
            yield
        except BaseException:
            self.state, self.chain.pending[:] = state, pending
            raise


class InMemoryDatabase:
    """`hub.ledger.db.Database`'s place for the in-memory ledger: units of work over one store."""

    def __init__(self) -> None:
        self.store = MemoryStore()

    def upgrade(self, revision: str = "head") -> tuple[str | None, str | None]:
        return None, revision

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store)

    def dispose(self) -> None:
        """Nothing to release."""
