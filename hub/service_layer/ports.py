"""The seams the service layer talks through: unit of work, repositories, transport, clock.

Implementations: `hub.ledger.uow` (SQLAlchemy, PostgreSQL or SQLite) and `hub.ledger.memory`
(`InMemoryUnitOfWork`: the same ports in memory, selected by `HUB_DATABASE_URL=memory://`; the
service tests run on both) for the unit of work and its repositories; `hub.adapters` (RabbitMQ
via pika, or in-process: `InProcessTransport`) for the transport.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hub.domain.billing import WalletMovement
from hub.domain.model import ContainerFile
from hub.domain.partitions import Renewal
from hub.domain.partners import Partner
from hub.domain.tokens import ChargeView, Subscription, TokenEntry
from hub.domain.values import CustomsStatus, PartyRef


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class Backoff(Protocol):
    """A backoff policy: seconds to wait after failure number `attempt` (1, 2, …) in a row."""

    def __call__(self, attempt: int) -> float: ...


DEAD_LETTER_HEADER = "x-hub-dead-letter"
"""Set by the transport (never by a sender) on a message the broker dead-lettered."""


@dataclass(frozen=True)
class Delivery:
    """A message as the transport hands it over. `user_id` is the broker-validated sender."""

    body: bytes
    user_id: str = ""
    message_id: str = ""
    content_type: str = ""
    tag: int = 0
    redelivered: bool = False
    headers: dict[str, Any] = field(default_factory=dict)
    origin: datetime | None = None
    """When the partner published it (its AMQP `timestamp`, when set and plausible), else when
    the hub received it: the start of `hub_end_to_end_seconds`. None: the hub's clock at
    processing (a replay, the in-process transport)."""


@dataclass(frozen=True)
class Outgoing:
    """A message to publish: written to the outbox, sent by the relay."""

    exchange: str
    routing_key: str
    body: bytes
    content_type: str
    message_type: str
    container: str = ""
    headers: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    answers: str = ""
    """For an acknowledgement: the inbox key of what it answers, so that the same file sent
    again is answered with it again (`Outbox.answers_to`)."""
    origin: datetime | None = None
    """As claimed by the relay: the `Delivery.origin` of the inbound message that caused it
    (None for what no message caused: checkpoints, mails, backups on a timer)."""


CORRELATION_HEADER = "correlation_id"
"""On every answer (APERAK, CONTRL, XML ack): the AMQP `message_id` of the delivery it answers;
the AMQP transport sends it as the `correlation_id` property."""

REPEAT_HEADER = "x-hub-repeat"
"""Set (true) on an answer sent again to a file the hub had already processed."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail, before it is chained."""

    at: datetime
    actor: str
    action: str
    container: str = ""
    message_ref: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class QuarantineKind(enum.StrEnum):
    """What a quarantine entry needs from an operator, at a glance."""

    UNREADABLE = "unreadable"
    """Syntax, schema or a limit: the sender must fix its message."""
    REFUSED = "refused"
    """Read, but refused by policy or a business rule (answered and audited): no defect."""
    UNKNOWN_SENDER = "unknown-sender"
    """From a broker user that is no partner."""
    DEAD_LETTER = "dead-letter"
    """No consumer finished it within the broker's delivery limit: held unread, to replay."""
    INTERNAL = "internal"
    """A defect of the hub: look at the log, fix, replay."""
    UNSTORABLE = "unstorable"
    """It carries a value the database cannot hold (too long, NUL, unencodable)."""


@dataclass(frozen=True)
class QuarantineEntry:
    """A rejected delivery, kept with its kind and reason for replay. The ledger stores each
    distinct payload once, and bounds and cleans the other fields (`hub.ledger.storable`)."""

    received_at: datetime
    payload: bytes
    reason: str
    problems: tuple[dict[str, Any], ...] = ()
    broker_user: str = ""
    sender: str = ""
    content_type: str = ""
    id: int = 0
    status: str = "held"
    kind: str = QuarantineKind.UNREADABLE.value


