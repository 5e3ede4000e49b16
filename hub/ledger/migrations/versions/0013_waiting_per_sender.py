"""waiting messages counted per sender: the cap on one sender's parked messages is one probe

Revision ID: 0013
Revises: 0009
Create Date: 2026-11-30 12:15:00
"""

from alembic import op

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("waiting_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_waiting_messages_sender_status", ["sender", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("waiting_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_waiting_messages_sender_status")
