"""Users of a company's portal account, and the rules of signing in.

A user belongs to one company (a partner). The company's first user is its admin, invited when
the company registers and activated from the one-time link mailed on approval; admins invite and
remove the others, and a company always keeps at least one admin (`removal_refusal`).

Signing in is a user name and password, then a second factor: a one-time code sent by e-mail,
valid `CODE_TTL` and used once, or an authenticator app (TOTP). Failures are counted per user
name and per client; `LockoutPolicy.locked_until` says until when the next attempt is refused.
Secrets (passwords, codes, link tokens) are never kept in clear: the service layer stores their
hashes.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain.refusals import Refusal

CODE_TTL = timedelta(minutes=5)
"""How long a mailed login code is valid."""
LINK_TTL = timedelta(hours=72)
"""How long an activation or invitation link is valid."""
SESSION_TTL = timedelta(hours=8)
"""How long a portal session lasts without logging in again."""
MIN_PASSWORD = 12


class UserRole(enum.StrEnum):
    """What a user may do in the company's account."""

    ADMIN = "admin"
    MEMBER = "member"
    OPERATOR = "operator"
    """The hub team (operations console); never invited by a company, only `hub operators add`."""


class UserState(enum.StrEnum):
    """Invited (link sent) → active (user name and password set) → removed."""

    INVITED = "invited"
    ACTIVE = "active"
    REMOVED = "removed"


class SecondFactor(enum.StrEnum):
    """The second step of a login."""

    EMAIL = "email"
    TOTP = "totp"


@dataclass(frozen=True)
class User:
    """A person acting for a company. `username` is '' until the user is activated;
    `totp_last_step` is the time step of the last authenticator code accepted (never again)."""

    id: str
    party_id: str
    email: str
    role: UserRole = UserRole.MEMBER
    state: UserState = UserState.INVITED
    username: str = ""
    password_hash: str = ""
    language: str = "en"
    second_factor: SecondFactor = SecondFactor.EMAIL
    totp_secret: str = ""
    totp_last_step: int = 0
    created_at: datetime | None = None
    first_login_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", UserRole(self.role))
        object.__setattr__(self, "state", UserState(self.state))
        object.__setattr__(self, "second_factor", SecondFactor(self.second_factor))

    @property
    def is_admin(self) -> bool:
        return self.role is UserRole.ADMIN and self.state is UserState.ACTIVE


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")


def email_problem(email: str) -> str:
    """'' when `email` looks like an address, else what is wrong."""
    return "" if _EMAIL.fullmatch(email.strip()) else f"{email!r} is not an e-mail address"


def username_problem(username: str) -> str:
    """'' for 3 to 64 lower-case letters, digits, dots, dashes or underscores."""
    if _USERNAME.fullmatch(username):
        return ""
    return "a user name is 3 to 64 lower-case letters, digits, '.', '-' or '_'"


def password_problem(password: str, username: str) -> str:
    """'' when the password is long enough and is not the user name."""
    if len(password) < MIN_PASSWORD:
        return f"a password has at least {MIN_PASSWORD} characters"
    if username and username.lower() in password.lower():
        return "a password must not contain the user name"
    return ""


def removal_refusal(users: Sequence[User], actor: User, target: User) -> Refusal | None:
    """None when `actor` may remove `target`; a company always keeps one active admin."""
    if not actor.is_admin or actor.party_id != target.party_id:
        return Refusal("only an admin of the company removes its users", "not-admin")
    if target.state is UserState.REMOVED:
        return Refusal("this user is already removed", "user-removed")
    admins = [u for u in users if u.is_admin and u.party_id == target.party_id]
    if target.is_admin and len(admins) <= 1:
        return Refusal("a company keeps at least one admin", "last-admin")
    return None


@dataclass(frozen=True)
class LockoutPolicy:
    """At most `per_user` failed attempts per user name, and `per_client` per client, within
    `window`; after that, attempts are refused until `window` after the last failure."""

    per_user: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=15)

    def locked_until(
        self, failures: Sequence[datetime], limit: int, now: datetime
    ) -> datetime | None:
        """When the lock on these failures ends, or None when there is no lock now."""
        recent = sorted(f for f in failures if now - f < self.window)
        if len(recent) < limit:
            return None
        return recent[-1] + self.window


def still_valid(expires_at: datetime, used_at: datetime | None, now: datetime) -> Refusal | None:
    """None while a one-time secret may be used; why not otherwise."""
    if used_at is not None:
        return Refusal("this code or link was already used", "secret-used")
    if now >= expires_at:
        return Refusal("this code or link has expired", "secret-expired")
    return None
