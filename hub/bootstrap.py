"""The composition root: builds engines, transports and the worker from `Settings`.

Nothing else in the hub creates a connection; nothing connects at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TypeVar

from hub.adapters.inprocess import InProcessTransport
from hub.adapters.retry import with_retries
from hub.config import Settings
from hub.ledger.db import Database
from hub.ledger.reporting import for_uow
from hub.service_layer import accounts
from hub.service_layer.intake import Limits
from hub.service_layer.pipeline import HubContext
from hub.service_layer.ports import Clock, Transport, UnitOfWork
from hub.service_layer.relay import BackgroundRelay
from hub.service_layer.tokens import charge_token
from hub.service_layer.worker import Worker

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Hub:
    """A wired hub: settings, database engine, transport and the worker."""

    settings: Settings
    db: Database
    transport: Transport
    worker: Worker
    clock: Clock

    def uow(self) -> UnitOfWork:
        return self.db.uow()

    def close(self) -> None:
        relay = self.worker.relay
        if relay is not None:
            relay.stop()
            relay.transport.close()
        self.transport.close()
        self.db.dispose()


def limits_of(settings: Settings) -> Limits:
    """Every input limit of `settings` (a `Limits` field is a `Settings` field of that name)."""
    return Limits(**{f.name: getattr(settings, f.name) for f in fields(Limits)})


def make_transport(settings: Settings, *, consume: bool = True) -> Transport:
    """RabbitMQ when `HUB_AMQP_URL` is set, else the in-process transport."""
    if settings.embedded:
        return InProcessTransport()
    from hub.adapters.amqp import AmqpTransport

    return with_retries(
        lambda: AmqpTransport(settings.amqp_url, prefetch=settings.prefetch, consume=consume),
        attempts=5,
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
    db = Database(settings.database_url)
    if migrate:
        # a database that is still starting (or briefly away) is waited for, up to
        # `startup_wait`; after that the caller gets one `DatabaseUnavailable`, not a traceback
        with_retries(db.upgrade, attempts=1_000, max_delay=settings.startup_wait, max_wait=5.0)
    own_transport = transport is None
    transport = transport or make_transport(settings, consume=consume)
    context = HubContext(
        clock=clock, limits=limits_of(settings), hub_id=settings.hub_id, charge=charge_token
    )
    relay = None
    if consume and own_transport and not settings.embedded:
        # on RabbitMQ, `hub run` publishes the outbox from its own thread and connection while
        # the loop processes the next batch (see `BackgroundRelay`)
        relay_transport = make_transport(settings, consume=False)
        reconnect = getattr(relay_transport, "connect", None)
        relay = BackgroundRelay(db.uow, relay_transport, clock, reconnect=reconnect)
    worker = Worker(
        transport,
        db.uow,
        context,
        batch_size=settings.batch_size,
        batch_wait=settings.batch_wait,
        retry=_retry,
        periodic=periodic_jobs(settings),
        relay=relay,
    )
    return Hub(settings, db, transport, worker, clock)


def periodic_jobs(settings: Settings) -> list[Callable[[UnitOfWork, datetime], object]]:
    """What `hub run` does besides consuming: expire ended subscriptions' unused tokens and
    remind operators whose subscription ends within `reminder_days` (each once)."""

    def expire(uow: UnitOfWork, now: datetime) -> object:
        return accounts.expire_subscriptions(uow, now, "hub run")

    def remind(uow: UnitOfWork, now: datetime) -> object:
        return accounts.send_reminders(uow, now, settings.reminder_days, for_uow(uow), "hub run")

    return [expire, remind]


def _retry(fn: Callable[[], T]) -> T:
    return with_retries(fn, attempts=6, max_delay=30.0)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
