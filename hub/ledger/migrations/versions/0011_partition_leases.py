"""inbound partition leases: which hub process consumes which partition, and who is alive

Revision ID: 0011
Revises: 0012
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import hub.ledger.tables

revision = "0011"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partition_leases",
        sa.Column("partition", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", hub.ledger.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partition"),
    )
    op.create_table(
        "partition_members",
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", hub.ledger.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("holder"),
    )


def downgrade() -> None:
    op.drop_table("partition_members")
    op.drop_table("partition_leases")
