"""Exactly-once effects, nothing lost, nothing twice: read the database and the terminal
queue after a run and say what is wrong."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, func, select

from hub.ledger import audit as audit_trail
from hub.ledger.tables import (
    audit,
    container_files,
    inbox,
    outbox,
    quarantine,
    quarantine_payloads,
    token_entries,
)
from tests.integration.faults.common import DEAD, INBOUND, TERMINAL, XML, wait_until
from tests.integration.faults.messages import STAGES, Msg
from tests.integration.faults.world import World


def audit_ref(msg: Msg) -> str:
    """The `message_ref` of the "received <TYPE>" audit entry of a business message."""
    return f"{msg.dedup_key}/{msg.ref if msg.content_type == XML else '1'}"


@dataclass
class Figures:
    """What a run did, as the database and the terminal queue tell it."""

    sent: int = 0
    resent: int = 0
    distinct: int = 0
    valid: int = 0
    poison: int = 0
    applied: int = 0
    rejected: int = 0
    quarantined: int = 0
    """Extra quarantine rows of unreadable payloads delivered again (known gap, pipeline.py)."""
    duplicates_ignored: int = 0
    tokens_consumed: int = 0
    gate_messages: int = 0
    gate_deliveries: int = 0
    outbox_rows: int = 0
    partner_queue_messages: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "problems"} | {
            "problems": self.problems[:50]
        }

    def assert_ok(self) -> None:
        shown = "\n  ".join(self.problems[:30])
        assert not self.problems, f"{len(self.problems)} invariant(s) broken:\n  {shown}"


def engine_for(url: str) -> Engine:
    return create_engine("postgresql+psycopg://" + url.removeprefix("postgresql://"))


def pending_work(engine: Engine, keys: int, poison: int = 0) -> str:
    """'' when the hub has recorded `keys` inbox rows, quarantined at least `poison` payloads
    and published its whole outbox."""
    with engine.connect() as conn:
        seen = conn.scalar(select(func.count()).select_from(inbox)) or 0
        held = conn.scalar(select(func.count()).select_from(quarantine)) or 0
        unsent = conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    if seen < keys:
        return f"{seen}/{keys} messages recorded"
    if held < poison:
        return f"{held}/{poison} poison messages quarantined"
    return f"{unsent} outbox row(s) unsent" if unsent else ""


def wait_settled(
    world: World, engine: Engine, sent: Sequence[tuple[Msg, str]], timeout: float
) -> None:
    """Until every business message has its inbox row, the outbox is empty and the inbound
    queue has nothing ready or unacknowledged."""
    keys = len({m.dedup_key for m, _ in sent if m.recorded})
    poison = len({m.body for m, _ in sent if m.poison})
    state = {"last": ""}

    def settled() -> bool:
        state["last"] = pending_work(engine, keys, poison)
        if state["last"]:
            return False
        ready = world.ready(INBOUND)
        state["last"] = f"{ready} message(s) ready in hub.inbound"
        return ready == 0

    try:
        wait_until("the hub to settle", settled, timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {state['last']}") from None


def check_invariants(
    world: World,
    engine: Engine,
    sent: Sequence[tuple[Msg, str]],
    *,
    stories: bool = True,
    replayed: Iterable[str] = (),
    gate_free: Iterable[str] = (),
) -> Figures:
    """Exactly-once effects, nothing lost, nothing twice; returns the figures and every broken
    invariant in `problems`. `stories`: the valid messages are whole or partial container stories
    (`story`), so each container's final state, tokens and gate messages are known exactly."""
    f = Figures(sent=len(sent))
    valid = {m.dedup_key: m for m, _ in sent if not m.poison}
    poison = {m.body: m for m, _ in sent if m.poison}
    f.distinct, f.valid, f.poison = len(valid) + len(poison), len(valid), len(poison)
    f.resent = f.sent - len({m.body for m, _ in sent})
    bad = f.problems.append
    with engine.connect() as conn:
        _check_inbox(conn, f, valid, poison)
        _check_audit(conn, f, valid, set(replayed))
        _check_quarantine(conn, f, poison)
        gates = _check_gate(conn, f)
        if stories:
            _check_stories(conn, f, valid, gates, set(gate_free))
        f.outbox_rows = conn.scalar(select(func.count()).select_from(outbox)) or 0
        unsent = conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
        if unsent:
            bad(f"{unsent} outbox row(s) never sent")
        partner_rows = Counter(
            conn.scalars(select(outbox.c.routing_key).where(outbox.c.exchange == "hub.partner"))
        )
        for brk in audit_trail.verify(conn):
            bad(f"audit chain: {brk}")
    _check_terminal(world, f, gates)
    for queue in (INBOUND, DEAD):  # the hubs are stopped: unacked messages are ready again
        if left := world.ready(queue):
            bad(f"{queue} still holds {left} message(s)")
    for party, rows in partner_rows.items():
        ready = world.ready(f"partner.{party}")
        f.partner_queue_messages += ready
        if ready < rows:
            bad(f"partner.{party} holds {ready} message(s), the outbox sent it {rows}")
    return f


