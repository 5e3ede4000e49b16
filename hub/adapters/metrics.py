"""Prometheus metrics and the `/metrics`, `/livez`, `/readyz` endpoints (the only module that
imports `prometheus_client`).

Names follow Prometheus' conventions: one `hub_` prefix, base units (seconds), `_total` on
counters, and bounded labels only: `type` is one of the message types the hub maps (else
"other"), `outcome` one of four words, `terminal` a registered terminal's validated code.
Gauges about the ledger (outbox backlog, oldest unsent row, quarantine) are read from the
database when scraped, by `probe`, never counted in the process.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.domain.events import Event, GateAuthorised, GateWithdrawn
from hub.mappers import edifact, xml
from hub.service_layer.observe import Check, Kept, Overview
from hub.service_layer.ports import Delivery, Outgoing

log = logging.getLogger("hub.metrics")

KNOWN_TYPES: frozenset[str] = frozenset(edifact.MAPPERS) | frozenset(
    root for _ns, root in xml.MAPPERS
)
CHANNELS = frozenset({"edifact", "xml"})
EXCHANGES = frozenset({"hub.gate", "hub.partner"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
END_TO_END_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0)
SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def type_label(message_type: str) -> str:
    """The message type as a label: one of the mapped types, or "other"."""
    name = message_type.strip()
    return name if name in KNOWN_TYPES else "other"


def exchange_label(exchange: str) -> str:
    """The exchange as a label: the hub's own (gate, partner), else "other"."""
    return exchange if exchange in EXCHANGES else "other"


def channel_label(outcome: Any, delivery: Delivery) -> str:
    channel = getattr(outcome, "channel", "")
    if channel in CHANNELS:
        return str(channel)
    return "unreadable"


