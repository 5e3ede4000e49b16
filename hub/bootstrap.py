"""The composition root: builds engines, transports and the worker from `Settings`.

Nothing else in the hub creates a connection; nothing connects at import time.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from hub.adapters import signing
from hub.adapters.inprocess import InProcessTransport
from hub.adapters.retry import Backoff, with_retries
from hub.adapters.signing import Ed25519Signer
from hub.config import Settings
from hub.errors import ConfigurationError
from hub.ledger.db import Database, DbWaits
from hub.ledger.leases import SqlPartitionLeases
from hub.ledger.memory import MEMORY_URL, InMemoryDatabase
from hub.ledger.reporting import for_uow
from hub.runtime.relay import BackgroundRelay
from hub.runtime.worker import Worker
from hub.service_layer import accounts, backups, checkpoints
from hub.service_layer.intake import Limits
from hub.service_layer.pipeline import HubContext, expire_waiting
from hub.service_layer.portal import Portal
from hub.service_layer.ports import (
    Clock,
    Signer,
    Transport,
    UnitOfWork,
)
from hub.service_layer.tokens import charge_token

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Hub:
    """A wired hub: settings, database engine, transport and the worker."""

    settings: Settings
    db: Database | InMemoryDatabase
    """The SQL database, or the in-memory ledger (`HUB_DATABASE_URL=memory://`, for tests)."""
    transport: Transport
    worker: Worker
    clock: Clock

    def uow(self) -> UnitOfWork:
        return self.db.uow()

    @property
    def sql(self) -> Database:
        """The SQL database, for what only SQL answers (reports, health, the audit walk)."""
        if not isinstance(self.db, Database):
            raise ConfigurationError("this needs an SQL database, not the in-memory ledger")
        return self.db

    def close(self) -> None:
        relay = self.worker.relay
        if relay is not None:
            relay.stop()
            relay.transport.close()
        self.transport.close()
        self.db.dispose()


def db_waits(settings: Settings) -> DbWaits:
    """The bounded waits on PostgreSQL of `settings` (a `DbWaits` field is the `Settings`
    field of that name with `db_` in front)."""
    return DbWaits(**{f.name: getattr(settings, f"db_{f.name}") for f in fields(DbWaits)})


def open_database(settings: Settings) -> Database:
    """The hub's database, every wait bounded as `settings` say."""
    return Database(settings.database_url, db_waits(settings))


def limits_of(settings: Settings) -> Limits:
    """Every input limit of `settings` (a `Limits` field is a `Settings` field of that name)."""
    return Limits(**{f.name: getattr(settings, f.name) for f in fields(Limits)})


def make_transport(settings: Settings, *, consume: bool = True) -> Transport:
    """RabbitMQ when `HUB_AMQP_URL` is set, else the in-process transport."""
    if settings.embedded:
        return InProcessTransport()
    from hub.adapters.amqp import AmqpTransport

    return AmqpTransport(  # connects when first used
        settings.amqp_url,
        prefetch=settings.prefetch,
        partitions=settings.partitions,
        consume=consume,
        user_prefix=settings.broker_user_prefix,
    )


def build(
    settings: Settings,
    *,
    transport: Transport | None = None,
    clock: Clock = utc_now,
    migrate: bool = True,
    consume: bool = True,
) -> Hub:
    """Wire everything. `migrate` brings the schema up to date first (idempotent)."""
    memory = settings.database_url == MEMORY_URL
    db: Database | InMemoryDatabase = InMemoryDatabase() if memory else open_database(settings)
    if migrate:
        # a database that is still starting (or briefly away) is waited for, up to
        # `startup_wait`; after that the caller gets one `DatabaseUnavailable`, not a traceback
        with_retries(db.upgrade, attempts=1_000, max_delay=settings.startup_wait, max_wait=5.0)
    own_transport = transport is None
    if transport is None:
        # the broker is connected on first use: a command that only reads or writes the
        # ledger never waits for it, one that publishes (a replay's answers) still does
        transport = make_transport(settings, consume=consume)
    signer = load_signer(settings)
    context = HubContext(
        clock=clock,
        limits=limits_of(settings),
        hub_id=settings.hub_id,
        charge=charge_token,
        hub_aliases=settings.hub_alias_ids(),
        backup_policy=backup_policy(settings, signer),
        waiting_window=timedelta(seconds=max(0.0, settings.waiting_window)),
        waiting_per_sender=max(0, settings.waiting_per_sender),
    )
    relay = None
    leases = None
    backoff = Backoff(first=0.5, maximum=10.0)  # the worker loop's and the relay's
    if consume and own_transport and not settings.embedded:
        # on RabbitMQ, `hub run` publishes the outbox from its own thread and connection while
        # the loop processes the next batch (see `BackgroundRelay`)
        relay_transport = make_transport(settings, consume=False)
        relay = BackgroundRelay(db.uow, relay_transport, clock, backoff=backoff)
        leases = SqlPartitionLeases(db.engine) if isinstance(db, Database) else None
    worker = Worker(
        transport,
        db.uow,
        context,
        batch_size=settings.batch_size,
        batch_wait=settings.batch_wait,
        retry=_retry,
        periodic=[*periodic_jobs(settings), *evidence_jobs(settings, signer), waiting_job(context)],
        relay=relay,
        leases=leases,
        holder=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:64],
        lease_seconds=settings.lease_seconds,
        backoff=backoff,
    )
    return Hub(settings, db, transport, worker, clock)


