"""RabbitMQ through pika: the only module that imports pika. Pika errors become `BrokerUnavailable`.

Topology (declared idempotently on connect; see README "Topology"):

    hub.inbound  (topic, partners publish here, routing key = party id)
        ──#──► hub.inbound.partitions (x-consistent-hash on the routing key)
                 ──► hub.inbound.p0 … p{N-1} (quorum, single active consumer, delivery-limit,
                                              DLX hub.dlx)
    hub.dlx      (fanout) ─────► hub.inbound.dead (quorum)
    hub.gate     (topic)  ── routing key = terminal code ──► terminal queues (bound by terminals)
    hub.partner  (topic)  ── routing key = party id ──► partner.<party id> queues

One sender's messages all land in the same partition, in the order sent. Each `hub run` process
consumes only the partitions it holds a lease on (`hub.domain.partitions`); single active
consumer is the broker-side guard should two ever subscribe at once. The queue `hub.inbound` of
earlier versions is unbound from the exchange and still consumed until it is empty, so an
upgrade loses nothing (delete it once it is empty; see docs/runbook.md).

Nothing is ever handed back to a queue in normal operation: in RabbitMQ 3.10 a quorum queue puts
what a consumer hands back behind unread messages (`benchmarks/requeue_order.py`: after a nack-
requeue of 2..11 a new consumer gets 12..19 first), a channel closed while the broker refills its
window returns those last (2, 3, 4, 7, …, 19, 5, 6), and single active consumer activates the next
consumer as soon as the active one cancels, before its unacked messages come back; so any hand-back
reorders a sender's messages. The worker keeps a batch and retries it instead, and a partition is
given up only after its consumer is cancelled and all it received is settled; what the broker
sends between the cancel and its cancel-ok is kept and processed too, where pika would hand it
back (`_cancel_keeping_deliveries`).

Consumption is manual-ack with a prefetch window; acks are sent with `multiple=True` after the
commit that covers the batch. Publishing uses publisher confirms streamed over the batch: every
message is published, then the connection is pumped until the broker confirmed them all (a nack
or a timeout raises, and the relay leaves the outbox rows unsent).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError

from hub.adapters.amqp_endpoints import parameters
from hub.domain.identifiers import WORD
from hub.errors import BrokerUnavailable, ConfigurationError
from hub.service_layer.ports import (
    CORRELATION_HEADER,
    DEAD_LETTER_HEADER,
    Delivery,
    Outgoing,
    Transport,
)

INBOUND_EXCHANGE = "hub.inbound"
LEGACY_QUEUE = "hub.inbound"
"""The single inbound queue of versions before partitions: drained, no longer bound."""
PARTITION_EXCHANGE = "hub.inbound.partitions"
PARTITIONS = 8
DEAD_EXCHANGE = "hub.dlx"
DEAD_QUEUE = "hub.inbound.dead"
GATE_EXCHANGE = "hub.gate"
PARTNER_EXCHANGE = "hub.partner"
DELIVERY_LIMIT = 5


def make_connection(url: str, **settings: Any) -> pika.BlockingConnection:
    """The one place a connection to RabbitMQ is opened: `url` (one node, or several
    comma-separated cluster nodes tried in order) with pika's connection `settings`
    (heartbeat, timeouts) set on top. Raises pika's errors."""
    return pika.BlockingConnection(parameters(url, **settings))


def partition_queue(partition: int) -> str:
    return f"{INBOUND_EXCHANGE}.p{partition}"


def inbound_queues(partitions: int = PARTITIONS) -> list[str]:
    """The partition queues, in order (what is read for depths and consumers)."""
    return [partition_queue(p) for p in range(partitions)]


