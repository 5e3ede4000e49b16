"""Settings, read from the environment once, as a frozen value whose repr hides passwords."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

_TRUE = frozenset({"1", "true", "yes", "on"})
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]+:)([^@]*)(@)")


def mask_url(url: str) -> str:
    """``amqp://user:secret@host`` → ``amqp://user:***@host``."""
    return _PASSWORD_IN_URL.sub(r"\1***\3", url)


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Unset `amqp_url` means the in-process transport."""

    database_url: str = "sqlite:///hub.db"
    amqp_url: str = field(default="", repr=False)
    prefetch: int = 200
    partitions: int = 8
    """Inbound partitions (queues hub.inbound.p0…): the most `hub run` processes that share
    the load. Every process of one hub must use the same number."""
    lease_seconds: float = 20.0
    """A process that stops renewing its partition leases loses them after this long."""
    batch_size: int = 100
    batch_wait: float = 0.2
    hub_id: str = "CPUHUB"
    hub_aliases: str = ""
    # Input limits, one per shape (`hub.service_layer.intake.Limits`, same names and defaults).
    max_bytes: int = 10_000_000
    max_segments: int = 200_000
    max_segment_length: int = 100_000
    max_elements: int = 99
    max_components: int = 99
    max_repetitions: int = 99
    max_release_characters: int = 100_000
    max_problems: int = 1_000
    max_messages: int = 5_000
    max_interchanges: int = 1_000
    max_containers: int = 25_000
    max_xml_bytes: int = 1_000_000
    max_xml_depth: int = 64
    max_xml_elements: int = 10_000
    max_xml_attributes: int = 50
    max_xml_text: int = 65_536
    max_xml_namespaces: int = 50
    # Bounded waits on PostgreSQL (`hub.ledger.db.DbWaits`, same names without `db_`; seconds;
    # 0 turns one of the four session limits off; docs/runbook.md §8 says why these values).
    db_statement_timeout: float = 30.0
    db_lock_timeout: float = 10.0
    db_idle_in_transaction_timeout: float = 10.0
    db_idle_session_timeout: float = 20.0
    db_keepalives_idle: int = 5
    db_keepalives_interval: int = 2
    db_keepalives_count: int = 3
    db_tcp_user_timeout: float = 10.0
    db_head_idle_timeout: float = 3.0
    db_connect_timeout: int = 10
    db_pool_timeout: float = 10.0
    expiry_every: float = 30.0
    waiting_window: float = 600.0
    """Seconds a business message whose precondition is not met yet (an accept before its
    release, a cancel before its original) waits in the waiting room before it is refused
    with its reason; 0: refused at once. Parked messages are refused by the periodic job, so
    up to `expiry_every` seconds later."""
    waiting_per_sender: int = 1000
    """At most this many of one sender's messages wait at once; the next is refused at once,
    with its reason (a partner cannot fill the waiting room)."""
    startup_wait: float = 60.0
    contribution_cents: int = 1000
    reminder_days: int = 30
    home: str = ""
    """The hub's own directory (HUB_HOME): relative file settings are taken from it, not from
    wherever a command happens to run; '' is the working directory."""
    broker_credentials: str = "var/broker-credentials.json"
    """The broker passwords `hub broker setup` writes (relative: under `home`)."""
    broker_user_prefix: str = ""
    totp_key: str = "var/totp.key"
    """The keys sealing people's authenticator secrets at rest (created 0600 when missing;
    relative: under `home`). Keep it out of database backups' reach."""
    signing_key: str = ""
    """The hub's Ed25519 private key file (`hub keys generate`); unset: nothing is signed."""
    public_keys: str = "var/keys"
    """Directory of the hub's public keys (`*.pub.pem`), old ones kept after a rotation."""
    backup_every: float = 300.0
    backup_gap: float = 5.0
    checkpoint_every: float = 300.0
    checkpoint_entries: int = 10_000
    checkpoint_file: str = "var/audit-checkpoints.jsonl"
    log_level: str = "INFO"
    log_format: str = "text"
    """`text` (readable lines) or `json` (one JSON object a line)."""
    metrics_port: int = 9464
    """`hub run` serves /metrics, /livez and /readyz here; 0: not at all."""
    metrics_host: str = "127.0.0.1"
    live_seconds: float = 120.0
    """/livez fails when the worker loop has not gone round for this long."""
    ready_outbox_age: float = 300.0
    """/readyz fails when the oldest unsent outbox row is older than this (relay stuck)."""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "hub@localhost"
    web_base_url: str = "http://127.0.0.1:8080"
    web_secure_cookies: bool = True

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and "url" in f.name:
                value = mask_url(value)
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    @property
    def embedded(self) -> bool:
        return not self.amqp_url

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `HUB_*` variables; anything unset keeps its default."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"HUB_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            kind = type(getattr(cls(), f.name))
            values[f.name] = raw.strip().lower() in _TRUE if kind is bool else kind(raw)
        return cls(**values)  # type: ignore[arg-type]

    def hub_alias_ids(self) -> tuple[str, ...]:
        """`hub_aliases` (comma-separated): other UNB recipient ids the hub answers to."""
        return tuple(a.strip() for a in self.hub_aliases.split(",") if a.strip())

    def totp_key_path(self) -> Path:
        """`totp_key` as an absolute path (a relative one under `home`)."""
        return (Path(self.home or ".") / self.totp_key).absolute()

    def credentials_path(self) -> Path:
        """`broker_credentials` as an absolute path (a relative one under `home`)."""
        return (Path(self.home or ".") / self.broker_credentials).absolute()
