"""Outbound messages: acknowledgements to senders, gate messages to terminals, notifications.

Routing: acknowledgements and notifications go to exchange `hub.partner` with the party id as
routing key; gate authorisations and withdrawals to `hub.gate` with the terminal code. The
format follows the receiving partner's profile (EDIFACT or XML); senders get acknowledgements
in the format they sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from hub.domain import events as e
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner
from hub.errors import PermanentError, Problem
from hub.mappers.base import MappedMessage
from hub.parsing.edifact.model import Interchange
from hub.rendering import edifact as edi
from hub.rendering import xml as xml_out
from hub.service_layer.intake import Unit, sha256
from hub.service_layer.notifications import event_details, notifications_for
from hub.service_layer.ports import (
    CORRELATION_HEADER,
    REPEAT_HEADER,
    Delivery,
    Outgoing,
    UnitOfWork,
)
from hub.service_layer.screening import RECIPIENT_NOT_ACTUAL, claims_match

PARTNER_EXCHANGE = "hub.partner"
GATE_EXCHANGE = "hub.gate"
EDIFACT = "application/edifact"
XML = "application/xml"

__all__ = [
    "acknowledgement",
    "contrl",
    "correlated",
    "event_details",
    "for_event",
    "payload_rejection",
    "repeat",
]


def control_ref() -> str:
    """A fresh interchange control reference (UNB 0020, at most 14 characters)."""
    return uuid.uuid4().hex[:14].upper()


def _subject(unit: Unit, mapped: MappedMessage, sender: Partner, hub_id: str) -> edi.AckSubject:
    ic = unit.interchange
    assert ic is not None
    message = ic.message(mapped.ref)
    subject = edi.AckSubject.of(ic, message)
    if not ic.enveloped:
        subject = replace(subject, sender=_edi_id(sender), recipient=hub_id)
    return _addressed(subject, unit, sender, hub_id)


def _addressed(
    subject: edi.AckSubject, unit: Unit, partner: Partner, hub_id: str
) -> edi.AckSubject:
    """An answer goes from this hub to the partner the delivery came from, whatever its UNB
    claimed: the claimed sender only when it is one of the partner's identifiers, the claimed
    recipient only when the hub took it as itself (one of its aliases, say)."""
    if not claims_match(partner, subject.sender):
        own, qualifier = partner.edi_ids[0] if partner.edi_ids else (partner.party_id, "")
        subject = replace(subject, sender=own, sender_qualifier=qualifier)
    not_us = any(p.code == RECIPIENT_NOT_ACTUAL and p.segment_tag == "UNB" for p in unit.errors)
    if not_us or not subject.recipient.strip():
        subject = replace(subject, recipient=hub_id)
    return subject


def acknowledgement(
    unit: Unit,
    mapped: MappedMessage,
    accepted: bool,
    problems: Sequence[Problem],
    sender: Partner,
    hub_id: str,
    now: datetime,
    lost: Sequence[str] = (),
) -> list[Outgoing]:
    """APERAK (EDIFACT) or XML acknowledgement for one business message; `lost`: its
    containers that were not applied, named in a rejection."""
    if unit.format == "xml":
        body = xml_out.render_xml_ack(mapped.ref, sender.party_id, accepted, problems, now=now)
        return [
            Outgoing(PARTNER_EXCHANGE, sender.party_id, body, XML, "ack", answers=unit.dedup_key)
        ]
    if unit.interchange is None or mapped.type in ("CONTRL", "APERAK"):
        return []
    subject = replace(_subject(unit, mapped, sender, hub_id), lost=tuple(lost))
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    if not accepted and not errors:
        errors = [Problem(f"message is {mapped.status}")]
    reported = [*errors, *warnings] if not accepted else warnings
    text = edi.render_aperak(subject, reported, now=now, control_ref=control_ref())
    body = edi.encode_rendered(text, subject.syntax_id)
    return [
        Outgoing(PARTNER_EXCHANGE, sender.party_id, body, EDIFACT, "APERAK", answers=unit.dedup_key)
    ]


def contrl(
    unit: Unit, sender: Partner, hub_id: str, now: datetime, problems: Sequence[Problem]
) -> list[Outgoing]:
    """CONTRL for an interchange when UNB asks for one or the profile does (never for CONTRL)."""
    ic = unit.interchange
    if unit.format != "edifact" or ic is None:
        return []
    if not edi.should_send_contrl(ic, bool(sender.wants_contrl)):
        return []
    reply = _addressed(edi.AckSubject.of(ic), unit, sender, hub_id).reply_envelope()
    contrl = _contrl(ic, problems, now, reply)
    return [replace(contrl, routing_key=sender.party_id, answers=unit.dedup_key)]


def _contrl(
    ic: Interchange, problems: Sequence[Problem], now: datetime, reply: edi.Envelope | None = None
) -> Outgoing:
    text = edi.render_contrl(ic, now=now, control_ref=control_ref(), extra=problems, reply=reply)
    body = edi.encode_rendered(text, ic.syntax_id or "UNOC")
    return Outgoing(PARTNER_EXCHANGE, "", body, EDIFACT, "CONTRL")


def payload_rejection(
    delivery: Delivery,
    sender: Partner,
    error: PermanentError,
    hub_id: str,
    now: datetime,
    answers: str = "",
) -> list[Outgoing]:
    """A payload nothing could be read from: answered in the format it seems to be;
    `answers`: the inbox key of the payload (see `Outgoing.answers`)."""
    problems = list(error.problems) or [Problem(error.reason)]
    if delivery.body.lstrip()[:1] == b"<" or sender.outbound_format == "xml":
        # the document's own messageId when the parser could read one, never the AMQP id
        original = next((p.message_ref for p in problems if p.message_ref), "")
        seed = f"{delivery.message_id}\n{sha256(delivery.body)}\n{now.isoformat()}"
        body = xml_out.render_xml_ack(
            original, sender.party_id, False, problems, now=now, message_id=_ack_id(seed)
        )
        return [Outgoing(PARTNER_EXCHANGE, sender.party_id, body, XML, "ack", answers=answers)]
    ic = Interchange(
        sender=_edi_id(sender),
        recipient=hub_id,
        control_ref=delivery.message_id[:14],
        syntax_id="UNOC",
        syntax_version="3",
    )
    return [replace(_contrl(ic, problems, now), routing_key=sender.party_id, answers=answers)]


def repeat(originals: Sequence[Outgoing]) -> list[Outgoing]:
    """The answers once given, again, for a file sent again: the same bodies, marked with
    `REPEAT_HEADER` and the message id of the original (as idempotent APIs answer a retried
    request). A repeat answers nothing itself, so it is never repeated in turn."""
    return [
        replace(
            m,
            id=0,
            answers="",
            headers={
                **{k: v for k, v in m.headers.items() if k != "message_id"},
                REPEAT_HEADER: True,
                **({"x-hub-repeat-of": f"hub-{m.id}"} if m.id else {}),
            },
        )
        for m in originals
    ]


def correlated(messages: Sequence[Outgoing], delivery: Delivery) -> list[Outgoing]:
    """Answers to `delivery`, marked with its message id (`CORRELATION_HEADER`) so that the
    sender matches them to what it sent; a delivery without one gets answers without one."""
    if not delivery.message_id:
        return [replace(m, headers=_without(m.headers)) for m in messages]
    mark = {CORRELATION_HEADER: delivery.message_id}
    return [replace(m, headers={**_without(m.headers), **mark}) for m in messages]


def _without(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in headers.items() if k != CORRELATION_HEADER}


def _ack_id(seed: str) -> str:
    """A stable id for an acknowledgement of a document whose own messageId is unknown: two
    unreadable documents answered in the same second must not share one."""
    return "ack-" + sha256(seed.encode("utf-8", "surrogatepass"))[:32]


def for_event(
    event: e.Event,
    uow: UnitOfWork,
    now: datetime,
    hub_id: str = "CPUHUB",
    files: Mapping[str, ContainerFile] | None = None,
) -> list[Outgoing]:
    """Gate messages for the terminal, notifications for the parties concerned.

    `files`: container files as last saved in this unit of work, by container; a file not
    given is read from the database."""
    if isinstance(event, (e.GateAuthorised, e.GateWithdrawn)):
        return [_gate(event, uow, now, hub_id)]
    holders = _holders(uow, event, files or {}) if isinstance(event, e.LightChanged) else ()
    return [_notification(n, now) for n in notifications_for(event, holders)]


def _holders(
    uow: UnitOfWork, event: e.LightChanged, files: Mapping[str, ContainerFile]
) -> tuple[str, ...]:
    file = files.get(event.container)
    if file is None:
        file = uow.files.get(event.container)
    right = file.right
    holder = (right.holder,) if right is not None and right.is_active() else ()
    return tuple(dict.fromkeys((*holder, *file.subscribers())))


def _gate(
    event: e.GateAuthorised | e.GateWithdrawn, uow: UnitOfWork, now: datetime, hub_id: str
) -> Outgoing:
    operator = uow.partners.operator_of(event.terminal)
    kind = "GateAuthorised" if isinstance(event, e.GateAuthorised) else "GateWithdrawn"
    headers: dict[str, Any] = {"container": event.container, "sequence": event.sequence}
    if operator is not None and operator.outbound_format == "edifact":
        envelope = edi.Envelope(hub_id, _edi_id(operator))
        text = edi.render_gate_message(event, envelope=envelope, now=now, control_ref=control_ref())
        return Outgoing(
            GATE_EXCHANGE,
            event.terminal,
            edi.encode_rendered(text, "UNOC"),
            EDIFACT,
            kind,
            event.container,
            headers,
        )
    body_xml = xml_out.render_gate_xml(event, now=now, message_id=uuid.uuid4().hex)
    return Outgoing(GATE_EXCHANGE, event.terminal, body_xml, XML, kind, event.container, headers)


def _edi_id(partner: Partner) -> str:
    return partner.edi_ids[0][0] if partner.edi_ids else partner.party_id


def _notification(n: e.Notification, now: datetime) -> Outgoing:
    body = xml_out.render_notification_xml(n, now=now, message_id=uuid.uuid4().hex)
    return Outgoing(PARTNER_EXCHANGE, n.party, body, XML, n.event, n.container, {"event": n.event})