def declare_topology(ch: BlockingChannel, partitions: int = PARTITIONS) -> None:
    """Exchanges and the hub's own queues; safe to run on every connect. An inbound queue of
    an earlier version is unbound (it is drained by the consumers, see `AmqpTransport`)."""
    if partitions < 1:
        raise ConfigurationError(f"partitions must be at least 1, not {partitions}")
    for name, kind in (
        (INBOUND_EXCHANGE, "topic"),
        (DEAD_EXCHANGE, "fanout"),
        (GATE_EXCHANGE, "topic"),
        (PARTNER_EXCHANGE, "topic"),
    ):
        ch.exchange_declare(name, exchange_type=kind, durable=True)
    ch.exchange_declare(PARTITION_EXCHANGE, exchange_type="x-consistent-hash", durable=True)
    ch.exchange_bind(PARTITION_EXCHANGE, INBOUND_EXCHANGE, routing_key="#")
    ch.queue_declare(DEAD_QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
    ch.queue_bind(DEAD_QUEUE, DEAD_EXCHANGE)
    for queue in inbound_queues(partitions):
        ch.queue_declare(
            queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-single-active-consumer": True,
                "x-dead-letter-exchange": DEAD_EXCHANGE,
                "x-delivery-limit": DELIVERY_LIMIT,
            },
        )
        ch.queue_bind(queue, PARTITION_EXCHANGE, routing_key="1")  # the weight: all equal
    if legacy_waiting(ch.connection):
        ch.queue_unbind(LEGACY_QUEUE, INBOUND_EXCHANGE, routing_key="#")


def legacy_waiting(conn: pika.BlockingConnection) -> bool:
    """Whether the single inbound queue of an earlier version still exists (asked on a
    channel of its own: a passive declare of a missing queue closes the channel)."""
    ch = conn.channel()
    try:
        with _quiet_channel_close():
            ch.queue_declare(LEGACY_QUEUE, passive=True)
    except pika.exceptions.ChannelClosedByBroker:
        return False
    ch.close()
    return True


@contextlib.contextmanager
def _quiet_channel_close() -> Iterator[None]:
    """pika logs a warning for the 404 with which the broker answers a passive declare of a
    queue that does not exist; asking whether a queue exists is no fault."""
    channel_log = logging.getLogger("pika.channel")
    level = channel_log.level
    channel_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        channel_log.setLevel(level)


def plain_key(kind: str, key: str) -> str:
    """`key` when it is one plain word (`hub.domain.identifiers.WORD`); a wildcard (``#``,
    ``*``) or a dotted key would bind a queue to other partners' messages, so it raises."""
    if not WORD.fullmatch(key):
        raise ConfigurationError(f"{kind} {key!r} is no plain word: not bound on the broker")
    return key


def declare_outbound_queue(ch: BlockingChannel, exchange: str, queue: str, key: str) -> None:
    """A durable queue for one terminal or partner, bound to its routing key (a plain word)."""
    plain_key("routing key", key)
    ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    ch.queue_bind(queue, exchange, routing_key=key)


_AS_PROPERTIES = ("message_id", CORRELATION_HEADER)
"""Outgoing headers that travel as AMQP properties, not in the headers table."""


def _properties(m: Outgoing) -> pika.BasicProperties:
    correlation = str(m.headers.get(CORRELATION_HEADER) or "")
    return pika.BasicProperties(
        delivery_mode=pika.DeliveryMode.Persistent,
        content_type=m.content_type,
        message_id=str(m.headers.get("message_id") or m.id or ""),
        correlation_id=_shortstr(correlation) or None,
        type=m.message_type,
        headers={k: v for k, v in m.headers.items() if k not in _AS_PROPERTIES},
    )


def _shortstr(text: str) -> str:
    """At most 255 bytes of UTF-8 (an AMQP short string), cut on a character boundary."""
    return text.encode("utf-8", "replace")[:255].decode("utf-8", "ignore")