class Transport(abc.ABC):
    """The I/O seam for messages: fetch a batch, ack or requeue it, publish with confirms."""

    @abc.abstractmethod
    def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        """Up to `max_messages` deliveries, waiting at most `timeout` seconds for the first."""

    @abc.abstractmethod
    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """Acknowledge after the commit that covers them."""

    @abc.abstractmethod
    def requeue(self, deliveries: Sequence[Delivery]) -> None:
        """Give them back to the broker (transient failure)."""

    @abc.abstractmethod
    def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish persistently; return only when the broker confirmed every one."""

    def close(self) -> None:  # noqa: B027 - optional hook, most transports hold nothing
        """Release connections."""

    partitions: int = 0
    """How many inbound partitions it consumes from (0: one queue, nothing to share)."""

    def connect(self) -> None:  # noqa: B027 - optional hook, most transports hold nothing
        """Open (again) what it needs; called after a `BrokerUnavailable`."""

    def service(self, timeout: float = 0.0) -> None:  # noqa: B027 - optional hook
        """Do the connection's I/O (heartbeats) for up to `timeout` seconds, fetching nothing."""

    def assign(self, partitions: frozenset[int]) -> None:  # noqa: B027 - optional hook
        """Consume exactly these partitions from now on (dropped ones: cancelled, what was
        received from them is still fetched)."""

    def settled(self) -> frozenset[int]:
        """Partitions it does not consume and holds nothing unacknowledged of."""
        return frozenset(range(self.partitions))


class PartitionLeases(abc.ABC):
    """Leases on the inbound partitions, shared by every `hub run` process (see
    `hub.domain.partitions`): one renewal is one transaction."""

    @abc.abstractmethod
    def renew(
        self, holder: str, count: int, ttl: float, now: datetime, releasable: Collection[int]
    ) -> Renewal:
        """Mark `holder` alive for `ttl` seconds, decide its partitions (of `count`), renew
        the leases it keeps, take the ones it claims, free the ones it releases."""

    @abc.abstractmethod
    def leave(self, holder: str) -> None:
        """`holder` stops: every lease it has and its membership are freed at once."""


class ContainerFiles(abc.ABC):
    @abc.abstractmethod
    def get(self, container: str) -> ContainerFile:
        """The file, locked for this unit of work; a new empty file when none exists."""

    def preload(  # noqa: B027 - optional
        self, containers: Sequence[str], bills_of_lading: Sequence[str] = ()
    ) -> None:
        """A hint: `get` will be asked for these containers (and those linked to these B/Ls);
        an implementation may lock them all at once, in a fixed order. `get` still locks
        whatever was not preloaded."""

    @abc.abstractmethod
    def save(self, file: ContainerFile) -> None: ...

    @abc.abstractmethod
    def containers_for_bl(self, bill_of_lading: str) -> list[str]: ...

    @abc.abstractmethod
    def link_bl(self, bill_of_lading: str, container: str) -> None: ...

    @abc.abstractmethod
    def bl_status(self, bill_of_lading: str) -> CustomsStatus | None: ...

    @abc.abstractmethod
    def set_bl_status(self, bill_of_lading: str, status: CustomsStatus, at: datetime) -> None: ...

    @abc.abstractmethod
    def due_for_expiry(self, now: datetime, limit: int) -> list[str]: ...

    @abc.abstractmethod
    def for_terminal(self, terminal: str) -> list[ContainerFile]:
        """Files with a standing authorisation at `terminal` (for backup export)."""

    def mentioning(self, party: str) -> list[ContainerFile]:
        """Files whose release names `party` (agent or a link of the chain), read without
        locking, for the portal's lists; the caller checks the exact link."""
        raise NotImplementedError


