"""outbox origin: when the inbound message that caused a row was published (or first seen), so
the relay can measure publish → gate message (`hub_end_to_end_seconds`); inbox rows indexed by
when they were received (the console's live rates and `hub status` count the last minutes)

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
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_received_at", table_name="inbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("origin_at")