class AmqpTransport(Transport):
    """Consumes the inbound partitions it is assigned and publishes with streamed confirms,
    on one connection that it opens when first needed and opens again after a loss."""

    def __init__(
        self,
        url: str,
        *,
        prefetch: int = 200,
        partitions: int = PARTITIONS,
        consume: bool = True,
        confirm_timeout: float = 30.0,
        user_prefix: str = "",
        assigned: frozenset[int] | None = None,
    ) -> None:
        """`assigned`: the partitions consumed from the start; None: all of them (a single
        process, or a test). A balanced hub (`hub run`) passes an empty set and `assign`s
        what its leases say."""
        self.user_prefix = user_prefix
        self.url = url
        self.prefetch, self.consume = prefetch, consume
        self.partitions = partitions
        self.confirm_timeout = confirm_timeout
        self.buffer: deque[Delivery] = deque()
        self.conn: pika.BlockingConnection | None = None
        self._confirms: dict[int, bool | None] = {}
        self._next_publish_tag = 0
        self._wanted = frozenset(range(partitions)) if assigned is None else assigned
        self._consumers: dict[int, str] = {}
        """partition → consumer tag, for the partitions consumed on this connection."""
        self._outstanding: dict[int, int] = {}
        """delivery tag → partition, for every inbound delivery not yet acknowledged."""

    def connect(self) -> None:
        """(Re)connect: drop what the old channel had buffered (the broker redelivers it)."""
        self.close()
        self.buffer.clear()
        self._outstanding.clear()
        self._consumers.clear()
        try:
            self.conn = make_connection(self.url, heartbeat=30, blocked_connection_timeout=60)
            self.consumer = self.conn.channel()
            declare_topology(self.consumer, self.partitions)
            self.publisher = self.conn.channel()
            # streamed confirms need the underlying channel: BlockingChannel's public
            # confirm mode waits for each message's confirm (500 messages: 1.0-1.2 s against
            # 0.04 s streamed, measured 2026-11-30; tx_select/tx_commit 0.14 s, weaker)
            self.publisher._impl.confirm_delivery(self._on_confirm)
            self._confirms.clear()
            self._next_publish_tag = 0
            if self.consume:
                self.consumer.basic_qos(prefetch_count=self.prefetch)
                self.consumer.basic_consume(DEAD_QUEUE, self._on_dead, auto_ack=False)
                if legacy_waiting(self.conn):
                    self.consumer.basic_consume(LEGACY_QUEUE, self._on_legacy, auto_ack=False)
                self._subscribe()
        except (AMQPError, OSError, ValueError) as exc:
            # pika raises ValueError ("Expected connected socket, but getpeername() failed")
            # when the peer resets the TCP connection while the connection is being set up
            self.close()
            raise BrokerUnavailable(f"cannot connect to RabbitMQ: {exc!r}") from exc

    def assign(self, partitions: frozenset[int]) -> None:
        """Consume exactly `partitions` from now on: new ones are subscribed, dropped ones
        cancelled (what was already received from them stays to be processed and acked)."""
        self._wanted = frozenset(p for p in partitions if 0 <= p < self.partitions)
        if self.conn is not None and self.conn.is_open and self.consume:
            try:
                self._subscribe()
            except AMQPError as exc:
                raise BrokerUnavailable(f"lost RabbitMQ while subscribing: {exc!r}") from exc

    @property
    def assigned(self) -> frozenset[int]:
        return self._wanted

    def settled(self) -> frozenset[int]:
        """Partitions not consumed and with nothing received from them left unacknowledged:
        these may change hands without breaking any sender's order."""
        busy = set(self._consumers) | set(self._outstanding.values())
        return frozenset(p for p in range(self.partitions) if p not in busy)

    def _subscribe(self) -> None:
        for p in sorted(set(self._consumers) - self._wanted):
            _cancel_keeping_deliveries(self.consumer, self._consumers.pop(p), self.confirm_timeout)
        new = sorted(self._wanted - set(self._consumers))
        if new:
            # prefetch counts per consumer. Shared out evenly, a window of 25 a partition left
            # the worker batches of about 40 whenever only a few partitions had messages (one
            # sender's backlog), each batch paying a commit; half the window each keeps them
            # full, with at most `prefetch` / 2 x partitions messages buffered
            share = max(self.prefetch // 2, self.prefetch // max(1, len(self._wanted)))
            self.consumer.basic_qos(prefetch_count=share)
        for p in new:
            self._consumers[p] = self.consumer.basic_consume(
                partition_queue(p), self._on_partition(p), auto_ack=False
            )

    def _on_partition(self, partition: int) -> Any:
        def on_message(ch: Any, method: Any, props: Any, body: bytes) -> None:
            self._outstanding[method.delivery_tag] = partition
            self._on_message(ch, method, props, body)

        return on_message

    def _on_legacy(self, ch: Any, method: Any, props: Any, body: bytes) -> None:
        """A message still in the single inbound queue of an earlier version."""
        self._on_message(ch, method, props, body)

    def _on_message(self, _ch: Any, method: Any, props: Any, body: bytes) -> None:
        headers = {k: v for k, v in (props.headers or {}).items() if k != DEAD_LETTER_HEADER}
        self.buffer.append(_delivery(method, props, body, headers, self.user_prefix))

    def _on_dead(self, _ch: Any, method: Any, props: Any, body: bytes) -> None:
        """A message the broker dead-lettered from hub.inbound (a consumer died holding it
        `DELIVERY_LIMIT` times): handed to the hub marked, so that it is quarantined with that
        reason and kept for replay instead of lying unseen in a queue nobody reads. The mark is
        set here only; a partner cannot set it (it is stripped from inbound messages)."""
        headers = dict(props.headers or {})
        deaths = headers.get("x-death") or [{}]
        first = deaths[0] if isinstance(deaths, list) and deaths else {}
        reason = first.get("reason", "unknown") if isinstance(first, dict) else "unknown"
        headers[DEAD_LETTER_HEADER] = f"dead-lettered by the broker ({reason})"
        self.buffer.append(_delivery(method, props, body, headers, self.user_prefix))

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        acked = method.NAME.endswith("Ack")
        upto = method.delivery_tag
        tags = [t for t in self._confirms if t <= upto] if method.multiple else [upto]
        for tag in tags:
            self._confirms[tag] = acked
        if self.conn is not None and not any(v is None for v in self._confirms.values()):
            # the callback runs on the underlying channel, which does not end a blocking
            # `process_data_events`; a ready timer does, so the relay stops waiting now
            self.conn.call_later(0, _noop)

    @property
    def connected(self) -> bool:
        """Whether the connection is open (read by the readiness probe, from its thread)."""
        return self.conn is not None and self.conn.is_open

    def _live(self) -> pika.BlockingConnection:
        """The open connection, opened now if there is none (the first use, or after a
        loss); failing that, `BrokerUnavailable`, which makes the caller back off."""
        if self.conn is None or not self.conn.is_open:
            self.connect()
        assert self.conn is not None
        return self.conn

    def service(self, timeout: float = 0.0) -> None:
        """Let the connection do its I/O (heartbeats, confirms, deliveries into the buffer)
        for up to `timeout` seconds; opens it first when there is none."""
        try:
            self._live().process_data_events(time_limit=timeout)
        except AMQPError as exc:
            raise BrokerUnavailable(f"lost RabbitMQ: {exc!r}") from exc

    def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        """Up to `max_messages` deliveries, waiting up to `timeout` when none are buffered."""
        self.service(0 if self.buffer else timeout)
        batch: list[Delivery] = []
        while self.buffer and len(batch) < max_messages:
            batch.append(self.buffer.popleft())
        return batch

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            self._settle(lambda tag: self.consumer.basic_ack(tag, multiple=True), deliveries)
            upto = max(d.tag for d in deliveries)
            for tag in [t for t in self._outstanding if t <= upto]:
                del self._outstanding[tag]

    def requeue(self, deliveries: Sequence[Delivery]) -> None:
        """Hand back (unused by the worker: a quorum queue reorders what is handed back)."""
        if deliveries:
            self._settle(
                lambda tag: self.consumer.basic_nack(tag, multiple=True, requeue=True), deliveries
            )

    def _settle(self, fn: Any, deliveries: Sequence[Delivery]) -> None:
        try:
            fn(max(d.tag for d in deliveries))
        except AMQPError as exc:
            raise BrokerUnavailable(f"lost RabbitMQ while acknowledging: {exc!r}") from exc

    def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish all, then wait until every one is confirmed; raise if any is not."""
        if not messages:
            return
        self._live()
        try:
            first = self._next_publish_tag + 1
            for m in messages:
                self.publisher._impl.basic_publish(
                    m.exchange, m.routing_key, m.body, _properties(m)
                )
                self._next_publish_tag += 1
                self._confirms[self._next_publish_tag] = None
            self._await_confirms(range(first, self._next_publish_tag + 1))
        except AMQPError as exc:
            raise BrokerUnavailable(f"lost RabbitMQ while publishing: {exc!r}") from exc

    def _await_confirms(self, tags: range) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        conn = self._live()
        while any(self._confirms.get(t) is None for t in tags):
            if time.monotonic() > deadline:
                raise BrokerUnavailable("publisher confirms timed out")
            conn.process_data_events(time_limit=min(0.25, max(0.0, deadline - time.monotonic())))
        nacked = [t for t in tags if not self._confirms.pop(t)]
        if nacked:
            raise BrokerUnavailable(f"broker refused {len(nacked)} message(s)")

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and conn.is_open:
            with contextlib.suppress(AMQPError):
                conn.close()


def _cancel_keeping_deliveries(channel: BlockingChannel, tag: str, timeout: float) -> None:
    """Cancel consumer `tag` and keep what the broker sends until its Cancel-Ok.

    AMQP lets a client receive deliveries between basic.cancel and cancel-ok and acknowledge
    them; after the cancel-ok the broker sends none. pika instead rejects them with requeue
    (`BlockingChannel.basic_cancel` and `Channel._on_deliver`), and a quorum queue puts what is
    requeued behind the later messages (`benchmarks/requeue_order.py`), so a partition given up
    mid-stream reached its next holder out of order. So the cancel is sent on the underlying
    channel and its tag taken off pika's cancelled set: deliveries still reach the consumer's
    callback (the worker's buffer) until the Cancel-Ok, which this waits for. Private pika
    state, like the streamed confirms: `test_partitions_amqp` pins the behaviour."""
    impl = channel._impl
    done: list[Any] = []
    impl.basic_cancel(tag, callback=done.append)
    impl._cancelled.discard(tag)  # deliver, do not reject, what arrives before the Cancel-Ok
    deadline = time.monotonic() + timeout
    while not done:
        if time.monotonic() > deadline:
            raise BrokerUnavailable(f"no cancel-ok for consumer {tag} within {timeout:.0f}s")
        channel.connection.process_data_events(time_limit=0.05)
    channel._consumer_infos.pop(tag, None)  # pika's own cancel would have dropped it


def sender_of(user_id: str, prefix: str) -> str:
    """The partner's broker user behind the validated `user_id`: without the hub's prefix. A
    user without the prefix (another hub's) becomes a name no partner has (it has a blank)."""
    if user_id.startswith(prefix):
        return user_id[len(prefix) :]
    return f"{user_id} (not {prefix}*)"


def _delivery(
    method: Any, props: Any, body: bytes, headers: dict[str, Any], prefix: str
) -> Delivery:
    return Delivery(
        body=body,
        user_id=sender_of(props.user_id or "", prefix),
        message_id=props.message_id or "",
        content_type=props.content_type or "",
        tag=method.delivery_tag,
        redelivered=bool(method.redelivered),
        headers=headers,
        origin=origin_of(props.timestamp, datetime.now(UTC)),
    )


ORIGIN_TRUST = timedelta(days=1)


def origin_of(timestamp: object, received: datetime) -> datetime:
    """When the partner published a message: its AMQP `timestamp` (POSIX seconds) when set and
    plausible (not after `received`, not more than `ORIGIN_TRUST` before it), else `received`.
    The property has whole seconds: a measure from it may be up to one second long."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        return received
    try:
        sent = datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        return received
    return sent if received - ORIGIN_TRUST <= sent <= received else received


def _noop() -> None:
    """A timer that only wakes the blocking connection."""


def declare_partner_queues(
    url: str, partners: list[tuple[str, tuple[str, ...]]], partitions: int = PARTITIONS
) -> None:
    """Durable queues so nothing the hub publishes is unroutable: `partner.<id>` on
    `hub.partner` for every partner, `terminal.<code>` on `hub.gate` for every terminal. Every
    party id and terminal code is checked before anything is declared."""
    for party_id, terminals in partners:
        plain_key("party id", party_id)
        for code in terminals:
            plain_key("terminal code", code)
    try:
        with make_connection(url) as conn:
            ch = conn.channel()
            declare_topology(ch, partitions)
            for party_id, terminals in partners:
                declare_outbound_queue(ch, PARTNER_EXCHANGE, f"partner.{party_id}", party_id)
                for code in terminals:
                    declare_outbound_queue(ch, GATE_EXCHANGE, f"terminal.{code}", code)
    except AMQPError as exc:
        raise BrokerUnavailable(f"could not declare partner queues: {exc!r}") from exc


class AmqpSender:
    """A partner's side: publish one payload to `hub.inbound` as the connection's user."""

    def __init__(self, url: str) -> None:
        self.url = url

    def send(
        self, body: bytes, *, user_id: str, routing_key: str, message_id: str, content_type: str
    ) -> None:
        try:
            with make_connection(self.url) as conn:
                ch = conn.channel()
                ch.confirm_delivery()
                ch.basic_publish(
                    INBOUND_EXCHANGE,
                    routing_key,
                    body,
                    pika.BasicProperties(
                        delivery_mode=pika.DeliveryMode.Persistent,
                        user_id=user_id,
                        message_id=message_id,
                        content_type=content_type,
                    ),
                    mandatory=True,
                )
        except AMQPError as exc:
            raise BrokerUnavailable(f"could not publish to RabbitMQ: {exc!r}") from exc


PEEK_WHOLE = 10_000
"""A queue longer than this is peeked at its head only, and may change order."""


@dataclass(frozen=True)
class Peeked:
    """A message as a partner reads it from its queue: the properties that matter to it."""

    body: bytes
    type: str
    message_id: str
    correlation_id: str
    content_type: str
    headers: dict[str, Any]
    redelivered: bool


def _peeked(method: Any, props: Any, body: bytes) -> Peeked:
    return Peeked(
        body,
        props.type or "",
        props.message_id or "",
        props.correlation_id or "",
        props.content_type or "",
        {
            k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v
            for k, v in (props.headers or {}).items()
        },
        bool(method.redelivered),
    )


def peek(url: str, queue: str, count: int, consume: bool = False) -> list[Peeked]:
    """Up to `count` messages of `queue`, read with the credentials in `url` (a partner's own,
    so the broker's permissions apply). Not consumed unless `consume`: then every message
    waiting (up to `PEEK_WHOLE`) is read with basic_get and all are handed back at once (nack,
    requeue), because a quorum queue puts what is handed back behind what was not read: read
    whole, the queue keeps its order. They come back marked redelivered."""
    try:
        with make_connection(url) as conn:
            ch = conn.channel()
            waiting = ch.queue_declare(queue, passive=True).method.message_count
            whole = count if consume else max(count, min(waiting, PEEK_WHOLE))
            read: list[Peeked] = []
            last = 0
            while len(read) < whole:
                method, props, body = ch.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                last = method.delivery_tag
                read.append(_peeked(method, props, body))
            if last and consume:
                ch.basic_ack(last, multiple=True)
            elif last:
                ch.basic_nack(last, multiple=True, requeue=True)
            return read[:count]
    except pika.exceptions.ChannelClosedByBroker as exc:
        raise BrokerUnavailable(f"cannot read {queue}: {exc.reply_text}") from exc
    except AMQPError as exc:
        raise BrokerUnavailable(f"could not read {queue}: {exc!r}") from exc


def queue_depths(
    url: str, queues: Sequence[str], timeout: float = 3.0
) -> dict[str, tuple[int, int]]:
    """Queue → (messages ready, consumers), by a passive `queue_declare` of each on a
    short-lived connection of its own (the hub's connections belong to their threads). A
    queue that does not exist is left out; an unreachable broker is `BrokerUnavailable`."""
    found: dict[str, tuple[int, int]] = {}
    try:
        with contextlib.closing(
            make_connection(
                url,
                socket_timeout=timeout,
                stack_timeout=timeout,
                blocked_connection_timeout=timeout,
                connection_attempts=1,
            )
        ) as conn:
            ch = conn.channel()  # one for all: a scrape every second opened ten before
            for queue in queues:
                try:
                    with _quiet_channel_close():
                        ok = ch.queue_declare(queue, passive=True)
                except pika.exceptions.ChannelClosedByBroker:
                    ch = conn.channel()  # the broker closes the channel that asked
                    continue  # not declared (yet): nothing to say about it
                found[queue] = (int(ok.method.message_count), int(ok.method.consumer_count))
    except (AMQPError, OSError, ValueError) as exc:
        raise BrokerUnavailable(f"cannot read queue depths: {exc!r}") from exc
    return found
