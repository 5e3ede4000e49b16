"""The in-process transport: RabbitMQ's behaviour without a server, for the embedded default
and unit tests. Queues are deques; unacked deliveries come back on `requeue` (redelivered)
and published messages land in per-exchange lists that tests and the demo read."""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import replace

from hub.service_layer.ports import Delivery, Outgoing, Transport


class InProcessTransport(Transport):
    """One inbound queue; outbound messages are kept per (exchange, routing key)."""

    def __init__(self) -> None:
        self.queue: deque[Delivery] = deque()
        self.unacked: dict[int, Delivery] = {}
        self.published: defaultdict[str, list[Outgoing]] = defaultdict(list)
        self.log: list[Outgoing] = []
        self._tags = itertools.count(1)

    def put(self, body: bytes, user_id: str, message_id: str = "", content_type: str = "") -> None:
        """What a partner's publish does: the broker stamps the validated user id."""
        self.queue.append(Delivery(body, user_id, message_id, content_type))

    def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        batch: list[Delivery] = []
        while self.queue and len(batch) < max_messages:
            delivery = replace(self.queue.popleft(), tag=next(self._tags))
            self.unacked[delivery.tag] = delivery
            batch.append(delivery)
        return batch

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        for d in deliveries:
            self.unacked.pop(d.tag, None)

    def requeue(self, deliveries: Sequence[Delivery]) -> None:
        for d in reversed(deliveries):
            if self.unacked.pop(d.tag, None) is not None:
                self.queue.appendleft(replace(d, redelivered=True))

    def publish(self, messages: Sequence[Outgoing]) -> None:
        for m in messages:
            self.published[f"{m.exchange}/{m.routing_key}"].append(m)
            self.log.append(m)

    def on(self, exchange: str, routing_key: str) -> list[Outgoing]:
        """What was published to `exchange` with `routing_key`."""
        return self.published[f"{exchange}/{routing_key}"]
