"""outbox origin: when the inbound message that caused a row was published (or first seen), so
the relay can measure publish → gate message (`hub_end_to_end_seconds`)

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import hub.ledger.tables

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin_at", hub.ledger.tables.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("origin_at")
