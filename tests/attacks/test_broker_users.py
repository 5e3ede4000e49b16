"""Broker users follow the registry (issue 13), on the real RabbitMQ: only active partners get a
user; a suspended partner's user is removed and can no longer publish; a terminal code that is a
routing-key wildcard never becomes a binding; an optional prefix keeps two hubs' users apart.

Broker users are broker-wide: every user here carries a random prefix and is deleted after."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pika
import pytest
from click.testing import CliRunner
from pika.exceptions import AMQPError
from sqlalchemy import Engine

from hub.adapters.amqp import AmqpTransport, declare_partner_queues
from hub.adapters.broker_admin import setup_all
from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import build
from hub.config import Settings
from hub.domain.partners import Partner, Role, Status
from hub.entrypoints.cli import cli
from hub.errors import HubError
from hub.ledger.db import make_engine, upgrade
from hub.ledger.uow import SqlAlchemyUnitOfWork
from tests.conftest import rabbitmqctl

pytestmark = pytest.mark.integration


@pytest.fixture()
def prefix() -> Iterator[str]:
    """A random user name prefix; every broker user that has it is deleted afterwards."""
    mark = f"t{uuid.uuid4().hex[:8]}-"
    yield mark
    for user in json.loads(rabbitmqctl("list_users", "--formatter", "json") or "[]"):
        if user["user"].startswith(mark):
            rabbitmqctl("delete_user", user["user"])


@pytest.fixture()
def settings(amqp_url: str, prefix: str, tmp_path: Path) -> Settings:
    return Settings(
        amqp_url=amqp_url,
        broker_credentials=str(tmp_path / "creds.json"),
        broker_user_prefix=prefix,
    )


def partner(party: str, status: Status, **more: object) -> Partner:
    roles = frozenset({Role.TRANSPORT_OPERATOR})
    return Partner(party, party, status=status, roles=roles, broker_user=party.lower(), **more)  # type: ignore[arg-type]


def broker_users(prefix: str) -> set[str]:
    listed = json.loads(rabbitmqctl("list_users", "--formatter", "json") or "[]")
    return {u["user"] for u in listed if u["user"].startswith(prefix)}


def connect(settings: Settings, user: str) -> pika.BlockingConnection:
    password = json.loads(Path(settings.broker_credentials).read_text())[user]
    url = settings.amqp_url.replace("guest:guest", f"{user}:{password}")
    return pika.BlockingConnection(pika.URLParameters(url))


def publish(conn: pika.BlockingConnection, user: str, party: str) -> None:
    ch = conn.channel()
    ch.confirm_delivery()
    props = pika.BasicProperties(user_id=user, delivery_mode=2, message_id=uuid.uuid4().hex)
    ch.basic_publish("hub.inbound", party, b"<x/>", props, mandatory=False)


def test_only_active_partners_get_a_broker_user(settings: Settings, prefix: str) -> None:
    everyone = [
        partner("ACTIVE1", Status.ACTIVE),
        partner("REQUESTED1", Status.REQUESTED),
        partner("APPROVED1", Status.APPROVED),
        partner("DENIED1", Status.DENIED),
        partner("SUSPENDED1", Status.SUSPENDED),
    ]
    setup_all(everyone, settings)
    assert broker_users(prefix) == {f"{prefix}active1"}
    stored = json.loads(Path(settings.broker_credentials).read_text())
    assert set(stored) == {f"{prefix}active1"}


def test_a_suspended_partners_user_can_no_longer_publish(settings: Settings, prefix: str) -> None:
    active = partner("HAULR", Status.ACTIVE)
    setup_all([active], settings)
    user = f"{prefix}haulr"
    open_conn = connect(settings, user)
    publish(open_conn, user, "HAULR")  # allowed while active
    setup_all([replace(active, status=Status.SUSPENDED, status_reason="unpaid")], settings)
    assert broker_users(prefix) == set()
    with pytest.raises(AMQPError):  # the open connection was closed
        publish(open_conn, user, "HAULR")
        open_conn.process_data_events(time_limit=1)
        publish(open_conn, user, "HAULR")
    with pytest.raises(AMQPError):  # and no new one is let in
        pika.BlockingConnection(
            pika.URLParameters(settings.amqp_url.replace("guest:guest", f"{user}:x"))
        )
    assert user not in json.loads(Path(settings.broker_credentials).read_text())


def _gate_bindings(vhost: str) -> set[str]:
    listed = rabbitmqctl(
        "list_bindings", "-p", vhost, "source_name", "routing_key", "--formatter", "json"
    )
    return {b["routing_key"] for b in json.loads(listed or "[]") if b["source_name"] == "hub.gate"}


def test_a_wildcard_terminal_never_becomes_a_binding(
    settings: Settings, amqp_vhost: str, prefix: str
) -> None:
    hostile = ["#", "*", "PSAT.#", "A B", "PSAT*"]
    for code in hostile:
        with pytest.raises(HubError, match="terminal code"):
            declare_partner_queues(settings.amqp_url, [("MALLORY", (code,))])
    mallory = partner("MALLORY", Status.ACTIVE, terminals=("#",))
    report = setup_all([mallory, partner("HONEST", Status.ACTIVE)], settings)
    assert "terminal code '#'" in report.refused["MALLORY"]
    assert not set(hostile) & _gate_bindings(amqp_vhost)
    assert broker_users(prefix) == {f"{prefix}honest"}


def test_the_prefix_is_stripped_from_the_sender_the_hub_sees(
    settings: Settings, prefix: str, tmp_path: Path
) -> None:
    """`hub send --password-file` publishes as the prefixed user; the hub sees its partner."""
    mine = partner("PREFIXED", Status.ACTIVE)
    setup_all([mine], settings)
    user = f"{prefix}prefixed"
    secret = tmp_path / "pw"
    secret.write_text(json.loads(Path(settings.broker_credentials).read_text())[user])
    body = tmp_path / "m.xml"
    body.write_bytes(b"<x/>")
    env = {
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/h.db",
        "HUB_AMQP_URL": settings.amqp_url,
        "HUB_BROKER_USER_PREFIX": prefix,
        "HUB_BROKER_CREDENTIALS": settings.broker_credentials,
    }
    with SqlAlchemyUnitOfWork(_engine(env["HUB_DATABASE_URL"])) as uow:
        uow.partners.save(mine)
        uow.commit()
    args = ["send", str(body), "--as", "PREFIXED", "--password-file", str(secret)]
    sent = CliRunner().invoke(cli, args, env=env)
    assert sent.exit_code == 0, sent.output
    hub = AmqpTransport(settings.amqp_url, user_prefix=prefix)
    try:
        got = [d for _ in range(20) for d in hub.fetch(100, 0.25)]
        assert "prefixed" in [d.user_id for d in got], [d.user_id for d in got]
        hub.ack(got)
    finally:
        hub.close()


def _engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def test_setup_reports_each_partner_as_it_goes_and_declares_the_inbound_queue(
    settings: Settings, prefix: str, amqp_url: str
) -> None:
    said: list[str] = []
    everyone = [partner("FIRSTP", Status.ACTIVE), partner("LATERP", Status.SUSPENDED)]
    setup_all([everyone[0]], settings)
    setup_all(
        [everyone[0], replace(everyone[0], party_id="SECONDP", broker_user="secondp")],
        settings,
        said.append,
    )
    setup_all(everyone, settings, said.append)
    assert f"FIRSTP: broker user {prefix}firstp updated" in said
    assert f"SECONDP: broker user {prefix}secondp created" in said
    assert "LATERP: no broker user (partner suspended)" in said
    assert any(line.startswith("queues declared") for line in said)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        for p in range(8):  # the partitions exist before `hub run`
            conn.channel().queue_declare(f"hub.inbound.p{p}", passive=True)


def _waiting(amqp_url: str, queue: str) -> int:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        return int(conn.channel().queue_declare(queue, passive=True).method.message_count)


def test_peek_reads_a_queue_as_its_partner_and_leaves_it_there(
    settings: Settings, amqp_url: str, tmp_path: Path
) -> None:
    mine, other = partner("PEEKP", Status.ACTIVE), partner("OTHERP", Status.ACTIVE)
    settings = replace(settings, database_url=f"sqlite:///{tmp_path}/hub.db")
    hub = build(settings, consume=False, transport=InProcessTransport())
    with hub.uow() as uow:
        uow.partners.save(mine)
        uow.partners.save(other)
        uow.commit()
    hub.close()
    setup_all([mine, other], settings)
    queue = "partner.PEEKP"
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        ch.basic_get(queue, auto_ack=True)  # nothing left from an earlier run
        ch.queue_purge(queue)
        for n in (1, 2, 3):
            props = pika.BasicProperties(
                type="APERAK", message_id=f"hub-{n}", correlation_id=f"m{n}"
            )
            ch.basic_publish("hub.partner", "PEEKP", f"body {n}".encode(), props)
    env = {
        "HUB_AMQP_URL": amqp_url,
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_BROKER_CREDENTIALS": settings.broker_credentials,
        "HUB_BROKER_USER_PREFIX": settings.broker_user_prefix,
    }
    runner = CliRunner()
    shown = runner.invoke(cli, ["peek", queue, "--count", "2"], env=env, catch_exceptions=False)
    assert "type=APERAK message_id=hub-1 correlation_id=m1" in shown.output
    assert "body 2" in shown.output and "body 3" not in shown.output
    assert _waiting(amqp_url, queue) == 3, "nothing consumed"
    again = runner.invoke(cli, ["peek", queue, "--count", "5"], env=env, catch_exceptions=False)
    assert [line.split()[2] for line in again.output.splitlines() if line.startswith("#")] == [
        "message_id=hub-1",
        "message_id=hub-2",
        "message_id=hub-3",
    ], "in order, all still there"
    runner.invoke(
        cli, ["peek", queue, "--count", "1", "--consume"], env=env, catch_exceptions=False
    )
    assert _waiting(amqp_url, queue) == 2
    refused = runner.invoke(cli, ["peek", queue, "--as", "OTHERP"], env=env)
    assert refused.exit_code != 0 and "ACCESS_REFUSED" in str(refused.exception)
