"""What a RabbitMQ quorum queue does to order when a consumer hands messages back (issue 17).

    .venv/bin/python benchmarks/requeue_order.py

For each way of handing back (nack with requeue, one by one or `multiple`, a closed channel, a
closed connection) it publishes 0..19 to a fresh quorum queue with single active consumer, takes a
prefetch window of 5, acks 0 and 1, hands the rest back (`close_at_once`: closes the channel right
after the ack, before reading what the broker sent to refill the window), and prints the order in
which a new consumer then receives the queue. A last case shows single active consumer handing the
queue to the next consumer as soon as the active one cancels, while it still holds unacked
messages. Needs RabbitMQ on 127.0.0.1:5672 and `rabbitmqctl` (makes and removes a vhost).
"""

from __future__ import annotations

import subprocess
import time
import uuid
from typing import Any

import pika


def _ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)


def main() -> None:
    vhost = f"hub-order-{uuid.uuid4().hex[:6]}"
    _ctl("add_vhost", vhost)
    _ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    url = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    try:
        modes = ("nack_multiple", "nack_each", "close_channel", "close_at_once", "close_connection")
        for mode in modes:
            print(f"{mode:18} {_handed_back(url, mode)}")
        print(f"{'sac_handover':18} {_handover(url)}")
    finally:
        _ctl("delete_vhost", vhost)


def _queue(url: str, name: str) -> None:
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        ch = conn.channel()
        arguments = {"x-queue-type": "quorum", "x-single-active-consumer": True}
        ch.queue_declare(name, durable=True, arguments=arguments)
        ch.confirm_delivery()
        for i in range(20):
            ch.basic_publish("", name, str(i).encode())


def _take(ch: Any, name: str, n: int) -> tuple[list[tuple[int, int]], str]:
    got: list[tuple[int, int]] = []
    ch.basic_qos(prefetch_count=n)
    tag = ch.basic_consume(name, lambda _c, m, _p, b: got.append((m.delivery_tag, int(b))))
    deadline = time.monotonic() + 3
    while len(got) < n and time.monotonic() < deadline:
        ch.connection.process_data_events(time_limit=0.1)
    return got, tag


def _rest(url: str, name: str) -> list[int]:
    out: list[int] = []
    with pika.BlockingConnection(pika.URLParameters(url)) as conn:
        conn.channel().basic_consume(name, lambda _c, _m, _p, b: out.append(int(b)), auto_ack=True)
        conn.process_data_events(time_limit=1.0)
    return out


def _handed_back(url: str, mode: str) -> list[int]:
    name = f"q-{mode}"
    _queue(url, name)
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    got, tag = _take(ch, name, 5)
    ch.basic_ack(got[1][0], multiple=True)  # 0 and 1 done; the broker sends more meanwhile
    if mode != "close_at_once":  # close_at_once: closed before the refill has been read
        conn.process_data_events(time_limit=0.3)
    if mode == "nack_multiple":
        ch.basic_nack(0, multiple=True, requeue=True)
        ch.basic_cancel(tag)
    elif mode == "nack_each":
        for t, _ in got[2:]:
            ch.basic_nack(t, requeue=True)
        ch.basic_cancel(tag)
    elif mode in ("close_channel", "close_at_once"):
        ch.close()
    conn.close()
    time.sleep(0.3)
    return _rest(url, name)


def _handover(url: str) -> str:
    name = "q-handover"
    _queue(url, name)
    first = pika.BlockingConnection(pika.URLParameters(url))
    ch = first.channel()
    got, tag = _take(ch, name, 5)
    second = pika.BlockingConnection(pika.URLParameters(url))
    seen: list[int] = []
    ch2 = second.channel()
    ch2.basic_qos(prefetch_count=50)
    ch2.basic_consume(name, lambda _c, _m, _p, b: seen.append(int(b)), auto_ack=True)
    second.process_data_events(time_limit=0.5)
    waiting = list(seen)
    ch.basic_cancel(tag)  # the first still holds its 5 unacked
    second.process_data_events(time_limit=0.5)
    after_cancel = list(seen)
    first.close()
    second.process_data_events(time_limit=0.5)
    second.close()
    held = [b for _, b in got]
    return (
        f"first holds {held}; second got {waiting} while first active, "
        f"{after_cancel} once first cancelled, then {seen[len(after_cancel) :]} when first closed"
    )


if __name__ == "__main__":
    main()
