"""The database schema (SQLAlchemy Core). Alembic migrations in `migrations/` create it.

- `container_files`: one row per container, the aggregate as a JSON document; the row lock
  (SELECT ... FOR UPDATE) serialises concurrent changes to one container.
- `bl_customs`, `bl_links`: customs status per bill of lading and the B/L ↔ container links.
- `inbox`: one row per processed interchange / XML message (deduplication).
- `outbox`: outbound messages written in the same transaction as the state; a relay publishes.
- `audit`: append-only, hash-chained; `audit_head` is the single row that orders appends.
- `quarantine`: rejected deliveries kept with their kind and reason, for replay; the payload
  bytes are in `quarantine_payloads`, once per SHA-256 however many entries name them.
- `partners`, `partner_keys` (unique identifiers), token and wallet tables: registry and money.
- `backup_snapshots`: per terminal, the sequence and time of the last signed snapshot pushed.
- `audit_checkpoints`: the signed checkpoints of the audit chain the hub has published.
- `waiting_messages`, `waiting_containers`: the waiting room, business messages whose
  precondition is not met yet, parked until their container's file changes or their deadline
  passes; the payload bytes are in `quarantine_payloads` (once per SHA-256).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on PostgreSQL (timestamptz) and SQLite (naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = BigInteger().with_variant(Integer(), "sqlite")

partners = Table(
    "partners",
    metadata,
    Column("party_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("vat", String(32), nullable=False, default=""),
    Column("eori", String(32), nullable=False, default=""),
    Column("country", String(2), nullable=False, default=""),
    Column("status", String(16), nullable=False, default="active"),
    Column("roles", JSON, nullable=False),
    Column("edi_ids", JSON, nullable=False),
    Column("broker_user", String(64), unique=True),
    Column("terminals", JSON, nullable=False),
    Column("outbound_format", String(8), nullable=False, default="edifact"),
    Column("profile", JSON, nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

partner_keys = Table(
    "partner_keys",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("party_id", String(64), ForeignKey("partners.party_id"), nullable=False, index=True),
)
"""Each partner's unique keys (`hub.domain.identifiers.keys_of`): the backstop that refuses a
second partner with a VAT, EORI, EDI id, terminal code or broker user another one holds."""

container_files = Table(
    "container_files",
    metadata,
    Column("container", String(11), primary_key=True),
    Column("doc", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False, default=""),
    Column("terminal", String(35), nullable=False, default=""),
    Column("expires_at", UtcDateTime(), index=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

bl_customs = Table(
    "bl_customs",
    metadata,
    Column("bill_of_lading", String(70), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

bl_links = Table(
    "bl_links",
    metadata,
    Column("bill_of_lading", String(70), primary_key=True),
    Column("container", String(11), primary_key=True),
    Index("ix_bl_links_container", "container"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sender", String(64), nullable=False),
    Column("dedup_key", String(300), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    UniqueConstraint("sender", "dedup_key", name="uq_inbox_sender_key"),
    Index("ix_inbox_received_at", "received_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("exchange", String(64), nullable=False),
    Column("routing_key", String(128), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("message_type", String(32), nullable=False),
    Column("container", String(11), nullable=False, default=""),
    Column("headers", JSON, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("answers", String(300), nullable=False, default="", server_default=""),
    Column("origin_at", UtcDateTime()),
    Index("ix_outbox_unsent", "sent_at", "id"),
    Index("ix_outbox_answers", "routing_key", "answers"),
)

audit = Table(
    "audit",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("container", String(11), nullable=False, default=""),
    Column("message_ref", String(300), nullable=False, default=""),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_container", "container"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_seq", Id, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

quarantine_payloads = Table(
    "quarantine_payloads",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("stored_at", UtcDateTime(), nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("broker_user", String(64), nullable=False, default=""),
    Column("sender", String(64), nullable=False, default=""),
    Column("content_type", String(64), nullable=False, default=""),
    Column("kind", String(16), nullable=False, default="unreadable"),
    Column("reason", Text, nullable=False),
    Column("problems", JSON, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("status", String(16), nullable=False, default="held"),
    Column("resolved_at", UtcDateTime()),
    Index("ix_quarantine_status_kind", "status", "kind"),
)

token_entries = Table(
    "token_entries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("party", String(64), nullable=False, index=True),
    Column("subscription_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("tokens", Integer, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("cause", String(300), nullable=False),
    Column("key", String(300), nullable=False, default=""),
    Column("details", JSON, nullable=False),
    # a charge looks its consumption up by key and sums one subscription's entries: both must
    # cost the same whatever the length of the party's history
    Index("ix_token_entries_key", "key"),
    Index("ix_token_entries_subscription_kind", "subscription_id", "kind"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("party", String(64), nullable=False, index=True),
    Column("tier", String(16), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("details", JSON, nullable=False),
)

wallet_movements = Table(
    "wallet_movements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("party", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("cause", String(300), nullable=False),
)

wallets = Table(
    "wallets",
    metadata,
    Column("party", String(64), primary_key=True),
    Column("wallet_id", String(64), nullable=False, unique=True),
    Column("paired_at", UtcDateTime(), nullable=False),
)

processed_markers = Table(
    "processed_markers",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
)

# --- portal identity: users, sessions, login attempts, one-time secrets (migration 0007) -----

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("party_id", String(64), nullable=False, index=True),
    Column("email", String(254), nullable=False),
    Column("username", String(64), unique=True),
    Column("password_hash", String(200), nullable=False, default=""),
    Column("role", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("language", String(2), nullable=False),
    Column("second_factor", String(8), nullable=False),
    Column("totp_secret", String(255), nullable=False, default=""),
    Column("totp_last_step", BigInteger, nullable=False, default=0),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("first_login_at", UtcDateTime()),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(32), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime()),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, index=True),
    Column("client", String(64), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("ok", Integer, nullable=False),
)

one_time_secrets = Table(
    "one_time_secrets",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("user_id", String(32), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False, default=""),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
)

backup_snapshots = Table(
    "backup_snapshots",
    metadata,
    Column("terminal", String(35), primary_key=True),
    Column("sequence", BigInteger, nullable=False),
    Column("generated_at", UtcDateTime(), nullable=False),
    Column("pending", Boolean, nullable=False, default=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("number", Id, primary_key=True, autoincrement=False),
    Column("entries", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("document", JSON, nullable=False),
)

partition_leases = Table(
    "partition_leases",
    metadata,
    Column("partition", Integer, primary_key=True, autoincrement=False),
    Column("holder", String(64), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
"""Which `hub run` process consumes which inbound partition, until when."""

partition_members = Table(
    "partition_members",
    metadata,
    Column("holder", String(64), primary_key=True),
    Column("expires_at", UtcDateTime(), nullable=False),
)
"""The `hub run` processes alive (renewed with their leases): the share is counted on them."""

waiting_messages = Table(
    "waiting_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sender", String(64), nullable=False),
    Column("broker_user", String(64), nullable=False, default=""),
    Column("dedup_key", String(300), nullable=False),
    Column("message_id", String(255), nullable=False, default=""),
    Column("content_type", String(64), nullable=False, default=""),
    Column("containers", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("parked_at", UtcDateTime(), nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("status", String(16), nullable=False, default="waiting"),
    Column("resolved_at", UtcDateTime()),
    Index("ix_waiting_messages_status_deadline", "status", "deadline"),
    Index("ix_waiting_messages_sender_status", "sender", "status"),
)

waiting_containers = Table(
    "waiting_containers",
    metadata,
    Column(
        "waiting_id",
        Id,
        ForeignKey("waiting_messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("container", String(11), primary_key=True),
    Index("ix_waiting_containers_container", "container"),
)
