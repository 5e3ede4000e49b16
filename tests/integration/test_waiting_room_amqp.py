"""The waiting room over the real servers: two `hub run` processes on RabbitMQ and PostgreSQL,
two senders. FWDANT's accept arrives before MSCBE's release: it is parked unanswered, applied
when the release arrives (whichever process takes it), and answered then with its own message
id as the AMQP correlation id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pika
import pytest
from click.testing import CliRunner

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import build
from hub.config import Settings
from hub.entrypoints import admin
from hub.entrypoints.cli import cli
from hub.entrypoints.partners_file import load_partners_file
from hub.ledger.db import Database
from hub.service_layer import waiting
from tests.conftest import REPO, SAMPLES, rabbitmqctl

pytestmark = pytest.mark.integration

T = TypeVar("T")
BOX = "MSCU1234566"


@pytest.fixture()
def amqp_url(amqp_vhost: str) -> Iterator[str]:
    """A vhost of this test's own (`amqp_vhost` only checks RabbitMQ is there): the session's
    is shared with tests that leave answers and notifications in partner queues (and messages
    in the partitions), which this test reads."""
    vhost = f"hub-wait-{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    rabbitmqctl("delete_vhost", vhost)


@pytest.fixture()
def env(own_pg_url: str, amqp_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    prefix = f"wait{uuid.uuid4().hex[:8]}-"
    yield {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HUB_DATABASE_URL": own_pg_url,
        "HUB_AMQP_URL": amqp_url,
        "HUB_BROKER_USER_PREFIX": prefix,
        "HUB_BROKER_CREDENTIALS": str(tmp_path / "creds.json"),
        "HUB_BATCH_WAIT": "0.05",
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_METRICS_PORT": "0",
        "HUB_WAITING_WINDOW": "600",
    }
    for user in json.loads(rabbitmqctl("list_users", "--formatter", "json") or "[]"):
        if user["user"].startswith(prefix):
            rabbitmqctl("delete_user", user["user"])


@pytest.fixture()
def two_hubs(env: dict[str, str], tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Two `hub run` processes; only the two senders are partners (each broker user costs
    seconds of `rabbitmqctl`)."""
    sample = (SAMPLES / "partners.yaml").read_text()
    two = tmp_path / "partners.yaml"
    two.write_text(sample.split("  - party_id: TRUCKCO")[0])
    for args in (["db", "upgrade"], ["partners", "load", str(two)]):
        done = CliRunner().invoke(cli, args, env=env)
        assert done.exit_code == 0, done.output
    done = CliRunner().invoke(cli, ["broker", "setup"], env=env)
    assert done.exit_code == 0, done.output
    command = [sys.executable, "-m", "hub.entrypoints.cli", "run"]
    procs = [
        subprocess.Popen(command, env=env, cwd=REPO, text=True, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=30)


def _until(what: Callable[[], T], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = what()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _send(env: dict[str, str], name: str, party: str, message_id: str) -> None:
    settings = Settings.from_env(env)
    admin.send_amqp(settings, (SAMPLES / name).read_bytes(), party, "", message_id)


def _answers(env: dict[str, str], amqp_url: str, party: str) -> list[tuple[str, str, bytes]]:
    """(type, correlation id, body) of what waits in the partner's queue, read as the partner."""
    user = env["HUB_BROKER_USER_PREFIX"] + party.lower()
    password = json.loads(Path(env["HUB_BROKER_CREDENTIALS"]).read_text())[user]
    url = amqp_url.replace("guest:guest", f"{user}:{password}")
    found = []
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        ch = conn.channel()
        while True:
            method, props, body = ch.basic_get(f"partner.{party}", auto_ack=True)
            if method is None:
                return found
            found.append((props.type, props.correlation_id or "", body))


def test_an_accept_sent_before_its_release_waits_for_it_across_two_hubs(
    env: dict[str, str], amqp_url: str, two_hubs: list[subprocess.Popen[str]]
) -> None:
    db = Database(env["HUB_DATABASE_URL"])

    def parked() -> list[waiting.WaitingRow]:
        with db.uow() as uow:
            return waiting.listing(uow, datetime.now(UTC))

    try:
        _send(env, "demo/02_accept.xml", "FWDANT", "fwd-accept-1")
        rows = _until(parked)
        assert [(r.sender, r.containers, r.message_id) for r in rows] == [
            ("FWDANT", (BOX,), "fwd-accept-1")
        ]
        assert "no release for container" in rows[0].reason
        assert _answers(env, amqp_url, "FWDANT") == []  # parked: not answered yet

        _send(env, "demo/01_release.edi", "MSCBE", "msc-release-1")
        acks = _until(lambda: [a for a in _answers(env, amqp_url, "FWDANT") if a[0] == "ack"])
        assert [(kind, corr) for kind, corr, _ in acks] == [("ack", "fwd-accept-1")]
        assert b"<status>accepted</status>" in acks[0][2]
        assert parked() == []
        with db.uow() as uow:
            right = uow.files.get(BOX).right
            applied = uow.waiting.list("applied")
        assert right is not None and right.holder == "FWDANT"
        assert [p.message_id for p in applied] == ["fwd-accept-1"]
    finally:
        db.dispose()
    assert all(p.poll() is None for p in two_hubs), "both hubs still run"


def test_expiry_on_postgresql_refuses_with_the_reason_and_locks_what_it_takes(
    own_pg_url: str,
) -> None:
    """The deadline query and its row locks on PostgreSQL: a parked accept is skipped (not
    waited for) while another transaction holds it, then refused with its reason."""
    clock = _Clock()
    transport = InProcessTransport()
    settings = Settings(database_url=own_pg_url, waiting_window=600)
    hub = build(settings, transport=transport, clock=clock)
    try:
        with hub.uow() as uow:
            for partner in load_partners_file(SAMPLES / "partners.yaml"):
                uow.partners.save(partner)
            uow.commit()
        transport.put((SAMPLES / "demo/02_accept.xml").read_bytes(), "fwdant", "fwd-late")
        hub.worker.drain()
        clock.at += timedelta(seconds=601)
        with hub.uow() as holder:
            assert len(holder.waiting.due(clock(), 10)) == 1  # locked by this transaction
            with hub.uow() as other:
                assert other.waiting.due(clock(), 10) == []  # skipped, not waited for
        hub.worker.expire_due()
        hub.worker.drain()
        with hub.uow() as uow:
            assert uow.waiting.list() == [] and len(uow.waiting.list("refused")) == 1
            assert [q.kind for q in uow.quarantine.list("held")] == ["refused"]
        [ack] = [m for m in transport.on("hub.partner", "FWDANT") if m.message_type == "ack"]
        assert ack.headers["correlation_id"] == "fwd-late"
        assert b"<status>rejected</status>" in ack.body and b"no release for container" in ack.body
    finally:
        hub.close()


class _Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at