class Partners(abc.ABC):
    @abc.abstractmethod
    def get(self, party_id: str) -> Partner | None: ...

    @abc.abstractmethod
    def by_broker_user(self, user: str) -> Partner | None: ...

    @abc.abstractmethod
    def resolve(self, ref: PartyRef) -> Partner | None:
        """Find a partner by party id, EDI id, VAT or EORI."""

    @abc.abstractmethod
    def operator_of(self, terminal: str) -> Partner | None: ...

    @abc.abstractmethod
    def save(self, partner: Partner) -> None: ...

    @abc.abstractmethod
    def all(self) -> list[Partner]: ...


class Inbox(abc.ABC):
    @abc.abstractmethod
    def seen(self, sender: str, key: str) -> bool: ...

    def preload(self, keys: Sequence[tuple[str, str]]) -> None:  # noqa: B027 - optional
        """A hint: `seen` will be asked about these (sender, key) pairs; an implementation
        may look them all up at once. The unique key still decides at commit."""

    @abc.abstractmethod
    def record(self, sender: str, key: str, outcome: str, sha256: str, at: datetime) -> None: ...


@dataclass(frozen=True)
class SentMessage:
    """An outbox row as the operations console shows it: the body cut to a preview."""

    id: int
    created_at: datetime
    routing_key: str
    message_type: str
    container: str
    sent_at: datetime | None
    preview: bytes
    size: int


class Outbox(abc.ABC):
    origin: datetime | None = None

    @abc.abstractmethod
    def add(self, message: Outgoing, at: datetime) -> None: ...

    def caused_by(self, origin: datetime | None) -> None:
        """The messages added from now on in this unit of work were caused by an inbound
        message that started at `origin` (see `Delivery.origin`): the relay measures from it."""
        self.origin = origin

    def recent(self, routing_key: str, limit: int, preview: int) -> list[SentMessage]:
        """The last `limit` messages written for `routing_key` (every key when empty), newest
        first, sent or not, each body cut to `preview` bytes."""
        return []

    @abc.abstractmethod
    def claim(self, limit: int, at: datetime) -> list[Outgoing]:
        """Up to `limit` unsent messages, oldest first, locked so that another relay skips
        them and marked sent at `at`, all in one step of the relay's own transaction (never
        one that records business effects): commit it once they are confirmed, roll it back if
        they could not be published. An implementation may commit it without waiting for the
        disk, since a lost mark only publishes those messages again, with the same ids."""

    def answers_to(self, routing_key: str, key: str) -> list[Outgoing]:
        """The acknowledgements once written to `routing_key` answering inbox key `key`, in
        the order they were written (those of this unit of work included)."""
        return []


class Audit(abc.ABC):
    @abc.abstractmethod
    def append(self, entry: AuditEntry) -> None:
        """Queue an entry; entries are chained by hash when the unit of work commits."""

    @abc.abstractmethod
    def history(self, container: str) -> list[dict[str, Any]]:
        """Every stored entry about `container`, oldest first."""


@dataclass(frozen=True)
class QuarantineFilter:
    """Which held entries: empty fields match everything. `kind` exactly; `sender` the party
    or its broker user, either case; `text` a substring of the reason or the problems, either
    case; `since` / `until` inclusive bounds on when it was received."""

    kind: str = ""
    sender: str = ""
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    upto: int = 0
    """When not 0, only entries up to this id: a "replay all" run is bound to the entries held
    when it started, never to those its own replays quarantine again."""


class Quarantine(abc.ABC):
    @abc.abstractmethod
    def add(self, entry: QuarantineEntry) -> int: ...

    @abc.abstractmethod
    def find(self, query: QuarantineFilter, limit: int, after: int = 0) -> list[QuarantineEntry]:
        """Up to `limit` held entries that match `query`, with ids above `after`, oldest
        first (a page: the next one starts after the last id of this one)."""

    @abc.abstractmethod
    def tally(self, query: QuarantineFilter) -> tuple[int, int]:
        """How many held entries match `query`, and the highest id among them (0: none)."""

    @abc.abstractmethod
    def get(self, entry_id: int) -> QuarantineEntry | None: ...

    @abc.abstractmethod
    def mark(self, entry_id: int, status: str, at: datetime) -> None: ...

    @abc.abstractmethod
    def list(self, status: str | None = None, kind: str | None = None) -> list[QuarantineEntry]:
        """Entries, oldest first; only those with `status` and `kind` when given."""


