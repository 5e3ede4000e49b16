"""HUB_AMQP_URL with several RabbitMQ nodes: parsed in order, one account, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.adapters import amqp_endpoints
from hub.adapters.broker_admin import partner_url, vhost_of
from hub.config import Settings, mask_url
from hub.errors import ConfigurationError

CLUSTER = (
    "amqp://hub:s3cret@mq1.example:5672/hub, amqp://hub:s3cret@mq2.example:5673/hub,"
    "amqp://hub:s3cret@mq3.example/hub?heartbeat=10"
)


def test_several_urls_become_parameters_in_the_order_given() -> None:
    found = amqp_endpoints.parameters(CLUSTER)
    assert [(p.host, p.port) for p in found] == [
        ("mq1.example", 5672),
        ("mq2.example", 5673),
        ("mq3.example", 5672),
    ]
    assert {p.virtual_host for p in found} == {"hub"}
    assert found[2].heartbeat == 10 and found[0].heartbeat != 10


def test_one_url_is_one_node_as_before() -> None:
    (only,) = amqp_endpoints.parameters("amqp://guest:guest@127.0.0.1:5672/%2F")
    assert (only.host, only.port, only.virtual_host) == ("127.0.0.1", 5672, "/")


def test_tuning_is_set_on_every_node() -> None:
    found = amqp_endpoints.parameters(CLUSTER, heartbeat=30, connection_attempts=1)
    assert {(p.heartbeat, p.connection_attempts) for p in found} == {(30, 1)}


def test_a_comma_in_a_password_does_not_split_the_url() -> None:
    (only,) = amqp_endpoints.parameters("amqp://hub:a,b@mq1:5672/hub")
    assert only.credentials.password == "a,b"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "names no RabbitMQ node"),
        ("   ", "names no RabbitMQ node"),
        ("amqp://mq1/hub,http://mq2/hub", "node 2 is not amqp://host"),
        ("mq1:5672", "node 1 is not amqp://host"),
        ("amqp://mq1:port/hub", "node 1: not a URL"),
        ("amqp://hub:pw@mq1/hub,amqp://hub:pw@mq2/other", "same user and virtual host"),
        ("amqp://hub:pw@mq1/hub,amqp://ops:pw@mq2/hub", "same user and virtual host"),
    ],
)
def test_a_spec_that_is_no_list_of_nodes_is_refused_with_its_reason(spec: str, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        amqp_endpoints.parameters(spec)


def test_the_account_is_read_from_the_first_node() -> None:
    assert vhost_of(CLUSTER) == "hub"
    assert vhost_of("amqp://guest:guest@127.0.0.1:5672/%2F") == "/"
    assert vhost_of("amqp://guest:guest@127.0.0.1:5672") == "/"


def test_a_partner_gets_every_node_with_its_own_account(tmp_path: Path) -> None:
    settings = Settings(amqp_url=CLUSTER, home=str(tmp_path))
    url = partner_url(settings, "cpu-mscbe", "p@ss,word")
    found = amqp_endpoints.parameters(url)
    assert [(p.host, p.port) for p in found] == [
        ("mq1.example", 5672),
        ("mq2.example", 5673),
        ("mq3.example", 5672),
    ]
    assert {(p.credentials.username, p.credentials.password) for p in found} == {
        ("cpu-mscbe", "p@ss,word")
    }
    assert "s3cret" not in url


def test_every_password_is_masked() -> None:
    masked = mask_url(CLUSTER)
    assert "s3cret" not in masked and masked.count("hub:***@") == 3
