"""Names and small helpers shared by the fault-test modules: paths, servers, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "samples"
HUB = [sys.executable, "-m", "hub.entrypoints.cli"]
EDIFACT = "application/edifact"
XML = "application/xml"

BROKER_PARTIES = ("MSCBE", "FWDANT", "TRUCKCO", "BECUSTOMS", "PSAT")
PG_ADMIN = os.environ.get("HUB_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_PORT = 5432
AMQP_PORT = 5672
INBOUND, DEAD, TERMINAL = "hub.inbound", "hub.inbound.dead", "terminal.PSAT"
PARTITIONS = [f"{INBOUND}.p{p}" for p in range(8)]
"""The queues behind the exchange `INBOUND` (HUB_PARTITIONS, default 8)."""
DEAD_EXCHANGE = "hub.dlx"


def psql(sql: str, url: str = PG_ADMIN) -> str:
    done = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout


def restart_rabbitmq() -> None:
    """Stop and start the RabbitMQ application on this node (not a proxy cut: the broker itself
    goes away, every connection with it, and comes back from what it persisted)."""
    try:
        rabbitmqctl("stop_app")
    finally:
        rabbitmqctl("start_app")
    rabbitmqctl("await_startup")


def hub_cli(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*HUB, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    if check:
        assert done.returncode == 0, f"hub {' '.join(args)} failed: {done.stderr[-2000:]}"
    return done


def wait_until(
    what: str, predicate: Callable[[], bool], timeout: float, every: float = 0.5
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)
