"""Signed checkpoints of the audit chain, and the checks that anchor the chain to them.

A checkpoint states "the chain had `entries` entries, the last with hash `head_hash`, at
`at`", is numbered, names the checkpoint before it (`previous`: the SHA-256 of that signed
document) and is signed with the hub's key. It leaves the hub — to each authority's queue
(`hub.partner`, type `AuditCheckpoint`) and to a file the operator ships elsewhere — so a
database user who deletes the newest entries and rewinds the head, or rewrites the chain,
no longer matches what was published. Checkpoints are made at least every
`HUB_CHECKPOINT_EVERY` seconds or `HUB_CHECKPOINT_ENTRIES` new entries (looked at every
`HUB_EXPIRY_EVERY` seconds).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.domain.roles import AUTHORITY
from hub.service_layer import signed
from hub.service_layer.chain import GENESIS, Break, Walk
from hub.service_layer.ports import Checkpoint, Outgoing, Signer, UnitOfWork, Verifier

log = logging.getLogger("hub.checkpoints")

KIND = "hub.audit-checkpoint"
MESSAGE_TYPE = "AuditCheckpoint"
PARTNER_EXCHANGE = "hub.partner"
JSON = "application/json"


@dataclass(frozen=True)
class CheckpointBreak:
    """A checkpoint that cannot be trusted, or that the chain does not match."""

    number: int | str
    problem: str

    def __str__(self) -> str:
        return f"checkpoint {self.number}: {self.problem}"


def due(last: Checkpoint | None, entries: int, now: datetime, every: timedelta, count: int) -> bool:
    if last is None:
        return entries > 0
    return entries - last.entries >= count or now - last.at >= every


def make(uow: UnitOfWork, signer: Signer, now: datetime, written: Any = None) -> dict[str, Any]:
    """Sign the chain's head now (locked until commit), record it, publish it to the
    authorities through the outbox. The signed document is returned (for the file).

    `written`: the last checkpoint in the file, which is written before the commit; if its
    transaction was then lost (the database went away), it is recorded and published now, so
    that the file, the database and the authorities go on with the same numbers."""
    entries, head = uow.evidence.audit_head()
    last = _adopt(uow, written, now) or uow.evidence.last_checkpoint()
    if last is not None and entries < last.entries:
        log.error("the audit chain has %d entries, checkpoint %d saw %d", entries, *_n(last))
    content = {
        "kind": KIND,
        "number": last.number + 1 if last else 1,
        "entries": entries,
        "head_hash": head,
        "at": now.isoformat(),
        "previous": signed.digest(last.document) if last else GENESIS,
    }
    doc = signed.sign(content, signer)
    _record(uow, doc, now)
    return doc


def _record(uow: UnitOfWork, doc: dict[str, Any], now: datetime) -> Checkpoint:
    checkpoint = Checkpoint(
        doc["number"], doc["entries"], doc["head_hash"], datetime.fromisoformat(doc["at"]), doc
    )
    uow.evidence.add_checkpoint(checkpoint)
    body = signed.canonical(doc)
    for party in authorities(uow):
        message = Outgoing(PARTNER_EXCHANGE, party, body, JSON, MESSAGE_TYPE, headers={})
        uow.outbox.add(message, now)
    return checkpoint


def _adopt(uow: UnitOfWork, written: Any, now: datetime) -> Checkpoint | None:
    last = uow.evidence.last_checkpoint()
    if not isinstance(written, dict) or written.get("kind") != KIND:
        return None
    if last is not None and written.get("number", 0) <= last.number:
        return None
    log.warning("checkpoint %s is in the file but not in the database: recorded", written["number"])
    return _record(uow, written, now)


def _n(last: Checkpoint) -> tuple[int, int]:
    return last.number, last.entries


def make_if_due(
    uow: UnitOfWork,
    signer: Signer,
    now: datetime,
    every: timedelta,
    count: int,
    written: Any = None,
) -> dict[str, Any] | None:
    entries, _head = uow.evidence.audit_head()
    if not due(uow.evidence.last_checkpoint(), entries, now, every, count):
        return None
    return make(uow, signer, now, written)


def authorities(uow: UnitOfWork) -> list[str]:
    return sorted(p.party_id for p in uow.partners.all() if AUTHORITY in p.roles)


def check_sequence(
    docs: Sequence[Any], verifier: Verifier
) -> tuple[list[dict[str, Any]], list[CheckpointBreak]]:
    """The checkpoints that can be trusted, in order, and what is wrong with the others:
    a bad signature, a replayed (older) one, one that does not chain to the one before, or
    one that counts fewer entries than an earlier one (the chain was rewound)."""
    valid: list[dict[str, Any]] = []
    breaks: list[CheckpointBreak] = []
    for index, doc in enumerate(docs, 1):
        number = doc.get("number", f"#{index}") if isinstance(doc, dict) else f"#{index}"
        problem = signed.check(doc, verifier)
        if not problem and doc.get("kind") != KIND:
            problem = f"not an audit checkpoint (kind {doc.get('kind')!r})"
        if problem:  # not the hub's word: not used
            breaks.append(CheckpointBreak(number, problem))
            continue
        problem = _follows(doc, valid[-1]) if valid else ""
        if problem:
            breaks.append(CheckpointBreak(number, problem))
        if not problem.startswith("replayed"):
            valid.append(doc)
    return valid, breaks


def _follows(doc: dict[str, Any], prev: dict[str, Any]) -> str:
    if doc["number"] <= prev["number"]:
        return (
            f"replayed: an older checkpoint given after checkpoint {prev['number']} "
            f"({prev['at']}); the newer one stands"
        )
    if doc["entries"] < prev["entries"]:
        return (
            f"counts {doc['entries']} entries, checkpoint {prev['number']} counted "
            f"{prev['entries']}: the chain was rewound between them"
        )
    if doc["number"] > prev["number"] + 1:
        return ""  # a file may hold a subset (one per hub process); the newer one anchors
    if doc.get("previous") != signed.digest(prev):
        return f"does not chain to checkpoint {prev['number']}: that one was altered"
    return ""


def anchor(found: Walk, checkpoints: Sequence[dict[str, Any]]) -> list[Break]:
    """Compare a walked chain with trusted checkpoints: the newest entries deleted (and the
    head rewound), or the chain rewritten up to a checkpoint, are named by entry."""
    breaks: list[Break] = []
    if checkpoints:
        newest = max(checkpoints, key=lambda c: c["entries"])
        if newest["entries"] > found.last_seq:
            breaks.append(
                Break(
                    found.last_seq + 1,
                    f"missing: checkpoint {newest['number']} of {newest['at']} counts "
                    f"{newest['entries']} entries, the chain ends at {found.last_seq}: the newest "
                    f"entries {found.last_seq + 1}..{newest['entries']} were deleted",
                )
            )
    for c in checkpoints:
        stored = found.hashes.get(c["entries"])
        if stored is not None and stored != c["head_hash"]:
            breaks.append(
                Break(
                    c["entries"],
                    f"does not match checkpoint {c['number']} of {c['at']}: the chain up to "
                    "here was rewritten",
                )
            )
    return breaks
