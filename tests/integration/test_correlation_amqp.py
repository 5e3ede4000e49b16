"""Over RabbitMQ an answer's correlation id travels as the AMQP `correlation_id` property (not
a header), cut to an AMQP short string when a partner's message id is longer (issue 18)."""

from __future__ import annotations

import pika
import pytest

from hub.adapters.amqp import AmqpTransport, declare_partner_queues
from hub.service_layer.outbound import PARTNER_EXCHANGE, correlated
from hub.service_layer.ports import Delivery, Outgoing

pytestmark = pytest.mark.integration


def test_answers_carry_the_inbound_message_id_as_correlation_id(amqp_url: str) -> None:
    declare_partner_queues(amqp_url, [("CORRP", ())])
    long_id = "é" * 200  # 400 bytes of UTF-8: more than a short string holds
    answers = [Outgoing(PARTNER_EXCHANGE, "CORRP", b"ack", "application/xml", "ack", id=7)]
    transport = AmqpTransport(amqp_url, consume=False)
    try:
        with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
            conn.channel().queue_purge("partner.CORRP")
        transport.publish(correlated(answers, Delivery(b"x", "corrp", "msg-0001")))
        transport.publish(correlated(answers, Delivery(b"x", "corrp", long_id)))
    finally:
        transport.close()
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        got = [ch.basic_get("partner.CORRP", auto_ack=True) for _ in range(2)]
    (_, first, _), (_, second, _) = got
    assert first.correlation_id == "msg-0001" and first.type == "ack"
    assert first.message_id == "7"
    assert "correlation_id" not in (first.headers or {})
    assert second.correlation_id == "é" * 127, "cut on a character boundary within 255 bytes"