@dataclass(frozen=True)
class ParkedMessage:
    """A business message whose precondition was not met yet (`ActionRefused.may_wait`),
    parked in the waiting room: what is needed to process it again as it arrived (its payload,
    broker user, message id), the containers whose change re-tries it, why it waits, and until
    when (`deadline`). `status`: ``waiting``, then ``applied`` or ``refused``."""

    sender: str
    dedup_key: str
    payload: bytes
    containers: tuple[str, ...]
    reason: str
    parked_at: datetime
    deadline: datetime
    broker_user: str = ""
    message_id: str = ""
    content_type: str = ""
    id: int = 0
    status: str = "waiting"

    def delivery(self) -> Delivery:
        """The delivery as it arrived: answers to it correlate with its original message id."""
        return Delivery(self.payload, self.broker_user, self.message_id, self.content_type)


class WaitingRoom(abc.ABC):
    """Parked messages (`ParkedMessage`). The ones taken for a re-try are locked for the
    transaction; another process's locked ones are skipped, never waited for."""

    @abc.abstractmethod
    def park(self, message: ParkedMessage) -> int: ...

    @abc.abstractmethod
    def waiting_for(self, containers: Sequence[str]) -> list[ParkedMessage]:
        """Waiting messages naming any of `containers`, in the order they arrived (locked)."""

    @abc.abstractmethod
    def due(self, now: datetime, limit: int) -> list[ParkedMessage]:
        """Waiting messages whose deadline has passed, oldest first (locked)."""

    @abc.abstractmethod
    def waiting_count(self, sender: str) -> int:
        """How many of `sender`'s messages wait now (this transaction's parkings included)."""

    @abc.abstractmethod
    def resolve(self, resolved: Sequence[tuple[int, str]], at: datetime) -> None:
        """These (id, status) wait no more: kept with their outcome, no longer found by
        container (one round of re-tries at once)."""

    @abc.abstractmethod
    def list(self, status: str = "waiting", limit: int = 500) -> list[ParkedMessage]:
        """For the CLI and the console, oldest first (not locked; payloads left out)."""


class Tokens(abc.ABC):
    """The token ledger: append-only entries and the subscriptions they belong to."""

    @abc.abstractmethod
    def lock(self, party: str) -> None:
        """Serialise token decisions for one party until the unit of work ends."""

    @abc.abstractmethod
    def entries(self, party: str) -> list[TokenEntry]: ...

    @abc.abstractmethod
    def entries_for_key(self, key: str) -> list[TokenEntry]: ...

    @abc.abstractmethod
    def charge_view(
        self, party: str, subscription_id: str | None, key: str, at: datetime
    ) -> ChargeView:
        """`hub.domain.tokens.charge_view` of the party's entries, without reading them all:
        the state of `key` and the sums of the subscription at `at`."""

    @abc.abstractmethod
    def charge_entries(self, party: str, subscription_id: str, key: str) -> list[TokenEntry]:
        """The party's entries under `key` and the subscription's grants, upgrades and expiry:
        enough to tell an unlimited tier and an open charge apart, not the balance."""

    @abc.abstractmethod
    def refund_entries(self, party: str, key: str) -> list[TokenEntry]:
        """The party's entries under `key` and its expiries: all that a refund reads."""

    @abc.abstractmethod
    def add(self, entries: Sequence[TokenEntry]) -> None: ...

    @abc.abstractmethod
    def subscriptions(self, party: str) -> list[Subscription]: ...

    @abc.abstractmethod
    def active(self, party: str, at: datetime) -> Subscription | None:
        """The subscription in force at `at` (`hub.domain.tokens.current`), if any."""

    @abc.abstractmethod
    def save_subscription(self, sub: Subscription) -> None: ...


