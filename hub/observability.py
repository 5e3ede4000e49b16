"""Operating `hub run`: Prometheus metrics, the /livez and /readyz checks, the start banner.

Wired on a built `Hub` (see `hub.bootstrap`); serves from a thread of its own, so a slow scrape
never holds the worker loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from hub.bootstrap import Hub
from hub.config import Settings
from hub.ledger import overview
from hub.service_layer.observe import Check, Kept, Live, Overview, run_checks
from hub.service_layer.ports import Transport

READ_EVERY = 5.0
"""Seconds a scrape's reading of the ledger's gauges and the broker's queue depths (and `hub
serve`'s broker check) is reused. Prometheus scrapes every 15 s by default, so a gauge is then
at most 5 s older than its scrape; a scraper polling every second costs the worker's process
one reading of each in five seconds, not one a second."""


def observe(hub: Hub) -> Any:
    """Measure `hub`'s worker and relay with Prometheus and serve /metrics, /livez and /readyz
    on `metrics_host:metrics_port` from a thread. Returns the server (`shutdown()` it), or
    None when `metrics_port` is 0."""
    s = hub.settings
    if not s.metrics_port:
        return None
    from hub.adapters import metrics as prom

    m = prom.PrometheusMetrics()
    hub.worker.metrics = m
    if hub.worker.relay is not None:
        hub.worker.relay.metrics = m
    m.watch(_probe(hub), lambda: _up(hub), _depths(s), every=READ_EVERY)
    endpoints = prom.Endpoints(m, lambda: live_checks(hub), lambda: ready_checks(hub))
    try:
        return prom.serve(endpoints, s.metrics_host, s.metrics_port)
    except OSError as exc:  # port taken (a second process on this machine): keep consuming
        logging.getLogger("hub.run").error(
            "metrics and health NOT served on %s:%d (%s); set HUB_METRICS_PORT per process",
            s.metrics_host,
            s.metrics_port,
            exc,
        )
        return None


def web_endpoints(hub: Hub) -> Callable[[str], tuple[int, str, bytes]]:
    """What `hub serve` answers on /metrics, /livez and /readyz beside the console: the
    ledger's gauges and the broker's queues (no worker runs there, so no message counters);
    live while it answers; ready when the database answers at the newest migration and, on
    RabbitMQ, the broker answers a short connection."""
    from hub.adapters import metrics as prom

    depths = _depths(hub.settings)
    reachable = _reachable(hub)
    ready = {**reachable, "migrations": lambda: overview.migrations_pending(hub.sql.engine)}
    m = prom.PrometheusMetrics()
    up = lambda: {c.name: c.ok for c in run_checks(reachable)}  # noqa: E731
    m.watch(_probe(hub), up, depths, every=READ_EVERY)
    live = lambda: run_checks({"web": lambda: ""})  # noqa: E731 - it answered: it is alive
    return prom.Endpoints(m, live, lambda: run_checks(ready)).answer


LIVE_WINDOW = timedelta(minutes=5)


def web_live(hub: Hub) -> Callable[[], Live]:
    """The operations console's live overview (`/ops/live`): the ledger's overview and last
    minutes, the broker's queues and the readiness checks, read on each call."""
    depths = _depths(hub.settings)

    def read() -> Live:
        now = hub.clock()
        found: dict[str, tuple[int, int]] = {}
        checks: dict[str, Callable[[], str]] = {
            "database": lambda: overview.ping(hub.sql.engine),
            "migrations": lambda: overview.migrations_pending(hub.sql.engine),
        }
        if depths is not None:  # one short connection both reads the queues and checks it
            checks["broker"] = partial(_read_into, found, depths)
        done = run_checks(checks)
        broker_ok = any(c.name == "broker" and c.ok for c in done)
        return Live(
            overview.overview(hub.sql.engine, now),
            overview.activity(hub.sql.engine, now, LIVE_WINDOW),
            found if broker_ok else None,
            done,
        )

    return read


def _read_into(
    found: dict[str, tuple[int, int]], depths: Callable[[], dict[str, tuple[int, int]]]
) -> str:
    found.update(depths())
    return ""


def _broker_answers(settings: Settings) -> str:
    from hub.adapters import amqp

    amqp.queue_depths(settings.amqp_url, ())
    return ""


def _reachable(hub: Hub) -> dict[str, Callable[[], str]]:
    """Database and broker answer. `hub serve` shares its port with the portal, so whoever
    asks for /readyz or /metrics there would make it open a broker connection each time: the
    answer is kept for `READ_EVERY` seconds."""
    checks: dict[str, Callable[[], str]] = {"database": lambda: overview.ping(hub.sql.engine)}
    if not hub.settings.embedded:
        checks["broker"] = Kept(lambda: _broker_answers(hub.settings), READ_EVERY)
    return checks


def _probe(hub: Hub) -> Callable[[], Overview]:
    """The ledger's gauges, read now."""
    return lambda: overview.overview(hub.sql.engine, hub.clock())


def _depths(settings: Settings) -> Callable[[], dict[str, tuple[int, int]]] | None:
    """The hub's own queues (inbound and its dead letters), read at each scrape."""
    if settings.embedded:
        return None
    from hub.adapters import amqp

    queues = (*amqp.inbound_queues(settings.partitions), amqp.LEGACY_QUEUE, amqp.DEAD_QUEUE)
    return lambda: amqp.queue_depths(settings.amqp_url, queues)


def _connected(transport: Transport) -> bool:
    return bool(getattr(transport, "connected", True))  # the in-process one is always there


def _up(hub: Hub) -> dict[str, bool]:
    db_ok = not run_checks({"database": lambda: overview.ping(hub.sql.engine)})[0].detail
    relay = hub.worker.relay
    broker = _connected(hub.transport) and (relay is None or _connected(relay.transport))
    return {"database": db_ok, "broker": broker}


def live_checks(hub: Hub) -> list[Check]:
    """The worker loop went round within `live_seconds`."""
    limit = hub.settings.live_seconds

    def loop() -> str:
        idle = time.monotonic() - hub.worker.last_tick
        return "" if idle < limit else f"worker loop idle for {idle:.0f}s (limit {limit:.0f}s)"

    return run_checks({"worker_loop": loop})


def ready_checks(hub: Hub) -> list[Check]:
    """Database answers, schema at the newest migration, broker connected, relay not stuck."""
    limit = hub.settings.ready_outbox_age

    def broker() -> str:
        relay = hub.worker.relay
        ok = _connected(hub.transport) and (relay is None or _connected(relay.transport))
        return "" if ok else "not connected to RabbitMQ"

    def relay() -> str:
        age = overview.overview(hub.sql.engine, hub.clock()).oldest_unsent_seconds
        return "" if age < limit else f"oldest unsent outbox row is {age:.0f}s old"

    return run_checks(
        {
            "database": lambda: overview.ping(hub.sql.engine),
            "migrations": lambda: overview.migrations_pending(hub.sql.engine),
            "broker": broker,
            "relay": relay,
        }
    )


def banner(hub: Hub) -> list[str]:
    """What `hub run` logs at start: its settings (passwords masked) and its topology."""
    from hub.adapters import amqp

    lines = [f"hub run starting: {hub.settings!r}"]
    if hub.settings.embedded:
        lines.append("transport: in-process (HUB_AMQP_URL not set)")
    else:
        lines.append(
            f"topology: consumes the partitions it leases of {amqp.partition_queue(0)}.."
            f"p{hub.settings.partitions - 1} (dead letters: {amqp.DEAD_QUEUE}); "
            f"publishes to exchanges {amqp.GATE_EXCHANGE} (terminal.<code>), "
            f"{amqp.PARTNER_EXCHANGE} (partner.<party>)"
        )
    return lines
