"""portal identity: users, web sessions, login attempts, one-time secrets

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-30 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import hub.ledger.tables

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, hub.ledger.tables.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("second_factor", sa.String(length=8), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=False),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=False),
        _when("created_at"),
        _when("first_login_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_party_id", ["party_id"], unique=False)
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("ended_at", nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_user_id", ["user_id"], unique=False)
    op.create_table(
        "login_attempts",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        _when("at"),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_username", ["username"], unique=False)
        batch_op.create_index("ix_login_attempts_client", ["client"], unique=False)
    op.create_table(
        "one_time_secrets",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        _when("issued_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("one_time_secrets", schema=None) as batch_op:
        batch_op.create_index("ix_one_time_secrets_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("one_time_secrets", ["ix_one_time_secrets_user_id"]),
        ("login_attempts", ["ix_login_attempts_client", "ix_login_attempts_username"]),
        ("web_sessions", ["ix_web_sessions_user_id"]),
        ("users", ["ix_users_party_id"]),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
