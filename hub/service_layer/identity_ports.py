"""The seams of portal identity: where users and one-time secrets live, how mail leaves, how
passwords and authenticator codes are checked.

Implementations: `hub.ledger.identity.SqlIdentity` (on a unit of work's connection, so what it
writes commits with the partner and audit changes), `hub.adapters.mail.SmtpMailer`, and
`hub.adapters.secrets` (argon2 and TOTP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.users import User


@dataclass(frozen=True)
class Mail:
    """One e-mail to send once the unit of work that decided it has committed."""

    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class OneTimeSecret:
    """A link token or login challenge, stored by the hash of its token (never in clear)."""

    token_hash: str
    purpose: str
    user_id: str
    issued_at: datetime
    expires_at: datetime
    code_hash: str = ""
    used_at: datetime | None = None


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser, stored by the hash of its cookie value."""

    token_hash: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None


class IdentityStore(Protocol):
    """Users, sessions, login attempts and one-time secrets."""

    def user(self, user_id: str) -> User | None: ...

    def user_by_username(self, username: str) -> User | None: ...

    def users_of(self, party_id: str) -> list[User]: ...

    def save_user(self, user: User) -> None: ...

    def add_secret(self, secret: OneTimeSecret) -> None: ...

    def secret(self, token_hash: str) -> OneTimeSecret | None: ...

    def use_secret(self, token_hash: str, at: datetime) -> None: ...

    def add_session(self, session: WebSession) -> None: ...

    def session(self, token_hash: str) -> WebSession | None: ...

    def end_sessions(self, user_id: str, at: datetime, token_hash: str = "") -> None:
        """End one session (`token_hash`) or, when '', every session of the user."""

    def record_attempt(self, username: str, client: str, ok: bool, at: datetime) -> None: ...

    def failures(self, since: datetime, username: str = "", client: str = "") -> list[datetime]:
        """Failed attempts since `since` for the user name, or for the client."""


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


class Credentials(Protocol):
    """Password hashing (memory-hard) and authenticator (TOTP) checks."""

    def hash_password(self, password: str) -> str: ...

    def verify_password(self, stored_hash: str, password: str) -> bool: ...

    def new_totp_secret(self) -> str: ...

    def seal_totp(self, secret: str) -> str:
        """`secret` as it may be stored: sealed, so the database alone does not reveal it."""

    def totp_uri(self, secret: str, account: str) -> str: ...

    def totp_step(self, stored: str, code: str, at: datetime) -> int:
        """The time step (at, or one either side) whose code `code` is for the sealed secret
        `stored`; 0 when none."""