class PrometheusMetrics:
    """The `Metrics` port for Prometheus, on its own registry (several hubs in one test
    process do not collide)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages = Counter(
            "hub_messages_total",
            "Business messages received, by channel, type and outcome.",
            ["channel", "type", "outcome"],
            registry=r,
        )
        self.deliveries = Counter(
            "hub_deliveries_total", "Deliveries (broker messages) processed.", registry=r
        )
        self.batch_seconds = Histogram(
            "hub_batch_duration_seconds",
            "Time to process and commit one batch.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.message_seconds = Histogram(
            "hub_message_duration_seconds",
            "Per delivery: its batch's processing time divided by the batch size.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "hub_batch_size", "Deliveries per batch.", buckets=SIZE_BUCKETS, registry=r
        )
        self.published = Counter(
            "hub_relay_published_total", "Outbox rows published and confirmed.", registry=r
        )
        self.relay_failures = Counter(
            "hub_relay_failures_total",
            "Relay passes that failed (no confirm, broker away) and were retried.",
            registry=r,
        )
        self.end_to_end = Histogram(
            "hub_end_to_end_seconds",
            "From an inbound message's publication (its AMQP timestamp, else its receipt) to "
            "the broker's confirm of each outbound message it caused, by exchange.",
            ["exchange"],
            buckets=END_TO_END_BUCKETS,
            registry=r,
        )
        self.gate = Counter(
            "hub_gate_messages_total",
            "Gate authorisations and withdrawals, by terminal.",
            ["terminal", "kind"],
            registry=r,
        )

    def batch(
        self, deliveries: Sequence[Delivery], outcomes: Sequence[object], seconds: float
    ) -> None:
        size = len(deliveries)
        self.deliveries.inc(size)
        self.batch_size.observe(size)
        self.batch_seconds.observe(seconds)
        per = seconds / size if size else 0.0
        for delivery, outcome in zip(deliveries, outcomes, strict=False):
            self.message_seconds.observe(per)
            channel = channel_label(outcome, delivery)
            status = str(getattr(outcome, "status", "applied"))
            types = getattr(outcome, "types", None) or ["other"]
            for message_type in types:
                self.messages.labels(channel, type_label(message_type), status).inc()
            self.events(getattr(outcome, "events", ()))

    def events(self, events: Sequence[Event]) -> None:
        for event in events:
            if isinstance(event, GateAuthorised):
                self.gate.labels(event.terminal, "authorisation").inc()
            elif isinstance(event, GateWithdrawn):
                self.gate.labels(event.terminal, "withdrawal").inc()

    def relayed(self, published: int) -> None:
        if published:
            self.published.inc(published)

    def relay_failed(self) -> None:
        self.relay_failures.inc()

    def delivered(self, messages: Sequence[Outgoing], confirmed_at: datetime) -> None:
        for message in messages:
            if message.origin is not None:
                seconds = (confirmed_at - message.origin).total_seconds()
                self.end_to_end.labels(exchange_label(message.exchange)).observe(max(seconds, 0.0))

    def watch(
        self,
        probe: Callable[[], Overview],
        up: Callable[[], dict[str, bool]],
        depths: Callable[[], dict[str, tuple[int, int]]] | None = None,
        every: float = 0.0,
    ) -> None:
        """Read the ledger's gauges (`probe`), what is up (`up`) and the broker's queue depths
        and consumer counts (`depths`, queue → (ready, consumers)) when scraped. `every`:
        the ledger's and the broker's readings are reused for that many seconds, so that a
        scraper polling often does not make the worker's process read them every time
        (`up` is read at every scrape)."""
        self.registry.register(_LedgerCollector(Kept(probe, every), up))
        if depths is not None:
            self.registry.register(_QueueCollector(Kept(depths, every)))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _LedgerCollector(Collector):
    def __init__(self, probe: Callable[[], Overview], up: Callable[[], dict[str, bool]]) -> None:
        self.probe, self.up = probe, up

    def describe(self) -> Iterable[Any]:
        return []  # read only when collected: registering must not query the database

    def collect(self) -> Iterable[Any]:
        up = GaugeMetricFamily("hub_up", "1 when that dependency answers.", labels=["dependency"])
        for name, ok in self.up().items():
            up.add_metric([name], 1.0 if ok else 0.0)
        yield up
        try:
            seen = self.probe()
        except Exception as exc:  # the database is away: say so through hub_up, not a 500
            log.debug("metrics: ledger probe failed: %s", exc)
            return
        yield GaugeMetricFamily(
            "hub_outbox_backlog", "Outbox rows not yet published.", value=seen.outbox_backlog
        )
        yield GaugeMetricFamily(
            "hub_outbox_oldest_unsent_seconds",
            "Age of the oldest unpublished outbox row (0 when none).",
            value=seen.oldest_unsent_seconds,
        )
        held = GaugeMetricFamily(
            "hub_quarantine_held", "Quarantined messages held, by kind.", labels=["kind"]
        )
        for kind, n in sorted(seen.quarantine.items()):
            held.add_metric([kind], n)
        yield held
        tokens = CounterMetricFamily(
            "hub_token_movements",
            "Token ledger entries that consumed or refunded tokens (from the ledger).",
            labels=["movement"],
        )
        for kind in ("consume", "refund"):
            tokens.add_metric([kind], seen.token_movements.get(kind, 0))
        yield tokens
        yield GaugeMetricFamily(
            "hub_inbox_last_hour",
            "Inbound units recorded in the last hour.",
            value=seen.inbox_last_hour,
        )


class _QueueCollector(Collector):
    def __init__(self, depths: Callable[[], dict[str, tuple[int, int]]]) -> None:
        self.depths = depths

    def describe(self) -> Iterable[Any]:
        return []

    def collect(self) -> Iterable[Any]:
        try:
            seen = self.depths()
        except Exception as exc:  # the broker is away: hub_up says so
            log.debug("metrics: queue depths failed: %s", exc)
            return
        ready = GaugeMetricFamily(
            "hub_queue_messages", "Messages ready in the hub's queues.", labels=["queue"]
        )
        consumers = GaugeMetricFamily(
            "hub_queue_consumers", "Consumers of the hub's queues.", labels=["queue"]
        )
        for queue, (n, c) in sorted(seen.items()):
            ready.add_metric([queue], n)
            consumers.add_metric([queue], c)
        yield ready
        yield consumers


class Endpoints:
    """What the HTTP server answers: the exposition, liveness and readiness."""

    def __init__(
        self,
        metrics: PrometheusMetrics,
        live: Callable[[], list[Check]],
        ready: Callable[[], list[Check]],
    ) -> None:
        self.metrics, self.live, self.ready = metrics, live, ready

    def answer(self, path: str) -> tuple[int, str, bytes]:
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, self.metrics.exposition()
        if path in ("/livez", "/readyz"):
            checks = self.live() if path == "/livez" else self.ready()
            ok = all(c.ok for c in checks)
            body = {
                "status": "ok" if ok else "failing",
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
            }
            return (200 if ok else 503), "application/json", json.dumps(body).encode()
        return 404, "text/plain", b"not found\n"


def serve(endpoints: Endpoints, host: str, port: int) -> ThreadingHTTPServer:
    """Serve `endpoints` on a daemon thread; `shutdown()` the result to stop."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                status, ctype, body = endpoints.answer(self.path.split("?", 1)[0])
            except Exception:
                log.exception("metrics endpoint %s failed", self.path)
                status, ctype, body = 500, "text/plain", b"internal error\n"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None  # scrapes every few seconds would drown the hub's own log

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="hub-metrics", daemon=True).start()
    log.info("metrics and health on http://%s:%d (/metrics, /livez, /readyz)", host, port)
    return server
