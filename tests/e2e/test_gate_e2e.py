"""End to end on the real servers: `hub run` as a process, files sent with `hub send` as each
partner's own broker user, the gate authorisation read from a terminal's queue on `hub.gate`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import build
from hub.config import Settings
from hub.domain.refusals import Refusal
from hub.service_layer.subscriptions import buy, top_up
from tests.conftest import REPO, SAMPLES, rabbitmqctl

pytestmark = pytest.mark.e2e

HUB = [sys.executable, "-m", "hub.entrypoints.cli"]
STORY = (
    ("demo/01_release.edi", "MSCBE"),
    ("demo/02_accept.xml", "FWDANT"),
    ("demo/03_transfer.xml", "FWDANT"),
    ("demo/04_accept.xml", "TRUCKCO"),
    ("demo/05_customs.xml", "BECUSTOMS"),
    ("demo/06_discharge.edi", "PSAT"),
    ("demo/07_assign.xml", "TRUCKCO"),
)


def hub(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*HUB, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"hub {' '.join(args)} failed: {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture()
def prefix() -> Iterator[str]:
    """Broker users are broker-wide: this run's have a random prefix and are deleted after."""
    mark = f"e2e{uuid.uuid4().hex[:8]}-"
    yield mark
    for user in json.loads(rabbitmqctl("list_users", "--formatter", "json") or "[]"):
        if user["user"].startswith(mark):
            rabbitmqctl("delete_user", user["user"])


@pytest.fixture()
def env(pg_url: str, amqp_url: str, tmp_path: Path, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_DATABASE_URL": pg_url,
        "HUB_AMQP_URL": amqp_url,
        "HUB_BROKER_USER_PREFIX": prefix,
        "HUB_BROKER_CREDENTIALS": str(tmp_path / "creds.json"),
        "HUB_BATCH_WAIT": "0.05",
        "HUB_LOG_LEVEL": "WARNING",
    }


@pytest.fixture()
def terminal_queue(amqp_url: str) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    ch = conn.channel()
    ch.exchange_declare("hub.gate", exchange_type="topic", durable=True)
    ch.queue_declare("terminal.PSAT.e2e", durable=True)
    ch.queue_purge("terminal.PSAT.e2e")
    ch.queue_bind("terminal.PSAT.e2e", "hub.gate", routing_key="PSAT")
    yield ch
    ch.queue_delete("terminal.PSAT.e2e")
    conn.close()


@pytest.fixture()
def running_hub(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    hub(env, "db", "upgrade")
    hub(env, "partners", "load", str(SAMPLES / "partners.yaml"))
    hub(env, "broker", "setup")
    _buy_tokens(env)
    proc = subprocess.Popen(
        [*HUB, "run"], env=env, cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    yield proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def _buy_tokens(env: dict[str, str]) -> None:
    """TRUCKCO pairs a wallet, tops it up and buys a Low subscription (25 tokens)."""
    hub_ = build(Settings.from_env(env), transport=InProcessTransport(), migrate=False)
    with hub_.uow() as uow:
        uow.wallets.pair("TRUCKCO", "W-E2E", hub_.clock())
        top_up(uow, "TRUCKCO", "200.00", hub_.clock(), cause="e2e")
        assert not isinstance(buy(uow, "TRUCKCO", "low", hub_.clock(), cause="e2e"), Refusal)
        uow.commit()
    hub_.close()


def _next_message(
    ch: pika.adapters.blocking_connection.BlockingChannel, timeout: float
) -> tuple[pika.spec.BasicProperties, bytes] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        method, props, body = ch.basic_get("terminal.PSAT.e2e", auto_ack=True)
        if method is not None:
            return props, body
        time.sleep(0.1)
    return None


def _partner_messages(env: dict[str, str], amqp_url: str, party: str, user: str) -> set[str]:
    """Read the partner's own queue as the partner's own broker user."""
    password = json.loads(Path(env["HUB_BROKER_CREDENTIALS"]).read_text())[user]
    url = amqp_url.replace("guest:guest", f"{user}:{password}")
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        ch = conn.channel()
        kinds = set()
        while True:
            method, props, _body = ch.basic_get(f"partner.{party}", auto_ack=True)
            if method is None:
                return kinds
            kinds.add(props.type)


def test_a_gate_authorisation_reaches_the_terminal(
    amqp_url: str,
    env: dict[str, str],
    terminal_queue: pika.adapters.blocking_connection.BlockingChannel,
    running_hub: subprocess.Popen[str],
    prefix: str,
) -> None:
    for name, party in STORY:
        hub(env, "send", str(SAMPLES / name), "--as", party)
    got = _next_message(terminal_queue, timeout=60)
    assert got is not None, "no gate authorisation arrived on the terminal queue"
    props, body = got
    assert props.type == "GateAuthorised" and props.delivery_mode == 2
    assert b"MSCU1234566" in body and b"AP1234567" in body and b"<sequence>1</sequence>" in body
    assert _next_message(terminal_queue, timeout=2) is None, "only one authorisation expected"
    hub(env, "send", str(SAMPLES / "demo/08_gate_out.edi"), "--as", "PSAT")
    withdrawn = _next_message(terminal_queue, timeout=60)
    assert withdrawn is not None and withdrawn[0].type == "GateWithdrawn"
    assert {"APERAK", "CONTRL"} <= _partner_messages(env, amqp_url, "MSCBE", f"{prefix}mscbe")
    running_hub.send_signal(signal.SIGTERM)
    assert running_hub.wait(timeout=30) == 0
    assert "audit trail intact" in hub(env, "audit", "verify")
