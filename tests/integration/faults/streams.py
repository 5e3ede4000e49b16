"""Partners publishing: one message at a time, a paced stream, or causal container stories."""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import pika
from sqlalchemy import Engine, select

from hub.adapters.amqp_endpoints import parameters
from hub.ledger.tables import (
    inbox,
)
from tests.integration.faults.common import INBOUND
from tests.integration.faults.messages import Msg
from tests.integration.faults.world import World


class Sender:
    """Partners publishing to `hub.inbound`, each on a connection as its own broker user, so
    that RabbitMQ stamps and checks `user_id` (a party with no broker user of its own publishes
    as `guest`: authenticated, but no partner). Use from one thread only."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._channels: dict[str, Any] = {}
        self._conns: list[pika.BlockingConnection] = []
        self.sent: list[tuple[Msg, str]] = []

    def _channel(self, party: str) -> Any:
        if party not in self._channels:
            url = self.world.user_url(party) if party in self.world.users else self.world.amqp_url
            conn = pika.BlockingConnection(parameters(url, heartbeat=0))
            ch = conn.channel()
            ch.confirm_delivery()
            self._conns.append(conn)
            self._channels[party] = ch
        return self._channels[party]

    def send(self, msg: Msg, message_id: str = "", patience: float = 60.0) -> str:
        """Publish with a confirm. When the broker goes away (a restart, a cluster node killed)
        or does not confirm (a nack), reconnect and publish again, as a partner does: a message
        whose confirm was lost may then arrive twice, which the hub must absorb."""
        message_id = message_id or uuid.uuid4().hex
        deadline = time.monotonic() + patience
        while True:
            try:
                self._publish(msg, message_id)
                break
            except (
                pika.exceptions.AMQPConnectionError,
                pika.exceptions.StreamLostError,
                pika.exceptions.ConnectionClosed,
                pika.exceptions.ChannelClosed,
                pika.exceptions.NackError,  # not taken (a queue between leaders): again
                pika.exceptions.UnroutableError,
                ConnectionError,
            ):
                if time.monotonic() > deadline:
                    raise
                self.close()
                time.sleep(0.5)
        self.sent.append((msg, message_id))
        return message_id

    def _publish(self, msg: Msg, message_id: str) -> None:
        self._channel(msg.party).basic_publish(
            INBOUND,
            msg.party,
            msg.body,
            pika.BasicProperties(
                delivery_mode=pika.DeliveryMode.Persistent,
                user_id=self.world.users.get(msg.party, "guest"),
                message_id=message_id,
                content_type=msg.content_type,
                timestamp=int(time.time()),  # as a partner may: where end-to-end starts
            ),
            mandatory=True,
        )

    def close(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._conns.clear()
        self._channels.clear()


class Streamer(threading.Thread):
    """Publishes `messages` in the background, at most `rate` a second (0: as fast as it can);
    `resend` is the share of messages published a second time later on (a partner's resend)."""

    def __init__(
        self,
        world: World,
        messages: Iterable[Msg],
        rate: float = 0,
        resend: float = 0.0,
        resend_after: tuple[int, int] = (20, 200),
    ) -> None:
        super().__init__(daemon=True, name="streamer")
        self.world, self.messages, self.rate, self.resend = world, list(messages), rate, resend
        self.resend_after = resend_after
        self.sent: list[tuple[Msg, str]] = []
        self.error: BaseException | None = None
        self.rng = random.Random(7)

    def run(self) -> None:
        sender = Sender(self.world)
        began = time.monotonic()
        later: list[tuple[int, Msg]] = []
        try:
            for i, msg in enumerate(self.messages):
                if self.rate:
                    delay = began + i / self.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                sender.send(msg)
                if self.resend and self.rng.random() < self.resend:
                    later.append((i + self.rng.randrange(*self.resend_after), msg))
                    later.sort(key=lambda x: x[0])
                while later and later[0][0] <= i:
                    sender.send(later.pop(0)[1])
            for _, msg in later:
                sender.send(msg)
        except BaseException as exc:  # reported by `finish`
            self.error = exc
        finally:
            self.sent = sender.sent
            sender.close()

    def finish(self, timeout: float = 120) -> list[tuple[Msg, str]]:
        self.join(timeout)
        assert not self.is_alive(), "the publisher did not finish"
        if self.error is not None:
            raise AssertionError(f"publishing failed: {self.error!r}") from self.error
        return self.sent


class CausalStreamer(threading.Thread):
    """Publishes container stories the way partners do: a container's next message only once
    the hub has recorded its previous one (its inbox row is committed), as a forwarder accepts
    only after it was told of the transfer. Order then holds whatever the faults, redeliveries
    or competing consumers; up to `window` containers are on their way at once.

    `extra` messages (poison, say) are spread over the stream; every `resend_every`-th message
    is published twice (a partner's resend after a timeout: same payload, new AMQP id).
    """

    def __init__(
        self,
        world: World,
        engine: Engine,
        stories: Sequence[Sequence[Msg]],
        *,
        rate: float = 0,
        window: int = 100,
        resend_every: int = 0,
        extra: Sequence[Msg] = (),
        seed: int = 7,
    ) -> None:
        super().__init__(daemon=True, name="causal-streamer")
        self.world, self.engine = world, engine
        self.stories = [list(s) for s in stories]
        self.rate, self.window, self.resend_every = rate, window, resend_every
        self.extra = list(extra)
        self.rng = random.Random(seed)
        self.sent: list[tuple[Msg, str]] = []
        self.error: BaseException | None = None
        self.stalled_polls = 0
        self._halt = threading.Event()

    def run(self) -> None:
        sender = Sender(self.world)
        try:
            self._run(sender)
        except BaseException as exc:  # reported by `finish`
            self.error = exc
        finally:
            self.sent = sender.sent
            sender.close()

    def _run(self, sender: Sender) -> None:
        todo = list(range(len(self.stories)))
        stage = dict.fromkeys(todo, 0)
        waiting: dict[str, int] = {}  # dedup key of the last message sent -> story
        ready: list[int] = []
        total = sum(len(s) for s in self.stories) + len(self.extra)
        extra_every = max(1, total // (len(self.extra) + 1)) if self.extra else 0
        extras, count, began = list(self.extra), 0, time.monotonic()
        resends: list[tuple[int, Msg]] = []
        while (todo or waiting or ready) and not self._halt.is_set():
            while len(waiting) + len(ready) < self.window and todo:
                ready.append(todo.pop(0))
            if not ready:
                self._poll(waiting, ready)
                continue
            i = ready.pop(0)
            msg = self.stories[i][stage[i]]
            self._pace(began, count)
            sender.send(msg)
            count += 1
            stage[i] += 1
            if stage[i] < len(self.stories[i]):
                waiting[msg.dedup_key] = i
            if self.resend_every and count % self.resend_every == 0:
                resends.append((count + self.rng.randrange(5, 100), msg))
                resends.sort(key=lambda r: r[0])
            while resends and resends[0][0] <= count:
                sender.send(resends.pop(0)[1])
            if extras and count % extra_every == 0:
                sender.send(extras.pop(0))
            if count % 50 == 0:
                self._poll(waiting, ready, wait=False)
        for _, msg in resends:
            sender.send(msg)
        for msg in extras:
            sender.send(msg)

    def _pace(self, began: float, count: int) -> None:
        if self.rate:
            delay = began + count / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def _poll(self, waiting: dict[str, int], ready: list[int], wait: bool = True) -> None:
        """Move the stories whose last message the hub has recorded to `ready`."""
        if wait:
            time.sleep(0.2)
        if not waiting:
            return
        with self.engine.connect() as conn:
            done = set(
                conn.scalars(select(inbox.c.dedup_key).where(inbox.c.dedup_key.in_(waiting)))
            )
        if not done:
            self.stalled_polls += 1
        for key in done:
            ready.append(waiting.pop(key))

    def finish(self, timeout: float = 120) -> list[tuple[Msg, str]]:
        self.join(timeout)
        if self.is_alive():
            self._halt.set()
            self.join(10)
            raise AssertionError(f"the stream did not finish in {timeout:.0f}s")
        if self.error is not None:
            raise AssertionError(f"publishing failed: {self.error!r}") from self.error
        return self.sent
