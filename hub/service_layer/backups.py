"""Backup information for terminals: each terminal's standing authorisations, signed.

A terminal keeps releasing containers from its last snapshot while the hub is unreachable.
The hub pushes a fresh snapshot to the terminal's queue (`hub.gate`, routing key the terminal
code, AMQP type `BackupSnapshot`) through the outbox whenever that terminal's authorisations
change — at most one per terminal per commit — and at least every `HUB_BACKUP_EVERY` seconds.
A snapshot carries the terminal, a per-terminal sequence (a terminal keeps the highest it has
seen), its time and the hub's key id, and is signed with the hub's Ed25519 key: the terminal
verifies it with the hub's public key and cannot make one itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from hub.domain import events as e
from hub.domain.model import ContainerFile
from hub.domain.roles import TERMINAL_OPERATOR
from hub.errors import TransientError
from hub.service_layer import signed
from hub.service_layer.ports import Clock, Outgoing, Signer, UnitOfWork, Verifier

log = logging.getLogger("hub.backups")

KIND = "hub.terminal-backup"
MESSAGE_TYPE = "BackupSnapshot"
GATE_EXCHANGE = "hub.gate"
JSON = "application/json"


def _authorisation(file: ContainerFile) -> dict[str, Any]:
    a = file.authorised
    assert a is not None
    return {
        "container": file.container,
        "sequence": file.gate_sequence,
        "release_ref": a.release_ref,
        "mode": a.pickup.mode.value,
        "identity": a.pickup.identity,
        "tar": a.pickup.tar,
        "port": a.port,
        "bills_of_lading": list(a.bills_of_lading),
        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
    }


def snapshot(uow: UnitOfWork, terminal: str, signer: Signer, now: datetime) -> dict[str, Any]:
    """The terminal's signed snapshot, with the next sequence (locked until commit)."""
    sequence = uow.evidence.next_backup(terminal, now)
    files = uow.files.for_terminal(terminal)
    content = {
        "kind": KIND,
        "terminal": terminal,
        "sequence": sequence,
        "generated_at": now.isoformat(),
        "authorisations": [_authorisation(f) for f in files if f.authorised],
    }
    return signed.sign(content, signer)


def push(uow: UnitOfWork, terminal: str, signer: Signer, now: datetime) -> dict[str, Any]:
    """A fresh snapshot into the outbox, for the terminal's queue."""
    doc = snapshot(uow, terminal, signer, now)
    headers = {"terminal": terminal, "backup_sequence": doc["sequence"]}
    message = Outgoing(
        GATE_EXCHANGE, terminal, signed.canonical(doc), JSON, MESSAGE_TYPE, headers=headers
    )
    uow.outbox.add(message, now)
    return doc


@dataclass(frozen=True)
class BackupPolicy:
    """How often snapshots go out. A change pushes one at commit, unless the terminal had one
    less than `gap` ago: then one is marked pending and the next periodic tick (every
    `HUB_EXPIRY_EVERY`) pushes it, so a busy terminal with thousands of authorisations costs
    one snapshot per tick, not one per batch. Every terminal gets one at least every `every`."""

    signer: Signer
    every: timedelta = timedelta(minutes=5)
    gap: timedelta = timedelta(seconds=5)


def on_event(uow: UnitOfWork, event: e.Event, policy: BackupPolicy | None, clock: Clock) -> None:
    """A gate authorisation or withdrawal changes what the terminal holds: push it a snapshot
    when this unit of work commits (one per terminal, however many changes it holds)."""
    if policy is None or not isinstance(event, (e.GateAuthorised, e.GateWithdrawn)):
        return
    terminal = event.terminal
    _at_commit(uow, terminal, lambda: _on_change(uow, terminal, policy, clock()))


def _on_change(uow: UnitOfWork, terminal: str, policy: BackupPolicy, now: datetime) -> None:
    if not uow.evidence.defer_backup(terminal, now - policy.gap):
        push(uow, terminal, policy.signer, now)


def _at_commit(uow: UnitOfWork, terminal: str, job: Callable[[], object]) -> None:
    uow.before_commit(f"backup:{terminal}", lambda: _safely(uow, terminal, job))


def _safely(uow: UnitOfWork, terminal: str, job: Callable[[], object]) -> None:
    """A defect here must not hold back the business it follows: it is undone alone (its own
    savepoint) and logged, the commit goes on, and the periodic push sends one later."""
    try:
        with uow.savepoint():
            job()
    except TransientError:
        raise
    except Exception:
        log.exception("backup for %s not pushed; the periodic push will send one", terminal)


def terminals(uow: UnitOfWork) -> list[str]:
    """Every terminal a terminal operator in the registry operates."""
    codes = {t for p in uow.partners.all() if TERMINAL_OPERATOR in p.roles for t in p.terminals}
    return sorted(codes)


def push_due(uow: UnitOfWork, now: datetime, policy: BackupPolicy) -> list[str]:
    """Push a snapshot, at commit, to every terminal with one pending or none for `every`
    (one with the change-triggered ones of the same commit); returns those terminals."""
    due = uow.evidence.backups_due(terminals(uow), now - policy.every)
    for terminal in due:
        _at_commit(uow, terminal, partial(push, uow, terminal, policy.signer, now))
    return due


def name(doc: Any) -> str:
    """How a snapshot is named in a report: terminal, sequence, time."""
    if not isinstance(doc, dict):
        return "snapshot"
    return (
        f"snapshot {doc.get('terminal', '?')} #{doc.get('sequence', '?')} "
        f"of {doc.get('generated_at', '?')}"
    )


def verify(doc: Any, verifier: Verifier) -> str:
    """'' when `doc` is a snapshot signed by a key the verifier knows; else the snapshot named
    and what is wrong with it. Needs no database: a terminal runs it on its own."""
    problem = signed.check(doc, verifier)
    if not problem and doc.get("kind") != KIND:
        problem = f"not a terminal backup (kind {doc.get('kind')!r})"
    return f"{name(doc)}: {problem}" if problem else ""
