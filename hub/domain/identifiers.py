"""Identifiers that become routing keys, queue names, broker user names or lookup keys.

A partner's party id is the routing key of what it sends (`hub.inbound`) and of its own queue
(`partner.<id>`); a terminal code is the routing key on `hub.gate` and the queue
`terminal.<code>`; the broker user is a RabbitMQ user name; party id, VAT, EORI and EDI ids
are the keys a message's sender or recipient is looked up by. On a topic exchange ``#`` and
``*`` are wildcards and ``.`` splits a key into words, so a terminal code ``#`` would bind a
queue to every terminal's gate authorisations. Every such identifier is therefore one plain
word of a strict character set (`identifier_problems`), and unique across partners
(`clashes`): a lookup key, a terminal code or a broker user belongs to one partner only.

Keys are compared upper-cased (`keys_of`), so ``psat`` is the same terminal as ``PSAT``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

WORD = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,34}")
"""Party ids, terminal codes and EDI ids: upper-case letters, digits, ``-`` and ``_``; no
wildcard, no dot, no blank; at most 35 characters (an EDIFACT an..35)."""

BROKER_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
"""A broker user name (before the hub's optional prefix)."""

BROKER_PREFIX = re.compile(r"[A-Za-z0-9_-]{0,20}")
"""`HUB_BROKER_USER_PREFIX`: may be empty."""

QUALIFIER = re.compile(r"[A-Z0-9]{0,4}")
"""An EDI id's code qualifier (UNB 0007), e.g. ``ZZZ`` or ``14``."""

NUMBER = re.compile(r"[A-Z0-9]{0,32}")
"""VAT and EORI numbers once normalised (their formats are checked at registration)."""


class Identified(Protocol):
    """What a partner exposes for these checks (`hub.domain.partners.Partner`)."""

    @property
    def party_id(self) -> str: ...
    @property
    def vat(self) -> str: ...
    @property
    def eori(self) -> str: ...
    @property
    def broker_user(self) -> str: ...
    @property
    def edi_ids(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def terminals(self) -> tuple[str, ...]: ...


def _bad(kind: str, value: str, pattern: re.Pattern[str], rule: str) -> str:
    return "" if pattern.fullmatch(value) else f"{kind} {value!r} must be {rule}"


_WORD_RULE = "1-35 upper-case letters, digits, '-' or '_'"


def identifier_problems(p: Identified) -> list[str]:
    """What is wrong with the partner's identifiers' characters; [] when all are plain words."""
    problems = [
        _bad("party id", p.party_id, WORD, _WORD_RULE),
        _bad("VAT number", p.vat, NUMBER, "letters and digits only"),
        _bad("EORI", p.eori, NUMBER, "letters and digits only"),
        *(_bad("terminal code", t, WORD, _WORD_RULE) for t in p.terminals),
        *(_bad("EDI id", i, WORD, _WORD_RULE) for i, _ in p.edi_ids),
        *(_bad("EDI qualifier", q, QUALIFIER, "up to 4 letters or digits") for _, q in p.edi_ids),
    ]
    if p.broker_user:
        rule = "1-40 letters, digits, '-' or '_'"
        problems.append(_bad("broker user", p.broker_user, BROKER_USER, rule))
    if len(set(p.terminals)) != len(p.terminals):
        problems.append(f"terminal codes {list(p.terminals)} name one terminal twice")
    return [problem for problem in problems if problem]


def prefix_problem(prefix: str) -> str:
    """What is wrong with a broker user prefix; '' when it is fine (or empty)."""
    return _bad("broker user prefix", prefix, BROKER_PREFIX, "up to 20 letters, digits, - or _")


def keys_of(p: Identified) -> set[tuple[str, str]]:
    """The partner's unique keys as (namespace, KEY): ``code`` (party id, VAT, EORI, EDI ids:
    what a sender or recipient is looked up by), ``terminal`` and ``broker``."""
    codes = {p.party_id, p.vat, p.eori, *(i for i, _ in p.edi_ids)}
    keys = {("code", c.strip().upper()) for c in codes if c.strip()}
    keys |= {("terminal", t.strip().upper()) for t in p.terminals if t.strip()}
    if p.broker_user:
        keys.add(("broker", p.broker_user.strip().upper()))
    return keys


_NAMES = {"code": "identifier", "terminal": "terminal code", "broker": "broker user"}


def clashes(p: Identified, others: Iterable[Identified]) -> list[str]:
    """Which of the partner's keys another partner (another party id) already holds.

    The other partner is not named: a registrant must not learn who holds a number.
    """
    mine = keys_of(p)
    taken: set[tuple[str, str]] = set()
    for other in others:
        if other.party_id != p.party_id:
            taken |= mine & keys_of(other)
    return [f"{_NAMES[kind]} {key} is taken by another partner" for kind, key in sorted(taken)]
