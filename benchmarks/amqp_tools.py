"""Small pika helpers for the benchmark: a streamed-confirm publisher, a receiver thread and the
bare relay loop (the ceiling the hub is compared with).

Publisher confirms are streamed (publish many, then wait for the broker to confirm them all),
the way the hub's outbox relay does it. Waiting is woken as soon as the last confirm arrives
(`call_later(0, …)` ends `process_data_events`), so no wait costs a fixed poll interval.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pika

PERSISTENT = pika.DeliveryMode.Persistent


def _noop() -> None:
    return None


def connect(url: str) -> pika.BlockingConnection:
    params = pika.URLParameters(url)
    params.heartbeat = 60
    return pika.BlockingConnection(params)


def declare_quorum(ch: Any, queue: str, exchange: str = "", key: str = "") -> None:
    """A durable quorum queue (as the hub's), optionally bound to `exchange` with `key`."""
    ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    if exchange:
        ch.queue_bind(queue, exchange, routing_key=key)


class Publisher:
    """Persistent publishes with streamed confirms on one channel of its own connection."""

    def __init__(self, url: str, window: int = 1000) -> None:
        self.conn = connect(url)
        self.ch = self.conn.channel()
        self.window = window
        self.tag = 0
        self.outstanding: dict[int, None] = {}
        self.nacked = 0
        self._wake_at = -1
        self.ch._impl.confirm_delivery(self._on_confirm)

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        if not method.NAME.endswith("Ack"):
            self.nacked += 1
        if method.multiple:
            for t in [t for t in self.outstanding if t <= method.delivery_tag]:
                del self.outstanding[t]
        else:
            self.outstanding.pop(method.delivery_tag, None)
        if len(self.outstanding) <= self._wake_at:
            self._wake_at = -1
            self.conn.call_later(0, _noop)  # ends the blocking wait now

    def publish(self, exchange: str, key: str, body: bytes, props: pika.BasicProperties) -> None:
        self.ch._impl.basic_publish(exchange, key, body, props)
        self.tag += 1
        self.outstanding[self.tag] = None
        if len(self.outstanding) >= self.window:
            self.wait(self.window // 2)

    def wait(self, until: int = 0, timeout: float = 60.0) -> None:
        """Pump the connection until at most `until` publishes are unconfirmed."""
        deadline = time.monotonic() + timeout
        while len(self.outstanding) > until:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.outstanding)} publishes not confirmed")
            self._wake_at = until
            self.conn.process_data_events(time_limit=0.5)
        if self.nacked:
            raise RuntimeError(f"broker refused {self.nacked} message(s)")

    def pump(self) -> None:
        self.conn.process_data_events(time_limit=0)

    def close(self) -> None:
        if self.conn.is_open:
            self.conn.close()


@dataclass
class Arrival:
    at: float
    message_type: str
    headers: dict[str, Any]
    message_id: str


@dataclass
class Receiver:
    """A thread consuming `queues` on one channel (manual acks, `multiple=True` every 50 and
    when idle), recording each arrival."""

    url: str
    queues: tuple[str, ...]
    prefetch: int = 1000
    arrivals: list[Arrival] = field(default_factory=list)
    on_arrival: Callable[[Arrival], None] | None = None

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.by_type: Counter[str] = Counter()
        self.last_at = 0.0
        self._thread = threading.Thread(target=self._run, name="receiver", daemon=True)

    def start(self) -> Receiver:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        try:
            conn = connect(self.url)
            ch = conn.channel()
            ch.basic_qos(prefetch_count=self.prefetch)
            last = [0, 0]  # last delivery tag, acked up to

            def on_message(_ch: Any, method: Any, props: Any, _body: bytes) -> None:
                arrival = Arrival(
                    time.monotonic(),
                    props.type or "",
                    dict(props.headers or {}),
                    props.message_id or "",
                )
                self.arrivals.append(arrival)
                self.by_type[arrival.message_type] += 1
                self.last_at = arrival.at
                if self.on_arrival is not None:
                    self.on_arrival(arrival)
                last[0] = method.delivery_tag
                if last[0] - last[1] >= 50:
                    ch.basic_ack(last[0], multiple=True)
                    last[1] = last[0]

            for queue in self.queues:
                ch.basic_consume(queue, on_message, auto_ack=False)
            self._ready.set()
            while not self._stop.is_set():
                conn.process_data_events(time_limit=0.05)
                if last[0] > last[1]:
                    ch.basic_ack(last[0], multiple=True)
                    last[1] = last[0]
            conn.close()
        except BaseException as exc:  # reported to the caller
            self._error = exc
            self._ready.set()

    def count(self, *types: str) -> int:
        """Arrivals so far (of these message types); cheap enough to poll."""
        if not types:
            return len(self.arrivals)
        return sum(self.by_type[t] for t in types)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def bare_relay(
    url: str,
    queue_in: str,
    exchange_out: str,
    key_out: str,
    ready: Any,
    go: Any,
    stop: Any,
    results: Any,
    prefetch: int = 200,
    batch: int = 100,
) -> None:
    """The ceiling: consume (manual ack), publish persistently with streamed confirms, ack
    `multiple=True` after the confirms — the hub's loop with no work in it."""
    conn = connect(url)
    consumer = conn.channel()
    consumer.basic_qos(prefetch_count=prefetch)
    buffer: deque[tuple[int, Any, bytes]] = deque()
    pub = Publisher.__new__(Publisher)  # shares the connection: one socket, like the hub
    pub.conn, pub.ch, pub.window, pub.tag = conn, conn.channel(), 10_000, 0
    pub.outstanding, pub.nacked, pub._wake_at = {}, 0, -1
    pub.ch._impl.confirm_delivery(pub._on_confirm)

    def on_message(_ch: Any, method: Any, props: Any, body: bytes) -> None:
        buffer.append((method.delivery_tag, props, body))

    ready.set()
    go.wait()
    consumer.basic_consume(queue_in, on_message, auto_ack=False)
    relayed = 0
    while not stop.is_set():
        if not buffer:
            conn.process_data_events(time_limit=0.2)
        taken = [buffer.popleft() for _ in range(min(batch, len(buffer)))]
        if not taken:
            continue
        for _tag, props, body in taken:
            out = pika.BasicProperties(
                delivery_mode=PERSISTENT,
                content_type=props.content_type,
                message_id=props.message_id,
                headers=props.headers,
            )
            pub.publish(exchange_out, key_out, body, out)
        pub.wait(0)
        consumer.basic_ack(taken[-1][0], multiple=True)
        relayed += len(taken)
    conn.close()
    results.put({"relayed": relayed})
