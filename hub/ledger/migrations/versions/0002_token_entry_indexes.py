"""token entry indexes: a charge costs the same whatever the party's history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:20:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("token_entries", schema=None) as batch_op:
        batch_op.create_index("ix_token_entries_key", ["key"], unique=False)
        batch_op.create_index(
            "ix_token_entries_subscription_kind", ["subscription_id", "kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("token_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_token_entries_subscription_kind")
        batch_op.drop_index("ix_token_entries_key")
