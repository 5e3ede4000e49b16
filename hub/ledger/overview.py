"""The operator's overview and the readiness probes, read from the database cheaply."""

from __future__ import annotations

from datetime import datetime, timedelta

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select, text

from hub.domain.tokens import EntryKind
from hub.ledger import tables as t
from hub.ledger.db import alembic_config
from hub.service_layer.observe import Activity, Overview

TOKEN_MOVEMENTS = (EntryKind.CONSUME.value, EntryKind.REFUND.value)


def overview(engine: Engine, now: datetime) -> Overview:
    """Outbox backlog and its oldest row's age, held quarantine by kind, inbox rows of the
    last hour, audit head: each an indexed count or a single-row read."""
    with engine.connect() as conn:
        backlog, oldest = conn.execute(
            select(func.count(), func.min(t.outbox.c.created_at)).where(
                t.outbox.c.sent_at.is_(None)
            )
        ).one()
        held = conn.execute(
            select(t.quarantine.c.kind, func.count())
            .where(t.quarantine.c.status == "held")
            .group_by(t.quarantine.c.kind)
        ).all()
        inbox = conn.execute(
            select(func.count()).where(t.inbox.c.received_at >= now - timedelta(hours=1))
        ).scalar_one()
        head = conn.execute(select(t.audit_head.c.last_seq)).scalar()
        moved = conn.execute(
            select(t.token_entries.c.kind, func.count())
            .where(t.token_entries.c.kind.in_(TOKEN_MOVEMENTS))
            .group_by(t.token_entries.c.kind)
        ).all()
    return Overview(
        outbox_backlog=int(backlog),
        oldest_unsent_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        quarantine={str(kind): int(n) for kind, n in held},
        inbox_last_hour=int(inbox),
        audit_head=int(head or 0),
        token_movements={str(kind): int(n) for kind, n in moved},
    )


LATENCY_SAMPLE = 2000
"""At most this many of the window's newest outbound messages give its latency quantiles."""


def activity(engine: Engine, now: datetime, window: timedelta) -> Activity:
    """Inbox units by outcome received in the `window` before `now`, and the end-to-end
    seconds (origin → claimed by the relay) of the outbound messages sent in it."""
    since = now - window
    o = t.outbox.c
    with engine.connect() as conn:
        counted = conn.execute(
            select(t.inbox.c.outcome, func.count())
            .where(t.inbox.c.received_at >= since)
            .group_by(t.inbox.c.outcome)
        ).all()
        sent = conn.execute(
            select(o.origin_at, o.sent_at)
            .where(o.sent_at >= since, o.origin_at.is_not(None))
            .order_by(o.id.desc())
            .limit(LATENCY_SAMPLE)
        ).all()
    latencies = sorted(max(0.0, (s - origin).total_seconds()) for origin, s in sent)
    return Activity(
        window_seconds=window.total_seconds(),
        by_outcome={str(outcome): int(n) for outcome, n in counted},
        latencies=tuple(latencies),
    )


def ping(engine: Engine) -> str:
    """ "" when the database answers a trivial query (else the error propagates)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return ""


def migrations_pending(engine: Engine) -> str:
    """ "" when the schema is at Alembic's head, else which revision it is at."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return "" if current == heads else f"schema at {sorted(current)}, code at {sorted(heads)}"
