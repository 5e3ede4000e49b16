"""Fault injection and invariants for the delivery-guarantee tests (`test_faults`, `test_soak`).

- `Proxy`: a threaded loopback TCP proxy in front of PostgreSQL or RabbitMQ. `cut()` resets every
  open connection and refuses new ones until `restore()`; the real servers are never touched.
- Stream generators: many distinct containers (valid ISO 6346 check digits), each with the demo
  story (COREOR release, XML accept / transfer / accept, customs, COARRI discharge, pickup
  assignment, CODECO gate-out), published as partners do: a container's next message only once
  the hub recorded the previous one (`CausalStreamer`); plus poison messages and resends.
- `World`: one RabbitMQ vhost with per-partner broker users (made by `hub broker setup`), a
  fresh PostgreSQL database per test, `hub run` processes, a publisher per partner.
- `check_invariants`: reads the database and the terminal queue and says what is wrong.
"""

from __future__ import annotations

from tests.integration.faults.common import (
    AMQP_PORT,
    DEAD,
    DEAD_EXCHANGE,
    EDIFACT,
    HUB,
    INBOUND,
    PARTITIONS,
    PG_PORT,
    REPO,
    SAMPLES,
    XML,
    hub_cli,
    rabbitmqctl,
    restart_rabbitmq,
    wait_until,
)
from tests.integration.faults.invariants import pending_work
from tests.integration.faults.messages import (
    EORI,
    Msg,
    _envelope,
    alfapass,
    bl_of,
    containers,
    customs_status,
    pickup_assign,
    poison_messages,
    release_action,
    story,
)
from tests.integration.faults.run import Run, require_servers
from tests.integration.faults.streams import CausalStreamer, Sender, Streamer
from tests.integration.faults.world import World

__all__ = [
    "AMQP_PORT",
    "DEAD",
    "DEAD_EXCHANGE",
    "EDIFACT",
    "EORI",
    "HUB",
    "INBOUND",
    "PARTITIONS",
    "PG_PORT",
    "REPO",
    "SAMPLES",
    "XML",
    "CausalStreamer",
    "Msg",
    "Run",
    "Sender",
    "Streamer",
    "World",
    "_envelope",
    "alfapass",
    "bl_of",
    "containers",
    "customs_status",
    "hub_cli",
    "pending_work",
    "pickup_assign",
    "poison_messages",
    "rabbitmqctl",
    "release_action",
    "require_servers",
    "restart_rabbitmq",
    "story",
    "wait_until",
]
