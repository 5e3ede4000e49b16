"""A real three-node RabbitMQ cluster (`scripts/rabbit_cluster.sh`), started by this module
beside the machine's own broker: the hub declares its quorum queues there, replicated on every
node, and the node that the hub, the partners and every queue leader are on is killed (-9)
while messages flow. Nothing a partner got a confirm for may be lost, nothing applied twice.

Without `rabbitmq-server` (or when the nodes cannot start) the module skips on a laptop and
fails under CI=true.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
from sqlalchemy import func, select

from hub.adapters.amqp_endpoints import parameters
from hub.ledger.tables import inbox
from tests.integration import faults as F
from tests.integration.faults.cluster import Cluster, ClusterError, ClusterWorld

pytestmark = pytest.mark.integration

HUB_QUEUES = (*F.PARTITIONS, F.DEAD, "terminal.PSAT", "partner.MSCBE", "partner.TRUCKCO")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    from tests.conftest import _missing

    F.require_servers()
    if not Cluster.available():
        _missing("rabbitmq-server, to start a RabbitMQ cluster")
    c = Cluster.fresh()
    try:
        c.start()
    except ClusterError as exc:
        with contextlib.suppress(ClusterError):
            c.stop()
        _missing(f"a three-node RabbitMQ cluster ({exc})")
    yield c
    c.stop()


@pytest.fixture(scope="module")
def world(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterWorld]:
    w = ClusterWorld.on(cluster, tmp_path_factory.mktemp("cluster"))
    yield w
    w.destroy()


def stories(tag: str, count: int, seed: int) -> list[list[F.Msg]]:
    """`count` whole container stories (eight messages each)."""
    return [F.story(c, n, tag) for n, c in enumerate(F.containers(count, seed))]


def recorded(run: F.Run) -> int:
    with run.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(inbox)) or 0)


def stall(cluster: Cluster, world: ClusterWorld, run: F.Run, streamer: threading.Thread) -> str:
    """What a stall looks like: messages recorded, the queues, where the publisher is, and
    the nodes' logs kept beside the hub's (the cluster's directory goes with the cluster)."""
    frame = sys._current_frames().get(streamer.ident or 0)
    where = "".join(traceback.format_stack(frame)[-6:]) if frame else "not running"
    for i in range(1, cluster.nodes + 1):
        with contextlib.suppress(OSError):
            shutil.copytree(cluster.dir / f"node{i}" / "log", run.logs / f"rabbit-node{i}")
    error = getattr(streamer, "error", None)
    return (
        f"{recorded(run)} recorded; publisher error {error!r}, at:\n{where}\n"
        f"{depths(cluster, world)}\nnode logs in {run.logs}"
    )


def depths(cluster: Cluster, world: ClusterWorld) -> str:
    """Ready / unacknowledged / consumers of the hub's queues, asked of node 2."""
    return cluster.ctl(
        "list_queues", "-p", world.vhost, "name", "leader", "messages_ready",
        "messages_unacknowledged", "consumers", node=2,
    )  # fmt: skip


def nodes(cluster: Cluster) -> frozenset[str]:
    return frozenset(cluster.node(i) for i in range(1, cluster.nodes + 1))


@pytest.mark.timeout(300)
def test_a_node_killed_while_messages_flow_loses_nothing_and_applies_nothing_twice(
    cluster: Cluster, world: ClusterWorld, tmp_path: Path
) -> None:
    queues = cluster.queues(world.vhost)
    assert set(HUB_QUEUES) <= set(queues)
    for name, queue in queues.items():  # whatever the hub declares (partitions too)
        assert queue.type == "quorum", name
        assert queue.members == nodes(cluster), f"{name} is not on every node"
    victim = cluster.node(1)
    led = {name for name, queue in queues.items() if queue.leader == victim}
    assert led == set(queues), "declared through node 1, every queue is led there"
    with pika.BlockingConnection(parameters(world.amqp_url)) as conn:
        ch = conn.channel()  # the inbound partitions' exchange type: the plugin is enabled
        ch.exchange_declare("cluster.hash-check", exchange_type="x-consistent-hash")
        ch.exchange_delete("cluster.hash-check")

    run = F.Run(world, world.fresh(), tmp_path)
    try:
        hub = run.hub(prefetch="100", batch_size="50")
        F.wait_until(
            "the hub to connect", lambda: ("guest", cluster.port(1)) in cluster.connections(), 60
        )
        # paced so that the stream lasts well past the kill (at least 8 s)
        streamer = F.CausalStreamer(world, run.engine, stories("CLU", 50, seed=17), rate=50)
        streamer.start()
        F.wait_until("40 messages recorded", lambda: recorded(run) >= 40, 60, 0.1)
        cluster.kill(1)  # the hub's node, the partners' node, every queue's leader
        killed_at = recorded(run)
        assert streamer.is_alive() and killed_at <= 300, "node 1 must die mid-stream"
        try:
            F.wait_until(
                "the hub to go on applying without node 1",
                lambda: recorded(run) >= killed_at + 100,
                60,
                0.2,
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}; {stall(cluster, world, run, streamer)}") from None
        moved = {user for user, _ in cluster.connections(node=2)}
        assert "guest" in moved, "the hub reconnected to another node"
        assert moved & set(world.users.values()), "so did the partners"
        led = {n for n, q in cluster.queues(world.vhost, node=2).items() if q.leader == victim}
        assert not led, f"{led} still led by the dead node"
        began = time.monotonic()
        cluster.boot(1)
        rejoined = time.monotonic() - began

        sent = streamer.finish(timeout=120)
        run.settle(sent, timeout=90)
        assert hub.generation == 1 and hub.alive, "the hub must survive the node's death alone"
        assert "reconnected to the broker" in hub.output()
        figures = run.check(sent)
        figures.assert_ok()
        assert figures.applied == figures.valid == 400
        assert figures.tokens_consumed == 50 and figures.gate_messages == 100
        behind = {n for n, q in cluster.queues(world.vhost).items() if q.online != nodes(cluster)}
        assert not behind, f"node 1 is not back in {behind}"
        print(f"node 1 killed at {killed_at} recorded; back in {rejoined:.1f}s")
    finally:
        run.close()