def _check_inbox(conn: Any, f: Figures, valid: dict[str, Msg], poison: dict[bytes, Msg]) -> None:
    rows = {(r.sender, r.dedup_key): r.outcome for r in conn.execute(select(inbox))}
    outcomes = Counter(rows.values())
    f.applied, f.rejected = outcomes["applied"], outcomes["rejected"]
    explained = 0
    for m in valid.values():
        got = rows.pop((m.party, m.dedup_key), None)
        if got != "applied":
            why = ""
            if explained < 5:  # the hub's own words for the first few, so a failure says why
                explained += 1
                why = " - " + _audited(conn, m)
            f.problems.append(f"{m.kind} {m.ref} ({m.container}): inbox outcome {got!r}{why}")
    payloads = {f"payload:{hashlib.sha256(body).hexdigest()}" for body in poison}
    for m in poison.values():
        if m.ref:
            rows.pop((m.party, m.dedup_key), None)
    rows = {k: v for k, v in rows.items() if "#replay" not in k[1] and k[1] not in payloads}
    for key, outcome in list(rows.items())[:10]:
        f.problems.append(f"unexpected inbox row {key}: {outcome}")


def _audited(conn: Any, m: Msg) -> str:
    """What the audit trail says about message `m`: its entries' actions and details."""
    found = conn.execute(
        select(audit.c.action, audit.c.details).where(audit.c.message_ref == audit_ref(m))
    )
    return "; ".join(f"{a}: {str(d)[:200]}" for a, d in found) or "not audited"


def _check_audit(conn: Any, f: Figures, valid: dict[str, Msg], replayed: set[str]) -> None:
    received: Counter[str] = Counter()
    for action, ref in conn.execute(select(audit.c.action, audit.c.message_ref)):
        if action.startswith("received "):
            received[ref] += 1
        elif action == "duplicate":
            f.duplicates_ignored += 1
    for m in valid.values():
        if received[audit_ref(m)] != 1:
            f.problems.append(f"{m.kind} {m.ref}: audited as received {received[audit_ref(m)]}x")
    for ref, n in received.items():
        if n > 1 and ref.split("/")[0] not in replayed:
            f.problems.append(f"{ref}: received (applied or rejected) {n} times")


def _check_quarantine(conn: Any, f: Figures, poison: dict[bytes, Msg]) -> None:
    """Each poison payload quarantined exactly once (a redelivery of it is a duplicate), and
    nothing else quarantined."""
    stored = quarantine_payloads.c
    query = select(quarantine.c.id, quarantine.c.reason, stored.payload).join(
        quarantine_payloads, stored.sha256 == quarantine.c.payload_sha256
    )
    rows = list(conn.execute(query))
    f.quarantined = len(rows)
    per_payload = Counter(bytes(r.payload) for r in rows)
    for r in rows:
        if r.reason.startswith("internal error"):
            f.problems.append(f"quarantine {r.id}: {r.reason[:160]}")
        if bytes(r.payload) not in poison:
            f.problems.append(f"quarantine {r.id} holds a valid message: {r.reason[:120]}")
    for body, m in poison.items():
        if per_payload[body] != 1:
            f.problems.append(f"{m.kind} {m.ref or body[:20]!r} quarantined {per_payload[body]}x")


Gates = dict[str, list[tuple[int, str]]]


