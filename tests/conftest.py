"""Shared fixtures: real PostgreSQL and RabbitMQ for integration and e2e tests.

Each test session gets a fresh PostgreSQL database and a fresh RabbitMQ vhost, removed
afterwards. Without the servers these tests skip on a laptop, and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
SAMPLES = REPO / "samples"
PG_ADMIN = os.environ.get("HUB_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true but is not available", pytrace=False)
    pytest.skip(f"{what} not available")


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", PG_ADMIN, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True
    )


def _fresh_database() -> Iterator[str]:
    if not _port_open(5432) or shutil.which("psql") is None:
        _missing("PostgreSQL on 127.0.0.1:5432")
    name = f"hub_test_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, shared by its tests."""
    yield from _fresh_database()


@pytest.fixture()
def own_pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test: for a test that tampers with what every other
    test relies on (the audit chain) or checks the whole database (`hub audit verify`)."""
    yield from _fresh_database()


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout


@pytest.fixture(scope="session")
def amqp_vhost() -> Iterator[str]:
    """A fresh RabbitMQ vhost for this test session (guest has full rights on it)."""
    if not _port_open(5672) or shutil.which("rabbitmqctl") is None:
        _missing("RabbitMQ on 127.0.0.1:5672")
    vhost = f"hub-test-{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield vhost
    rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def amqp_url(amqp_vhost: str) -> str:
    return f"amqp://guest:guest@127.0.0.1:5672/{amqp_vhost}"
