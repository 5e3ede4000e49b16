"""Metrics, health and logs of a running hub, on SQLite with the in-process transport: the
counters move as messages flow through the real pipeline."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.adapters.metrics import Endpoints, PrometheusMetrics, type_label
from hub.bootstrap import Hub
from hub.ledger.overview import overview
from hub.logs import JsonFormatter
from hub.observability import live_checks, ready_checks
from hub.service_layer.observe import log_message
from hub.service_layer.pipeline import Outcome
from hub.service_layer.ports import Delivery
from tests.unit.service.conftest import SAMPLES, STORY, FixedClock, send

pytestmark = pytest.mark.sql_only  # the gauges and health checks read the SQL overview


def _metered(hub: Hub) -> PrometheusMetrics:
    m = PrometheusMetrics()
    hub.worker.metrics = m
    m.watch(lambda: overview(hub.db.engine, hub.clock()), lambda: {"database": True})
    return m


def _value(m: PrometheusMetrics, name: str, **labels: str) -> float:
    return m.registry.get_sample_value(name, labels) or 0.0


def test_counters_follow_the_story(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, transport = embedded
    m = _metered(hub)
    send(hub, transport, *STORY[0])
    assert _value(m, "hub_messages_total", channel="edifact", type="COREOR", outcome="applied") == 1
    assert _value(m, "hub_deliveries_total") == 1
    assert _value(m, "hub_batch_size_count") == 1
    assert _value(m, "hub_batch_duration_seconds_count") == 1
    assert _value(m, "hub_message_duration_seconds_count") == 1
    for name, user in STORY[1:]:
        send(hub, transport, name, user)
    assert _value(m, "hub_deliveries_total") == len(STORY)
    xml_applied = sum(
        _value(m, "hub_messages_total", channel="xml", type=t, outcome="applied")
        for t in ("PickupRightAction", "CustomsStatusReport", "ReleaseRightAction")
    )
    assert xml_applied == 5  # two accepts, a transfer, customs, an assignment
    assert _value(m, "hub_token_movements_total", movement="consume") == 1  # TRUCKCO's accept
    gate = m.exposition().decode()
    assert 'hub_gate_messages_total{kind="authorisation",terminal="' in gate


def test_duplicates_and_unreadable_are_labelled(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, transport = embedded
    m = _metered(hub)
    send(hub, transport, *STORY[0])
    send(hub, transport, *STORY[0], message_id="again")
    transport.put(b"this is no EDI at all", "mscbe", "junk")
    hub.worker.drain()
    assert (
        _value(m, "hub_messages_total", channel="edifact", type="COREOR", outcome="duplicate") == 1
    )
    assert (
        _value(m, "hub_messages_total", channel="unreadable", type="other", outcome="rejected") == 1
    )
    # the gauges are read from the ledger when scraped
    held = _value(m, "hub_quarantine_held", kind="unreadable")
    assert held == 1
    assert _value(m, "hub_outbox_backlog") == 0  # the loop relayed everything
    assert _value(m, "hub_up", dependency="database") == 1


def test_message_types_are_bounded() -> None:
    assert type_label("COREOR") == "COREOR"
    assert type_label("ReleaseRightAction") == "ReleaseRightAction"
    assert type_label("X" * 40) == "other"
    assert type_label("BAPLIE") == "other"  # known to the hub but never mapped


def test_health_on_a_current_database(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, _ = embedded
    endpoints = Endpoints(_metered(hub), lambda: live_checks(hub), lambda: ready_checks(hub))
    status, ctype, body = endpoints.answer("/readyz")
    assert (status, ctype) == (200, "application/json")
    checks = json.loads(body)["checks"]
    assert set(checks) == {"database", "migrations", "broker", "relay"}
    assert all(c["ok"] for c in checks.values())
    assert endpoints.answer("/livez")[0] == 200
    assert endpoints.answer("/nothing")[0] == 404


def test_readiness_fails_when_the_relay_is_stuck(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, transport = embedded
    name, user = STORY[0]
    transport.put((SAMPLES / name).read_bytes(), user, "r-1")
    hub.worker.process(transport.fetch(10, 0.0))  # committed, not relayed: the outbox waits
    assert ready_checks(hub)[3].ok  # young rows are no stuck relay
    hub.clock.at += timedelta(seconds=hub.settings.ready_outbox_age + 1)  # type: ignore[attr-defined]
    status, _, body = Endpoints(
        PrometheusMetrics(), lambda: live_checks(hub), lambda: ready_checks(hub)
    ).answer("/readyz")
    checks = json.loads(body)["checks"]
    assert status == 503
    assert not checks["relay"]["ok"] and "outbox" in checks["relay"]["detail"]


def test_liveness_fails_when_the_loop_is_stuck(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, _ = embedded
    hub.worker.last_tick -= hub.settings.live_seconds + 1
    assert [c.ok for c in live_checks(hub)] == [False]


def test_json_log_lines_carry_the_message_fields(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hub.worker"):
        log_message(
            Delivery(b"", "mscbe", "m-1"),
            Outcome(rejected=1, containers=["MSCU1234565"]),
            logging.INFO,
        )
    line = json.loads(JsonFormatter().format(caplog.records[-1]))
    assert line["message_id"] == "m-1" and line["sender"] == "mscbe"
    assert line["container"] == "MSCU1234565" and line["outcome"] == "rejected"
    assert line["level"] == "INFO" and "m-1" in line["message"]


def test_batch_line_and_rejections_are_logged(
    embedded: tuple[Hub, InProcessTransport], caplog: pytest.LogCaptureFixture
) -> None:
    hub, transport = embedded
    transport.put(b"this is no EDI at all", "mscbe", "junk-1")
    with caplog.at_level(logging.INFO, logger="hub.worker"):
        hub.worker.drain()
    lines = [r.getMessage() for r in caplog.records if r.name == "hub.worker"]
    assert any("junk-1" in line and "rejected" in line for line in lines)
    assert any(line.startswith("batch of 1 in ") and "rejected=1" in line for line in lines)


def test_hub_status_reads_the_overview_from_the_database(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    from click.testing import CliRunner

    from hub.entrypoints.cli import cli

    hub, transport = embedded
    name, user = STORY[0]
    transport.put((SAMPLES / name).read_bytes(), user, "r-1")
    transport.put(b"this is no EDI at all", "mscbe", "junk")
    hub.worker.process(transport.fetch(10, 0.0))  # committed, not relayed
    result = CliRunner().invoke(
        cli, ["status"], env={"HUB_DATABASE_URL": hub.settings.database_url}
    )
    assert result.exit_code == 0, result.output
    lines = dict(line.split(":", 1) for line in result.output.splitlines())
    unsent = overview(hub.db.engine, hub.clock()).outbox_backlog
    assert unsent > 0 and int(lines["outbox backlog"]) == unsent
    assert lines["quarantine held"].split() == ["1", "(unreadable=1)"]
    assert int(lines["audit head"]) > 0


def test_hub_status_shows_the_last_minutes_rates_and_latency(
    embedded: tuple[Hub, InProcessTransport], clock: FixedClock
) -> None:
    from click.testing import CliRunner

    from hub.entrypoints.cli import cli

    hub, transport = embedded
    clock.at = datetime.now(UTC)  # `hub status` reads the last minutes of the real clock
    body = (SAMPLES / STORY[0][0]).read_bytes()
    origin = clock.at - timedelta(seconds=2)
    transport.queue.append(Delivery(body, STORY[0][1], "s-1", origin=origin))
    transport.put(b"this is no EDI at all", "mscbe", "junk")
    hub.worker.drain()  # applied, rejected, and relayed (in-process) 2 s after the origin
    result = CliRunner().invoke(
        cli, ["status"], env={"HUB_DATABASE_URL": hub.settings.database_url}
    )
    lines = dict(line.split(":", 1) for line in result.output.splitlines())
    assert lines["per minute, last 5 min"].strip() == "applied=0.2, rejected=0.2"
    assert lines["end to end, last 5 min"].strip() == "p50 2.00 s, p95 2.00 s"


def test_readiness_fails_when_the_schema_is_behind(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    from sqlalchemy import text

    hub, _ = embedded
    with hub.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    checks = {c.name: c for c in ready_checks(hub)}
    assert not checks["migrations"].ok and "0001" in checks["migrations"].detail
    assert checks["database"].ok


def test_a_taken_port_leaves_the_hub_running_without_metrics(
    embedded: tuple[Hub, InProcessTransport], caplog: pytest.LogCaptureFixture
) -> None:
    import socket
    from dataclasses import replace

    from hub.observability import observe

    hub, transport = embedded
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        hub.settings = replace(hub.settings, metrics_port=taken.getsockname()[1])
        with caplog.at_level(logging.ERROR, logger="hub.run"):
            assert observe(hub) is None
    assert "NOT served" in caplog.text
    send(hub, transport, *STORY[0])  # still consuming, and measured
    assert _value(hub.worker.metrics, "hub_deliveries_total") == 1  # type: ignore[arg-type]


def test_observe_serves_the_three_paths(embedded: tuple[Hub, InProcessTransport]) -> None:
    import socket
    import urllib.request
    from dataclasses import replace

    from hub.observability import observe

    hub, _ = embedded
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hub.settings = replace(hub.settings, metrics_port=port)
    server = observe(hub)
    try:
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as r:
            assert b"hub_outbox_backlog 0.0" in r.read()
        with urllib.request.urlopen(f"{base}/readyz", timeout=10) as r:
            assert json.loads(r.read())["status"] == "ok"
        with urllib.request.urlopen(f"{base}/livez", timeout=10) as r:
            assert r.status == 200
    finally:
        server.shutdown()


def test_end_to_end_runs_from_the_origin_to_the_confirm(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    """The outbox row remembers its inbound message's origin; the relay observes from it."""
    hub, transport = embedded
    m = _metered(hub)
    body = (SAMPLES / STORY[0][0]).read_bytes()
    origin = hub.clock() - timedelta(seconds=2.5)
    transport.queue.append(Delivery(body, STORY[0][1], "e2e-1", origin=origin))
    hub.worker.drain()
    answered = _value(m, "hub_end_to_end_seconds_count", exchange="hub.partner")
    assert answered >= 1  # the release's notifications, each 2.5 s after the origin
    assert _value(m, "hub_end_to_end_seconds_sum", exchange="hub.partner") == 2.5 * answered
    send(hub, transport, *STORY[1])  # no origin: the hub's clock when it is handled
    assert _value(m, "hub_end_to_end_seconds_count", exchange="hub.partner") > answered
    assert _value(m, "hub_end_to_end_seconds_sum", exchange="hub.partner") == 2.5 * answered


