"""One vhost with per-partner broker users, a database per test, and `hub run` processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pika
import yaml

from hub.adapters.amqp_endpoints import parameters
from tests.integration.faults.common import (
    AMQP_PORT,
    BROKER_PARTIES,
    DEAD,
    HUB,
    INBOUND,
    PARTITIONS,
    PG_PORT,
    REPO,
    SAMPLES,
    TERMINAL,
    hub_cli,
    psql,
    rabbitmqctl,
)
from tests.integration.faults.messages import EORI


def partners_file(path: Path, suffix: str) -> dict[str, str]:
    """The sample partners that send in these tests, with broker users of their own (broker
    users are broker-wide: never reuse the samples' names other sessions use), and NEWTRUCK, a
    transport operator on EDI approved but not yet active. Returns party id → broker user."""
    doc = yaml.safe_load((SAMPLES / "partners.yaml").read_text())
    kept = [p for p in doc["partners"] if p["party_id"] in BROKER_PARTIES]
    for p in kept:
        p["broker_user"] = f"{p['broker_user']}-{suffix}"
    kept.append(
        {
            "party_id": "NEWTRUCK",
            "name": "New Trucking BV",
            "vat": EORI["NEWTRUCK"],
            "eori": EORI["NEWTRUCK"],
            "country": "BE",
            "roles": ["transport_operator"],
            "status": "approved",
            "edi_ids": [["NEWTRUCK", "ZZZ"]],  # an EDI partner: ready once active
            "outbound_format": "xml",
        }
    )
    path.write_text(yaml.safe_dump({"partners": kept}))
    return {p["party_id"]: p["broker_user"] for p in kept if p.get("broker_user")}


@dataclass
class World:
    """One vhost and one set of broker users for a test module; a database per `fresh()`."""

    dir: Path
    vhost: str
    users: dict[str, str]
    passwords: dict[str, str]
    partners_yaml: Path
    databases: list[str] = field(default_factory=list)

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{AMQP_PORT}/{self.vhost}"

    def user_url(self, party: str, port: int = AMQP_PORT) -> str:
        user = self.users[party]
        return f"amqp://{user}:{self.passwords[user]}@127.0.0.1:{port}/{self.vhost}"

    @classmethod
    def create(cls, directory: Path) -> World:
        """A vhost, broker users made by `hub broker setup`, their credentials."""
        tag = uuid.uuid4().hex[:8]
        vhost = f"hub-faults-{tag}"
        rabbitmqctl("add_vhost", vhost)
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        partners_yaml = directory / "partners.yaml"
        users = partners_file(partners_yaml, tag)
        world = cls(directory, vhost, users, {}, partners_yaml)
        db_url = world.new_database()
        env = world.env(db_url)
        hub_cli(env, "partners", "load", str(partners_yaml))
        hub_cli(env, "broker", "setup")
        world.passwords = json.loads(Path(env["HUB_BROKER_CREDENTIALS"]).read_text())
        world.drop_database(db_url)
        return world

    def destroy(self) -> None:
        for name in list(self.databases):
            with contextlib.suppress(subprocess.SubprocessError):
                psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        for user in self.users.values():
            with contextlib.suppress(subprocess.SubprocessError):
                rabbitmqctl("delete_user", user)
        with contextlib.suppress(subprocess.SubprocessError):
            rabbitmqctl("delete_vhost", self.vhost)

    def new_database(self) -> str:
        name = f"hub_faults_{uuid.uuid4().hex[:10]}"
        psql(f"CREATE DATABASE {name}")
        self.databases.append(name)
        return f"postgresql://postgres@127.0.0.1:{PG_PORT}/{name}"

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.databases.remove(name)

    def env(self, db_url: str, amqp_url: str = "", **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "HUB_DATABASE_URL": db_url,
            "HUB_AMQP_URL": amqp_url or self.amqp_url,
            "HUB_BROKER_CREDENTIALS": str(self.dir / "broker-credentials.json"),
            "HUB_BATCH_WAIT": "0.05",
            "HUB_LOG_LEVEL": "INFO",
            "HUB_METRICS_PORT": "0",
            # the poison set counts an accept without release as refused at once; the waiting
            # room has its own test (test_waiting_room_amqp.py)
            "HUB_WAITING_WINDOW": "0",
            **{f"HUB_{k.upper()}": v for k, v in extra.items()},
        }

    def fresh(self, tokens_tier: str = "medium") -> str:
        """A new database with the schema, the partners, and TRUCKCO holding `tokens_tier`
        tokens; the hub's queues purged. Returns the database URL."""
        from hub.adapters.inprocess import InProcessTransport
        from hub.bootstrap import build
        from hub.config import Settings
        from hub.entrypoints.partners_file import load_partners_file
        from hub.service_layer.subscriptions import buy, top_up

        url = self.new_database()
        hub = build(Settings(database_url=url), transport=InProcessTransport())
        with hub.uow() as uow:
            for partner in load_partners_file(self.partners_yaml):
                uow.partners.save(partner)
            uow.wallets.pair("TRUCKCO", f"W-{uuid.uuid4().hex[:8]}", hub.clock())
            top_up(uow, "TRUCKCO", "1000.00", hub.clock(), cause="faults setup")
            bought = buy(uow, "TRUCKCO", tokens_tier, hub.clock(), cause="faults setup")
            assert not hasattr(bought, "reason"), bought
            uow.commit()
        hub.close()
        self.purge()
        return url

    def purge(self) -> None:
        with pika.BlockingConnection(parameters(self.amqp_url)) as conn:
            ch = conn.channel()
            for queue in (*PARTITIONS, DEAD, TERMINAL, *(f"partner.{p}" for p in BROKER_PARTIES)):
                with contextlib.suppress(pika.exceptions.ChannelClosedByBroker):
                    ch.queue_purge(queue)
                if ch.is_closed:
                    ch = conn.channel()

    def depths(self) -> dict[str, tuple[int, int]]:
        """Queue → (ready, unacknowledged), from rabbitmqctl; `INBOUND`: all its partitions."""
        text = rabbitmqctl(
            "list_queues", "-p", self.vhost, "name", "messages_ready",
            "messages_unacknowledged", "--formatter", "json",
        )  # fmt: skip
        found = {
            q["name"]: (int(q["messages_ready"]), int(q["messages_unacknowledged"]))
            for q in json.loads(text or "[]")
        }
        parts = [found.get(q, (0, 0)) for q in PARTITIONS]
        found[INBOUND] = (sum(r for r, _ in parts), sum(u for _, u in parts))
        return found

    def ready(self, queue: str) -> int:
        """Messages ready in `queue` (asked of the queue itself, never a stale statistic);
        `INBOUND`: in all its partitions."""
        with pika.BlockingConnection(parameters(self.amqp_url)) as conn:
            ch = conn.channel()
            queues = PARTITIONS if queue == INBOUND else [queue]
            return sum(int(ch.queue_declare(q, passive=True).method.message_count) for q in queues)

    def drain(self, queue: str) -> list[tuple[Any, bytes]]:
        """Everything waiting in `queue` (read as guest), acked."""
        got: list[tuple[Any, bytes]] = []
        with pika.BlockingConnection(parameters(self.amqp_url)) as conn:
            ch = conn.channel()
            while True:
                method, props, body = ch.basic_get(queue, auto_ack=True)
                if method is None:
                    return got
                got.append((props, body))


class HubRun:
    """`hub run` as a child process, logs to a file; every incarnation kept for assertions."""

    def __init__(self, env: dict[str, str], logs: Path, name: str = "hub") -> None:
        self.env, self.logs, self.name = env, logs, name
        self.generation = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.start()

    def start(self) -> None:
        self.generation += 1
        log = self.logs / f"{self.name}-{self.generation}.log"
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [*HUB, "run"], env=self.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.kills += 1

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait: the current batch finishes, the process exits 0."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise
        return int(self.proc.returncode)

    def output(self) -> str:
        return "".join(
            (self.logs / f"{self.name}-{g}.log").read_text(errors="replace")
            for g in range(1, self.generation + 1)
        )

    def stats(self) -> dict[str, int]:
        """The counters of the last clean stop ("stopped: received=... applied=...")."""
        line = [x for x in self.output().splitlines() if x.startswith("stopped: ")]
        if not line:
            return {}
        return {k: int(v) for k, v in (p.split("=") for p in line[-1][9:].split())}