def build_portal(hub: Hub) -> Portal:
    """The portal's services on a wired hub: SMTP mail, argon2 passwords, the hub's clock."""
    from hub.adapters.mail import SmtpMailer
    from hub.adapters.secrets import Argon2Credentials, SecretBox
    from hub.ledger.identity import identity_for

    s = hub.settings
    return Portal(
        uow=hub.uow,
        store_for=identity_for,
        mailer=SmtpMailer(s.smtp_host, s.smtp_port, s.smtp_sender),
        credentials=Argon2Credentials(SecretBox.from_file(s.totp_key_path())),
        clock=hub.clock,
        base_url=s.web_base_url,
        context=hub.worker.hub,
    )


def periodic_jobs(settings: Settings) -> list[Callable[[UnitOfWork, datetime], object]]:
    """What `hub run` does besides consuming: expire ended subscriptions' unused tokens and
    remind operators whose subscription ends within `reminder_days` (each once)."""

    def expire(uow: UnitOfWork, now: datetime) -> object:
        return accounts.expire_subscriptions(uow, now, "hub run")

    def remind(uow: UnitOfWork, now: datetime) -> object:
        return accounts.send_reminders(uow, now, settings.reminder_days, for_uow(uow), "hub run")

    return [expire, remind]


def waiting_job(context: HubContext) -> Callable[[UnitOfWork, datetime], object]:
    """Refuse the parked messages whose waiting window has passed (`hub.service_layer.waiting`)."""

    def expire(uow: UnitOfWork, now: datetime) -> object:
        return expire_waiting(uow, context)

    return expire


def load_signer(settings: Settings) -> Ed25519Signer | None:
    """The hub's signing key (`HUB_SIGNING_KEY`), or None when none is configured."""
    return signing.load_signer(Path(settings.signing_key)) if settings.signing_key else None


def key_ring(settings: Settings, extra: Sequence[Path] = ()) -> signing.KeyRing:
    """The public keys that verify the hub's evidence: `extra` files or directories, else the
    `HUB_PUBLIC_KEYS` directory plus the current signing key's own public key."""
    if extra:
        return signing.load_key_ring(extra)
    folder = Path(settings.public_keys)
    ring = signing.load_key_ring([folder] if folder.is_dir() else [])
    signer = load_signer(settings)
    if signer is not None:
        ring.add_pem(signer.public_pem())
    return ring


def backup_policy(settings: Settings, signer: Signer | None) -> backups.BackupPolicy | None:
    if signer is None:
        return None
    every, gap = timedelta(seconds=settings.backup_every), timedelta(seconds=settings.backup_gap)
    return backups.BackupPolicy(signer, every, gap)


def evidence_jobs(
    settings: Settings, signer: Signer | None
) -> list[Callable[[UnitOfWork, datetime], object]]:
    """With a signing key, `hub run` also pushes each terminal a signed backup snapshot at
    least every `backup_every` seconds, and checkpoints the audit chain (to the authorities'
    queues and to `checkpoint_file`) at least every `checkpoint_every` seconds or
    `checkpoint_entries` entries."""
    policy = backup_policy(settings, signer)
    if signer is None or policy is None:
        return []
    checkpoint_every = timedelta(seconds=settings.checkpoint_every)

    def push_backups(uow: UnitOfWork, now: datetime) -> object:
        return backups.push_due(uow, now, policy)

    def checkpoint(uow: UnitOfWork, now: datetime) -> object:
        # at commit, after the backup snapshots: the audit head is locked last, as by every
        # other commit, so two hub processes never wait on each other's locks in a cycle
        uow.before_commit("~checkpoint", lambda: make_checkpoint(uow, now))
        return None

    def make_checkpoint(uow: UnitOfWork, now: datetime) -> None:
        path = Path(settings.checkpoint_file)
        doc = checkpoints.make_if_due(
            uow, signer, now, checkpoint_every, settings.checkpoint_entries, last_checkpoint(path)
        )
        if doc is not None:
            append_checkpoint(path, doc)

    return [push_backups, checkpoint]


def append_checkpoint(path: Path, doc: dict[str, Any]) -> None:
    """One JSON line per checkpoint. Written before the commit: a checkpoint whose row is
    then rolled back is still a true, signed statement about the chain."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(doc, sort_keys=True, ensure_ascii=False) + "\n")


def last_checkpoint(path: Path) -> Any:
    """The last line of the checkpoint file, read from its end; None without one."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - 65536))
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None
    try:
        return json.loads(lines[-1]) if lines else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _retry(fn: Callable[[], T]) -> T:
    return with_retries(fn, attempts=6, max_delay=30.0)


def configure_logging(level: str, fmt: str = "text") -> None:
    """Readable lines by default; one JSON object a line with `fmt="json"` (see `logs`)."""
    from hub import logs

    logs.configure(level, fmt)
    logging.getLogger("pika").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
