"""evidence that leaves the hub: per-terminal backup sequences, signed audit checkpoints

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-30 05:30:00
"""

import sqlalchemy as sa
from alembic import op

import hub.ledger.tables

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_snapshots",
        sa.Column("terminal", sa.String(length=35), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("generated_at", hub.ledger.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("terminal"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column(
            "number",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("at", hub.ledger.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("backup_snapshots")
