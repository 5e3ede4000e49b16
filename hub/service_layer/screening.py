"""Envelope checks that need to know who the hub is and who sent: between reading a payload
(`intake`) and acting on it (`pipeline`). Pure functions over read units.

- The UNB recipient (S003 0010) must be one of the hub's own identifiers (`HUB_HUB_ID` and
  `HUB_HUB_ALIASES`, any case): an interchange addressed to anyone else is rejected as a whole
  (0085 code 7, "interchange recipient not actual recipient").
- A test interchange (UNB 0035 = 1) never changes live state: it is read and mapped, and
  refused as a whole with "test interchange not applied" (0085 code 25) beside whatever its
  messages' own problems are; the answer is itself marked as a test.
- A message's own sender party (``NAD+MS``, C082 3039, in any message type) must be one of the
  authenticated partner's identifiers: a message naming another party as its sender is
  rejected; the other messages of its interchange are judged on their own.

The UNB sender itself is checked by the pipeline (`claims_match`), which also knows release
platforms acting for others. XML documents carry no recipient or test flag in their schemas;
their header sender is that same UNB-level check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from hub.domain.partners import Partner
from hub.errors import Problem
from hub.mappers.base import MappedMessage, MapStatus
from hub.parsing.edifact.model import Interchange, Message, SyntaxCode
from hub.service_layer.intake import Unit

RECIPIENT_NOT_ACTUAL = "7"
TEST_NOT_SUPPORTED = "25"
TEST_REFUSED = "test interchange not applied"


def identifiers(partner: Partner) -> set[str]:
    """Every identifier the partner is known by, upper case: party id, VAT, EORI, EDI ids."""
    own = {partner.party_id, partner.vat, partner.eori, *(i for i, _ in partner.edi_ids)}
    return {x.strip().upper() for x in own if x and x.strip()}


def claims_match(sender: Partner, claimed: str) -> bool:
    """The UNB / XML / NAD+MS sender must be one of the authenticated partner's identifiers."""
    return claimed.strip().upper() in identifiers(sender)


def envelope_problems(ic: Interchange | None, hub_ids: Iterable[str]) -> list[Problem]:
    """What is wrong with an interchange's UNB whoever sent it: its recipient is not the hub,
    or it is a test. A bare message (no UNB) names no recipient; `hub_ids` empty: not checked."""
    if ic is None or not ic.enveloped:
        return []
    found = []
    own = {h.strip().upper() for h in hub_ids if h.strip()}
    if own and ic.recipient.strip().upper() not in own:
        found.append(
            Problem(
                f"UNB recipient {ic.recipient!r} is not this hub: expected "
                + " or ".join(repr(h) for h in sorted(own)),
                RECIPIENT_NOT_ACTUAL,
                segment_tag="UNB",
                element=3,
            )
        )
    if ic.test_indicator:
        found.append(
            Problem(
                f"{TEST_REFUSED}: the UNB test indicator (0035) is 1, so "
                "nothing of it was applied; the answers say what the messages hold",
                TEST_NOT_SUPPORTED,
                segment_tag="UNB",
                element=11,
            )
        )
    return found


def message_sender_problems(message: Message, sender: Partner) -> list[Problem]:
    """``NAD+MS`` parties of `message` that are not the authenticated `sender`."""
    found = []
    for segment in message.segments:
        if segment.tag != "NAD" or segment.get(0).strip().upper() != "MS":
            continue
        code = segment.get(1, 0).strip()
        if code and not claims_match(sender, code):
            found.append(
                Problem(
                    f"message sender (NAD MS) {code} is not {sender.party_id}, "
                    "the partner it arrived from",
                    SyntaxCode.INVALID_VALUE,
                    message_ref=message.ref,
                    segment_tag="NAD",
                    segment_position=segment.position,
                    element=2,
                )
            )
    return found


def screen(unit: Unit, sender: Partner, hub_ids: Iterable[str]) -> Unit:
    """`unit` with the envelope problems on it and every message naming another sender
    rejected; a unit with nothing to say comes back as it was."""
    found = envelope_problems(unit.interchange, hub_ids)
    messages = unit.messages
    if unit.interchange is not None:
        # paired by position, as intake mapped them: two messages may share a reference
        read = unit.interchange.messages
        messages = tuple(_screen_message(m, r, sender) for m, r in zip(messages, read, strict=True))
    if not found and all(a is b for a, b in zip(messages, unit.messages, strict=True)):
        return unit
    return replace(unit, errors=(*unit.errors, *found), messages=messages)


def _screen_message(mapped: MappedMessage, message: Message, sender: Partner) -> MappedMessage:
    found = message_sender_problems(message, sender)
    if not found:
        return mapped
    return replace(
        mapped, status=MapStatus.REJECTED, commands=(), problems=(*found, *mapped.problems)
    )
