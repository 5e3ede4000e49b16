"""A three-node RabbitMQ cluster on this machine (`scripts/rabbit_cluster.sh`), and a `World`
on it: a vhost, partners' broker users, `hub run` processes and publishers that all know every
node (HUB_AMQP_URL with comma-separated URLs, node 1 first)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.faults.common import REPO, hub_cli, psql
from tests.integration.faults.world import World, partners_file

SCRIPT = REPO / "scripts" / "rabbit_cluster.sh"


def _taken(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class ClusterError(Exception):
    """The cluster could not be started or driven (the script's own words)."""


@dataclass(frozen=True)
class QueueState:
    type: str
    leader: str
    members: frozenset[str]
    online: frozenset[str]


@dataclass
class Cluster:
    """`nodes` RabbitMQ nodes ``{prefix}{i}@localhost`` on 127.0.0.1:`amqp_base` + i."""

    dir: Path = Path(os.environ.get("HUB_CLUSTER_DIR", "/tmp/hub-rabbit-cluster"))
    nodes: int = 3
    prefix: str = "hubc"
    amqp_base: int = 5700
    dist_base: int = 25700

    @classmethod
    def fresh(cls, nodes: int = 3) -> Cluster:
        """A cluster of its own for this test session: node names, directory and free ports
        no other session uses, so that two sessions on one machine never stop each other's."""
        tag = uuid.uuid4().hex[:6]
        rng = random.Random(tag)
        for _ in range(50):
            base = rng.randrange(5710, 6900, 10)
            ports = [base + i for i in range(1, nodes + 1)]
            if not any(_taken(p) or _taken(p + 20000) for p in ports):
                break
        else:
            raise ClusterError("no free ports for the cluster's nodes")
        return cls(
            dir=Path(f"/tmp/hub-rabbit-cluster-{tag}"),
            nodes=nodes,
            prefix=f"hubc{tag}n",
            amqp_base=base,
            dist_base=base + 20000,
        )

    @staticmethod
    def available() -> bool:
        return all(shutil.which(t) for t in ("rabbitmq-server", "rabbitmqctl"))

    def node(self, i: int) -> str:
        return f"{self.prefix}{i}@localhost"

    def port(self, i: int) -> int:
        return self.amqp_base + i

    def url(self, user: str, password: str, vhost: str) -> str:
        """Every node, node 1 first: what the hub and the partners are given."""
        return ",".join(
            f"amqp://{user}:{password}@127.0.0.1:{self.port(i)}/{vhost}"
            for i in range(1, self.nodes + 1)
        )

    def _script(self, *args: str, timeout: float = 150) -> str:
        env = {
            **os.environ,
            "HUB_CLUSTER_DIR": str(self.dir),
            "HUB_CLUSTER_NODES": str(self.nodes),
            "HUB_CLUSTER_PREFIX": self.prefix,
            "HUB_CLUSTER_AMQP_BASE": str(self.amqp_base),
            "HUB_CLUSTER_DIST_BASE": str(self.dist_base),
        }
        try:
            done = subprocess.run(
                [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise ClusterError(f"rabbit_cluster.sh {' '.join(args)}: timed out") from exc
        if done.returncode != 0:
            raise ClusterError(f"rabbit_cluster.sh {' '.join(args)}: {done.stderr[-1500:]}")
        return done.stdout

    def start(self) -> None:
        self._script("start")

    def stop(self) -> None:
        self._script("stop", timeout=60)

    def kill(self, i: int) -> None:
        """kill -9 of node `i`'s Erlang VM: every connection to it dies at once."""
        self._script("kill", str(i), timeout=30)

    def boot(self, i: int) -> None:
        """Start node `i` again; it rejoins the cluster from its own data."""
        self._script("boot", str(i))

    def ctl(self, *args: str, node: int = 1, secret: str | None = None) -> str:
        done = subprocess.run(
            ["rabbitmqctl", "-q", "-n", self.node(node), *args],
            capture_output=True,
            text=True,
            timeout=60,
            input=secret,
        )
        if done.returncode != 0:
            raise ClusterError(f"rabbitmqctl {args[0]} on {self.node(node)}: {done.stderr}")
        return done.stdout

    def queues(self, vhost: str, node: int = 1) -> dict[str, QueueState]:
        """Every queue of `vhost`: its type, leader, members and the members online."""
        text = self.ctl(
            "list_queues", "-p", vhost, "name", "type", "leader", "members", "online",
            "--formatter", "json", node=node,
        )  # fmt: skip
        return {
            q["name"]: QueueState(
                q["type"], q["leader"], frozenset(q["members"]), frozenset(q["online"])
            )
            for q in json.loads(text or "[]")
        }

    def connections(self, node: int = 1) -> list[tuple[str, int]]:
        """(user, server port) of every client connection in the cluster."""
        text = self.ctl("list_connections", "user", "port", "--formatter", "json", node=node)
        return [(c["user"], int(c["port"])) for c in json.loads(text or "[]")]


@dataclass
class ClusterWorld(World):
    """A `World` on the cluster: `amqp_url` and `user_url` name every node, and the hub's
    `rabbitmqctl` (`hub broker setup`) talks to node 1 (RABBITMQ_NODENAME)."""

    cluster: Cluster = field(kw_only=True)

    @property
    def amqp_url(self) -> str:
        return self.cluster.url("guest", "guest", self.vhost)

    def user_url(self, party: str, port: int = 0) -> str:
        user = self.users[party]
        return self.cluster.url(user, self.passwords[user], self.vhost)

    def env(self, db_url: str, amqp_url: str = "", **extra: str) -> dict[str, str]:
        return super().env(db_url, amqp_url, **extra) | {"RABBITMQ_NODENAME": self.cluster.node(1)}

    @classmethod
    def on(cls, cluster: Cluster, directory: Path) -> ClusterWorld:
        """A vhost on the cluster and broker users made by `hub broker setup` there."""
        tag = uuid.uuid4().hex[:8]
        vhost = f"hub-cluster-{tag}"
        cluster.ctl("add_vhost", vhost)
        cluster.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        partners_yaml = directory / "partners.yaml"
        users = partners_file(partners_yaml, tag)
        world = cls(directory, vhost, users, {}, partners_yaml, cluster=cluster)
        db_url = world.new_database()
        env = world.env(db_url)
        hub_cli(env, "partners", "load", str(partners_yaml))
        hub_cli(env, "broker", "setup")
        world.passwords = json.loads(Path(env["HUB_BROKER_CREDENTIALS"]).read_text())
        world.drop_database(db_url)
        return world

    def destroy(self) -> None:
        """The databases; the vhost and users go with the cluster."""
        for name in list(self.databases):
            with contextlib.suppress(subprocess.SubprocessError):
                psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
