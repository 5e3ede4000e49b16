"""quarantine: payloads stored once per SHA-256, and a kind per entry

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 05:00:00

A delivery with many rejected units stored its whole payload once per unit (a 1 MB delivery
with 50 refused interchanges took 50 MB). Payload bytes move to `quarantine_payloads`, keyed by
their SHA-256; entries name them. `kind` tells an operator what an entry needs: `unreadable`
(syntax, schema, limits), `refused` (policy or business), `unknown-sender`, `dead-letter`,
`internal` (a defect of the hub) or `unstorable` (a value the database cannot hold).
"""

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import hub.ledger.tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_payloads = sa.table(
    "quarantine_payloads",
    sa.column("sha256", sa.String),
    sa.column("size", sa.BigInteger),
    sa.column("payload", sa.LargeBinary),
    sa.column("stored_at", hub.ledger.tables.UtcDateTime()),
)
_quarantine = sa.table(
    "quarantine",
    sa.column("id", sa.BigInteger),
    sa.column("reason", sa.Text),
    sa.column("kind", sa.String),
    sa.column("payload", sa.LargeBinary),
    sa.column("payload_sha256", sa.String),
)
# what the reasons of entries written before this revision said, in the words of the pipeline
_KINDS = (
    ("internal error:%", "internal"),
    ("broker user %", "unknown-sender"),
    ("dead-lettered%", "dead-letter"),
    ("%refused for%", "refused"),
)


def upgrade() -> None:
    op.create_table(
        "quarantine_payloads",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", hub.ledger.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("payload_sha256", sa.String(length=64), nullable=True))
    _move_payloads_out()
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("payload_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("payload")
        batch_op.create_index("ix_quarantine_status_kind", ["status", "kind"], unique=False)


def _move_payloads_out() -> None:
    conn = op.get_bind()
    stored: set[str] = set()
    now = datetime.now(UTC)
    ids = list(conn.scalars(sa.select(_quarantine.c.id).order_by(_quarantine.c.id)))
    for entry_id in ids:  # one payload in memory at a time: old entries may be large
        query = sa.select(_quarantine.c.payload).where(_quarantine.c.id == entry_id)
        payload = bytes(conn.scalar(query) or b"")
        digest = hashlib.sha256(payload).hexdigest()
        if digest not in stored:
            stored.add(digest)
            conn.execute(
                _payloads.insert().values(
                    sha256=digest, size=len(payload), payload=payload, stored_at=now
                )
            )
        conn.execute(
            _quarantine.update().where(_quarantine.c.id == entry_id).values(payload_sha256=digest)
        )
    for pattern, kind in _KINDS:
        conn.execute(
            _quarantine.update()
            .where(_quarantine.c.kind.is_(None), _quarantine.c.reason.like(pattern))
            .values(kind=kind)
        )
    conn.execute(_quarantine.update().where(_quarantine.c.kind.is_(None)).values(kind="unreadable"))


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_status_kind")
        batch_op.add_column(sa.Column("payload", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    payload = (
        sa.select(_payloads.c.payload)
        .where(_payloads.c.sha256 == _quarantine.c.payload_sha256)
        .scalar_subquery()
    )
    conn.execute(_quarantine.update().values(payload=payload))
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("payload_sha256")
        batch_op.drop_column("kind")
    op.drop_table("quarantine_payloads")
