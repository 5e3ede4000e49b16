"""Operating `hub run`: Prometheus metrics, the /livez and /readyz checks, the start banner.

Wired on a built `Hub` (see `hub.bootstrap`); serves from a thread of its own, so a slow scrape
never holds the worker loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from hub.bootstrap import Hub
from hub.config import Settings
from hub.ledger import overview
from hub.service_layer.observe import Check, run_checks
from hub.service_layer.ports import Transport


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
    m.watch(lambda: overview.overview(hub.sql.engine, hub.clock()), lambda: _up(hub), _depths(s))
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


def _depths(settings: Settings) -> Callable[[], dict[str, tuple[int, int]]] | None:
    """The hub's own queues (inbound and its dead letters), read at each scrape."""
    if settings.embedded:
        return None
    from hub.adapters import amqp

    queues = (amqp.INBOUND_QUEUE, amqp.DEAD_QUEUE)
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
            f"topology: consumes {amqp.INBOUND_QUEUE} (dead letters: {amqp.DEAD_QUEUE}); "
            f"publishes to exchanges {amqp.GATE_EXCHANGE} (terminal.<code>), "
            f"{amqp.PARTNER_EXCHANGE} (partner.<party>)"
        )
    return lines