def test_origin_is_the_partners_timestamp_only_when_plausible() -> None:
    from hub.adapters.amqp import origin_of

    received = datetime(2026, 11, 30, 8, 0, 5, tzinfo=UTC)
    stamp = int(received.timestamp()) - 3
    assert origin_of(stamp, received) == received - timedelta(seconds=3)
    assert origin_of(None, received) == received
    for odd in (stamp + 60, 0, -1, 10**20, True, "12", stamp - 2 * 86400):
        assert origin_of(odd, received) == received, odd


def test_a_scraper_polling_often_reads_the_ledger_and_the_broker_once_per_interval() -> None:
    """Each scrape read the ledger's gauges (five queries) and the broker's queue depths (a
    connection of its own) on the worker's process, and each /readyz of `hub serve` (on the
    portal's port) opened a broker connection: an outcome, value or failure, is now kept for
    `every` seconds."""
    from hub.service_layer.observe import Kept

    now = [100.0]
    calls: list[float] = []

    def read() -> int:
        calls.append(now[0])
        if len(calls) == 3:
            raise RuntimeError("the broker is away")
        return len(calls)

    reading = Kept(read, 2.0, clock=lambda: now[0])
    assert reading() == 1
    now[0] += 1.9
    assert reading() == 1 and len(calls) == 1
    now[0] += 0.2
    assert reading() == 2
    now[0] += 2.0
    for _ in range(3):  # the failure is kept too: asking again does not ask the broker again
        with pytest.raises(RuntimeError):
            reading()
    assert len(calls) == 3
    now[0] += 2.0
    assert reading() == 4
    always = Kept(read, 0.0, clock=lambda: now[0])
    always(), always()
    assert len(calls) == 6