def _check_gate(conn: Any, f: Figures) -> Gates:
    """Per container, gate messages are numbered 1..n without gap or repeat, authorisation and
    withdrawal alternate, and each is the one audited GateAuthorised / GateWithdrawn event."""
    gates: Gates = defaultdict(list)
    query = select(outbox.c.container, outbox.c.message_type, outbox.c.headers).where(
        outbox.c.exchange == "hub.gate"
    )
    for container, kind, headers in conn.execute(query):
        gates[container].append((int(headers["sequence"]), kind))
    f.gate_messages = sum(len(v) for v in gates.values())
    audited: Counter[tuple[str, str]] = Counter()
    query2 = select(audit.c.container, audit.c.action).where(
        audit.c.action.in_(("GateAuthorised", "GateWithdrawn"))
    )
    for container, action in conn.execute(query2):
        audited[(container, action)] += 1
    for container, items in gates.items():
        items.sort()
        if [s for s, _ in items] != list(range(1, len(items) + 1)):
            f.problems.append(f"{container}: gate sequences {[s for s, _ in items]}")
        for seq, kind in items:
            if kind != ("GateAuthorised" if seq % 2 else "GateWithdrawn"):
                f.problems.append(f"{container}: gate message {seq} is {kind}")
        for kind in ("GateAuthorised", "GateWithdrawn"):
            n = sum(1 for _, k in items if k == kind)
            if audited[(container, kind)] != n:
                f.problems.append(
                    f"{container}: {audited[(container, kind)]} {kind} audited, {n} published"
                )
    return gates


def _check_stories(
    conn: Any, f: Figures, valid: dict[str, Msg], gates: Gates, gate_free: set[str]
) -> None:
    """Final status, gate messages and tokens of containers whose stories were sent; for those
    in `gate_free` (lights flipped at random afterwards) gate messages are not known exactly."""
    stages: dict[str, set[str]] = defaultdict(set)
    for m in valid.values():
        if m.container and m.kind in STAGES:
            stages[m.container].add(m.kind)
    status = {
        r.container: r.status
        for r in conn.execute(select(container_files.c.container, container_files.c.status))
    }
    for container, done in stages.items():
        want = "picked_up" if "gate_out" in done else "released"
        if status.get(container) != want:
            f.problems.append(f"{container}: status {status.get(container)!r}, expected {want}")
        want_gate = [(1, "GateAuthorised")] if "assign" in done else []
        want_gate += [(2, "GateWithdrawn")] if "gate_out" in done else []
        if container not in gate_free and gates.get(container, []) != want_gate:
            f.problems.append(
                f"{container}: gate messages {gates.get(container)}, want {want_gate}"
            )
    entries = list(
        conn.execute(
            select(token_entries.c.kind, token_entries.c.key, token_entries.c.tokens).where(
                token_entries.c.party == "TRUCKCO"
            )
        )
    )
    consumed = Counter(e.key for e in entries if e.kind == "consume")
    f.tokens_consumed = consumed.total()
    want_tokens = sum(1 for done in stages.values() if "accept_tr" in done)
    if f.tokens_consumed != want_tokens or any(n != 1 for n in consumed.values()):
        f.problems.append(f"TRUCKCO consumed {f.tokens_consumed} tokens, expected {want_tokens}")
    refunds = [e for e in entries if e.kind == "refund"]
    if refunds:
        f.problems.append(f"{len(refunds)} unexpected token refund(s)")


def _check_terminal(world: World, f: Figures, gates: Gates) -> None:
    """The terminal's queue got every gate message at least once (repeats carry the same id)."""
    got: dict[tuple[str, int], set[str]] = defaultdict(set)
    ids: dict[str, tuple[str, int]] = {}
    for props, _body in world.drain(TERMINAL):
        headers = props.headers or {}
        key = (str(headers.get("container")), int(headers.get("sequence", 0)))
        got[key].add(props.message_id)
        if ids.setdefault(props.message_id, key) != key:
            f.problems.append(
                f"message id {props.message_id} carried {ids[props.message_id]} and {key}"
            )
        f.gate_deliveries += 1
    want = {(c, s) for c, items in gates.items() for s, _ in items}
    missing = sorted(want - set(got))
    if missing:
        f.problems.append(
            f"{len(missing)} gate message(s) never reached the terminal: {missing[:5]}"
        )
    extra = sorted(set(got) - want)
    if extra:
        f.problems.append(f"terminal got gate messages the outbox does not hold: {extra[:5]}")
    for key, mids in got.items():
        if len(mids) != 1:
            f.problems.append(f"gate message {key} came with {len(mids)} different ids")
