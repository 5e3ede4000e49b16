"""`hub run` on the real PostgreSQL and RabbitMQ serves /metrics, /livez and /readyz: the
counters move as messages flow, and /readyz says not-ready while the database is cut (through
a proxy) and ready again after. `hub serve` answers the same three paths beside the console."""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.bootstrap import build
from hub.config import Settings
from hub.observability import web_live
from tests.integration import faults as F

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[F.World]:
    F.require_servers()
    w = F.World.create(tmp_path_factory.mktemp("metrics"))
    yield w
    w.destroy()


@pytest.fixture()
def run(world: F.World, tmp_path: Path) -> Iterator[F.Run]:
    r = F.Run(world, world.fresh(), tmp_path)
    yield r
    r.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=15) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, b""


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = get(port, "/metrics")
    assert status == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def total(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **want: str
) -> float:
    return sum(
        v for (n, labels), v in samples.items()
        if n == name and all(dict(labels).get(k) == x for k, x in want.items())
    )  # fmt: skip


@pytest.mark.timeout(180)
def test_metrics_move_with_the_messages_and_readyz_follows_the_database(run: F.Run) -> None:
    port = free_port()
    pg = run.proxy(F.PG_PORT)
    hub = run.hub(pg=pg, metrics_port=str(port))
    F.wait_until("/readyz", lambda: get(port, "/readyz")[0] == 200, timeout=60)
    assert get(port, "/livez")[0] == 200
    before = scrape(port)
    assert total(before, "hub_messages_total") == 0

    count = 30
    stories = [F.story(c, n, "MET") for n, c in enumerate(F.containers(count, seed=18))]
    streamer = F.CausalStreamer(run.world, run.engine, stories, rate=200)
    streamer.start()
    F.wait_until("some messages counted", lambda: total(scrape(port), "hub_messages_total") > 0, 60)
    midway = total(scrape(port), "hub_messages_total")
    sent = streamer.finish()
    run.settle(sent, timeout=60)
    seen: list[dict[tuple[str, tuple[tuple[str, str], ...]], float]] = []

    def ledger_read_the_run() -> bool:
        """The ledger's gauges are a reading kept up to READ_EVERY seconds: wait for one
        taken after the run (outbox relayed, every accept's token counted)."""
        seen.append(scrape(port))
        consumed = total(seen[-1], "hub_token_movements_total", movement="consume")
        return total(seen[-1], "hub_outbox_backlog") == 0 and consumed == count

    F.wait_until("the outbox relayed, as the ledger reads it", ledger_read_the_run, 30)
    after = seen[-1]

    assert 0 < midway <= total(after, "hub_messages_total")
    for channel, kind in (("edifact", "COREOR"), ("edifact", "COARRI"), ("edifact", "CODECO")):
        applied = total(after, "hub_messages_total", channel=channel, type=kind, outcome="applied")
        assert applied == count, (kind, applied)
    assert total(after, "hub_messages_total", channel="xml", outcome="applied") == 5 * count
    assert total(after, "hub_messages_total", outcome="rejected") == 0
    assert total(after, "hub_deliveries_total") == 8 * count
    assert total(after, "hub_batch_size_count") >= 1
    assert total(after, "hub_gate_messages_total", kind="authorisation") == count
    assert total(after, "hub_token_movements_total", movement="consume") == count
    assert total(after, "hub_relay_published_total") > 0
    gate_seen = total(after, "hub_end_to_end_seconds_count", exchange="hub.gate")
    assert gate_seen >= count  # every gate message, measured from its partner's timestamp
    assert 0 < total(after, "hub_end_to_end_seconds_sum", exchange="hub.gate") < 60 * gate_seen
    assert total(after, "hub_end_to_end_seconds_count", exchange="hub.partner") > 0
    assert total(after, "hub_up", dependency="database") == 1
    assert total(after, "hub_up", dependency="broker") == 1
    partitions = [f"hub.inbound.p{p}" for p in range(8)]
    consumers = sum(total(after, "hub_queue_consumers", queue=q) for q in partitions)
    assert consumers == 8, "this hub, alone, consumes every partition"
    F.wait_until(  # a reading of the queues is reused for up to READ_EVERY seconds
        "the partitions read empty",
        lambda: sum(total(scrape(port), "hub_queue_messages", queue=q) for q in partitions) == 0,
        10,
    )
    assert ("hub_queue_messages", (("queue", "hub.inbound.dead"),)) in after

    web = free_port()
    serve = subprocess.Popen(
        [*F.HUB, "serve", "--port", str(web)],
        env=run.env(pg=pg),
        cwd=F.REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        F.wait_until("hub serve /readyz", lambda: get(web, "/readyz")[0] == 200, timeout=60)
        ready = json.loads(get(web, "/readyz")[1])["checks"]
        assert set(ready) == {"database", "migrations", "broker"}, ready
        assert get(web, "/livez")[0] == 200
        seen = scrape(web)
        assert total(seen, "hub_up", dependency="broker") == 1
        assert ("hub_outbox_backlog", ()) in seen
        # the hub run, alone, is the active consumer of every partition
        assert sum(total(seen, "hub_queue_consumers", queue=q) for q in partitions) == 8
        console = build(
            Settings(database_url=run.db_url, amqp_url=run.world.amqp_url), consume=False
        )
        try:  # what the console's live overview reads, on the real broker
            live = web_live(console)()
        finally:
            console.close()
        assert live.queues is not None
        assert sum(live.queues[q][1] for q in partitions) == 8
        assert all(c.ok for c in live.checks) and {c.name for c in live.checks} >= {"broker"}
        assert live.activity.by_outcome.get("applied", 0) >= count
        assert len(live.activity.latencies) >= count  # relayed gate messages, with their origin

        pg.cut()
        try:
            for p in (port, web):
                F.wait_until("/readyz 503", lambda p=p: get(p, "/readyz")[0] == 503, timeout=30)
                body = json.loads(get(p, "/readyz")[1])
                assert body["checks"]["database"]["ok"] is False
                assert body["checks"]["broker"]["ok"] is True
                assert total(scrape(p), "hub_up", dependency="database") == 0
        finally:
            pg.restore()
        for p in (port, web):
            F.wait_until("/readyz 200 again", lambda p=p: get(p, "/readyz")[0] == 200, 60)
            assert get(p, "/livez")[0] == 200
    finally:
        serve.terminate()
        serve.wait(20)

    assert hub.stop() == 0
    out = hub.output()
    assert "hub run starting: Settings(" in out and "guest:***@" in out
    assert "batch of " in out and "metrics and health on http://127.0.0.1:" in out
