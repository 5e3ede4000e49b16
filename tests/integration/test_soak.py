"""Soak: 10,000 mixed messages through `hub run` on the real servers while it is killed twice
with kill -9, RabbitMQ is restarted (stop_app / start_app), the hub's broker connections are cut
for a few seconds and PostgreSQL for half a minute (through the loopback proxies of `faults`);
then every invariant is checked and the figures are printed (`pytest -s`) and written to
/tmp/hub-soak-figures.json."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.ledger.tables import inbox
from tests.integration import faults as F

pytestmark = pytest.mark.integration

FIGURES = Path("/tmp/hub-soak-figures.json")
CONTAINERS = 1225  # x 8 messages = 9,800
POISON_ROUNDS = 20  # x 5 kinds = 100
RESEND_EVERY = 98  # 100 resends: 10,000 messages in all
DB_PAUSE = 30.0
BROKER_CUT = 5.0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[F.World]:
    F.require_servers()
    w = F.World.create(tmp_path_factory.mktemp("soak"))
    yield w
    w.destroy()


@pytest.fixture()
def run(world: F.World, tmp_path: Path) -> Iterator[F.Run]:
    r = F.Run(world, world.fresh(tokens_tier="medium"), tmp_path)
    yield r
    r.close()


def recorded(run: F.Run) -> int:
    with run.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(inbox)) or 0)


def wait_for(run: F.Run, count: int, timeout: float = 120) -> None:
    F.wait_until(f"{count} messages recorded", lambda: recorded(run) >= count, timeout, 0.2)


@pytest.mark.timeout(330)
def test_soak_10000_mixed_messages_with_a_kill_a_broker_cut_and_a_database_pause(
    run: F.Run,
) -> None:
    began = time.monotonic()
    broker, database = run.proxy(F.AMQP_PORT), run.proxy(F.PG_PORT)
    hub = run.hub(pg=database, amqp=broker, batch_size="100", prefetch="500")
    stories = [F.story(c, n, "SOK") for n, c in enumerate(F.containers(CONTAINERS, seed=2026))]
    poison = [m for n in range(POISON_ROUNDS) for m in F.poison_messages("SOK", n)]
    stream = F.CausalStreamer(
        run.world, run.engine, stories, window=600, resend_every=RESEND_EVERY, extra=poison
    )
    stream.start()
    faults: dict[str, float] = {}

    wait_for(run, 1500)
    hub.kill9()
    hub.start()
    faults["kill -9 at"] = time.monotonic() - began
    wait_for(run, 3500)
    faults["RabbitMQ restart at"] = time.monotonic() - began
    F.restart_rabbitmq()  # the broker itself: every connection goes, queues come back from disk
    wait_for(run, 5000)
    hub.kill9()
    hub.start()
    faults["second kill -9 at"] = time.monotonic() - began
    wait_for(run, 6000)
    faults["broker cut at"] = time.monotonic() - began
    with broker.outage(BROKER_CUT):
        pass
    wait_for(run, 7000)
    faults["database cut at"] = time.monotonic() - began
    with database.outage(DB_PAUSE):
        pass
    sent = stream.finish(timeout=240)
    run.settle(sent, timeout=120)
    elapsed = time.monotonic() - began
    figures = run.check(sent)

    report = {
        "messages sent": figures.sent,
        "distinct business messages": figures.distinct,
        "applied": figures.applied,
        "quarantined": figures.quarantined,
        "duplicates ignored": figures.duplicates_ignored,
        "resends": figures.resent,
        "poison": figures.poison,
        "tokens consumed": figures.tokens_consumed,
        "gate messages": figures.gate_messages,
        "gate deliveries at the terminal": figures.gate_deliveries,
        "outbox rows": figures.outbox_rows,
        "partner queue messages": figures.partner_queue_messages,
        "hub processes started": hub.generation,
        "seconds": round(elapsed, 1),
        **{k: round(v, 1) for k, v in faults.items()},
        "broker cut seconds": BROKER_CUT,
        "database cut seconds": DB_PAUSE,
        "problems": figures.problems[:50],
    }
    FIGURES.write_text(json.dumps(report, indent=2))
    print("\nsoak figures (also in", FIGURES, ")")
    for key, value in report.items():
        if key != "problems":
            print(f"  {key:45} {value}")
    figures.assert_ok()
    assert figures.sent == 10_000
    assert figures.applied == figures.valid == CONTAINERS * 8
    assert figures.quarantined == figures.poison == POISON_ROUNDS * 5
    assert figures.duplicates_ignored >= figures.resent == 10_000 - CONTAINERS * 8 - 100
    assert figures.tokens_consumed == CONTAINERS and figures.gate_messages == 2 * CONTAINERS
    assert hub.kills == 2 and hub.generation == 3
    assert "reconnected to the broker" in hub.output()
    assert "database unavailable" in hub.output()
