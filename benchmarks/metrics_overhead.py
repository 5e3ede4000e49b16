"""What the Prometheus metrics cost a processed message, measured with timeit.

Times, per batch of 100 deliveries, everything `hub run` adds after a commit when metrics are
on (`PrometheusMetrics.batch`: counters by channel/type/outcome, gate events, histograms) plus
the batch's INFO log line and the relay's end-to-end observations, and one scrape (the
exposition and the ledger gauges read from a SQLite database), and prints the cost per message
next to the per-message time of the documented end-to-end throughput (docs/performance.md: 811
msg/s for one worker, 1,278 msg/s for two). Run: `python benchmarks/metrics_overhead.py`;
`benchmarks/bench.py` calls `measure` beside its metered end-to-end run.
"""

from __future__ import annotations

import logging
import tempfile
import timeit
from datetime import UTC, datetime, timedelta

from hub.adapters.metrics import PrometheusMetrics
from hub.bootstrap import build
from hub.config import Settings
from hub.domain.events import GateAuthorised
from hub.domain.values import Pickup, PickupMode
from hub.ledger.overview import overview
from hub.service_layer.observe import NoMetrics
from hub.service_layer.pipeline import Outcome
from hub.service_layer.ports import Delivery, Outgoing

BATCH = 100


def sample_batch() -> tuple[list[Delivery], list[Outcome]]:
    deliveries = [Delivery(b"x", "mscbe", f"m-{i}") for i in range(BATCH)]
    outcomes = []
    for i in range(BATCH):
        o = Outcome(applied=1, channel="xml" if i % 2 else "edifact")
        o.types.append("PickupRightAction" if i % 2 else "COREOR")
        o.containers.append("MSCU1234565")
        if i % 8 == 0:
            o.events.append(
                GateAuthorised("MSCU1234565", "PSAT", 1, "R1", Pickup(PickupMode.TRUCK, "TRUCKCO"))
            )
        outcomes.append(o)
    return deliveries, outcomes


def sample_sent(at: datetime) -> list[Outgoing]:
    """What the relay confirms for such a batch: one outbound message per delivery, each with
    the origin of the message that caused it (`hub_end_to_end_seconds`)."""
    origin = at - timedelta(seconds=0.2)
    return [
        Outgoing("hub.gate" if i % 2 else "hub.partner", "k", b"", "x", "t", origin=origin)
        for i in range(BATCH)
    ]


def measure(number: int = 2000) -> dict[str, float]:
    """Per message, what metrics add (µs), and one scrape (ms), timed in this process."""
    deliveries, outcomes = sample_batch()
    now = datetime.now(UTC)
    sent = sample_sent(now)
    logging.basicConfig(level=logging.INFO, handlers=[logging.NullHandler()])
    log = logging.getLogger("hub.worker")
    m, none = PrometheusMetrics(), NoMetrics()

    def with_metrics() -> None:
        m.batch(deliveries, outcomes, 0.05)
        m.delivered(sent, now)
        log.info("batch of %d in %.1f ms", BATCH, 50.0)

    def without() -> None:
        none.batch(deliveries, outcomes, 0.05)
        none.delivered(sent, now)

    on = min(timeit.repeat(with_metrics, number=number, repeat=5)) / number / BATCH
    off = min(timeit.repeat(without, number=number, repeat=5)) / number / BATCH
    with tempfile.TemporaryDirectory() as d:
        hub = build(Settings(database_url=f"sqlite:///{d}/hub.db"))
        m.watch(lambda: overview(hub.db.engine, datetime.now(UTC)), lambda: {"database": True})
        scrape = min(timeit.repeat(m.exposition, number=50, repeat=3)) / 50
        hub.close()
    return {"per_message_us": (on - off) * 1e6, "scrape_ms": scrape * 1e3}


def main() -> None:
    figures = measure()
    extra = figures["per_message_us"] / 1e6
    print(f"metrics + batch log line: {figures['per_message_us']:.2f} µs per message")
    print(f"one scrape (exposition + ledger gauges, SQLite): {figures['scrape_ms']:.2f} ms")
    for label, rate in (("1 worker, 811 msg/s", 811), ("2 workers, 1,278 msg/s", 1278)):
        print(f"  share of a message's time at {label}: {extra * rate * 100:.2f} %")


if __name__ == "__main__":
    main()
