"""the waiting room: business messages parked until their precondition is met or they expire

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import hub.ledger.tables

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "waiting_messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("broker_user", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("containers", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("parked_at", hub.ledger.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("deadline", hub.ledger.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", hub.ledger.tables.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_waiting_messages_status_deadline", "waiting_messages", ["status", "deadline"]
    )
    op.create_table(
        "waiting_containers",
        sa.Column("waiting_id", _ID, nullable=False),
        sa.Column("container", sa.String(length=11), nullable=False),
        sa.ForeignKeyConstraint(["waiting_id"], ["waiting_messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("waiting_id", "container"),
    )
    op.create_index("ix_waiting_containers_container", "waiting_containers", ["container"])


def downgrade() -> None:
    op.drop_index("ix_waiting_containers_container", table_name="waiting_containers")
    op.drop_table("waiting_containers")
    op.drop_index("ix_waiting_messages_status_deadline", table_name="waiting_messages")
    op.drop_table("waiting_messages")