class Wallets(abc.ABC):
    """Transport operators' prepaid wallets."""

    @abc.abstractmethod
    def paired(self, party: str) -> str | None: ...

    @abc.abstractmethod
    def pair(self, party: str, wallet_id: str, at: datetime) -> None: ...

    @abc.abstractmethod
    def unpair(self, party: str) -> None:
        """Forget the party's paired wallet (its movements stay)."""

    @abc.abstractmethod
    def movements(self, party: str) -> list[WalletMovement]:
        """All movements, oldest first; locks the wallet for this unit of work."""

    @abc.abstractmethod
    def add(self, party: str, movement: WalletMovement) -> None: ...


class Signer(abc.ABC):
    """Signs evidence that leaves the hub (implemented in `hub.adapters.signing`)."""

    key_id: str
    algorithm: str

    @abc.abstractmethod
    def sign(self, data: bytes) -> str:
        """The signature of `data`, base64."""


class Verifier(abc.ABC):
    """Checks signatures against the public keys it knows, by key id."""

    @abc.abstractmethod
    def verify(self, kid: str, data: bytes, signature: str) -> str:
        """'' when `signature` is `data` signed by key `kid`, else what is wrong."""


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the audit chain: `entries` entries, the last with `head_hash`."""

    number: int
    entries: int
    head_hash: str
    at: datetime
    document: dict[str, Any] = field(default_factory=dict)
    """The signed document as published (canonical fields and signature)."""


class Evidence(abc.ABC):
    """What the hub remembers of the evidence it sent: backup sequences, checkpoints."""

    @abc.abstractmethod
    def next_backup(self, terminal: str, at: datetime) -> int:
        """Lock `terminal`'s backup row until commit; return its next snapshot sequence."""

    @abc.abstractmethod
    def defer_backup(self, terminal: str, since: datetime) -> bool:
        """Lock `terminal`'s backup row; when its last snapshot is newer than `since`, mark a
        snapshot pending (for `backups_due`) and return True; else False (push one now)."""

    @abc.abstractmethod
    def backups_due(self, terminals: Sequence[str], before: datetime) -> list[str]:
        """Those of `terminals` with a snapshot pending, or none newer than `before`."""

    @abc.abstractmethod
    def audit_head(self) -> tuple[int, str]:
        """(entries, head hash) of the audit chain, locked until commit."""

    @abc.abstractmethod
    def last_checkpoint(self) -> Checkpoint | None: ...

    @abc.abstractmethod
    def add_checkpoint(self, checkpoint: Checkpoint) -> None: ...


class UnitOfWork(abc.ABC):
    """One database transaction: state, inbox, audit and outbox commit together or not at all."""

    files: ContainerFiles
    partners: Partners
    inbox: Inbox
    outbox: Outbox
    audit: Audit
    quarantine: Quarantine
    tokens: Tokens
    wallets: Wallets
    evidence: Evidence
    waiting: WaitingRoom

    def __enter__(self) -> UnitOfWork:
        return self

    def before_commit(self, key: str, job: Callable[[], object]) -> None:
        """Run `job` once when this unit of work commits, before anything is written; a second
        job under the same `key` is dropped (coalescing: one terminal snapshot per commit)."""
        jobs: dict[str, Callable[[], object]] = self.__dict__.setdefault("_before_commit", {})
        jobs.setdefault(key, job)

    def run_before_commit(self) -> None:
        """The implementation calls this first in `commit` (jobs may add more work)."""
        jobs: dict[str, Callable[[], object]] = self.__dict__.pop("_before_commit", {})
        for key in sorted(jobs):  # a fixed order: row locks they take never cross
            jobs[key]()

    def drop_before_commit(self) -> None:
        self.__dict__.pop("_before_commit", None)

    def __exit__(self, *args: object) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def savepoint(self, flush: bool = True) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside undoes only what was done inside.
        `flush`: write its rows when it ends well, so that a value the database refuses is
        refused inside it; without, they wait for the commit like any other row."""
