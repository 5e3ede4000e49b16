"""outbox answers: the inbox key an acknowledgement answers, so that a resent file gets it again

Revision ID: 0005
Revises: 0007
Create Date: 2026-11-30 05:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answers", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.create_index("ix_outbox_answers", ["routing_key", "answers"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_answers")
        batch_op.drop_column("answers")
