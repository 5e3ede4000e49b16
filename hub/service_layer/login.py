"""Signing in to the portal: password, then a mailed code or an authenticator code; sessions.

1. `start_login` checks the user name and password (after the lockout), and opens a login
   challenge: a random token the browser keeps, plus (second factor by e-mail) a six-digit code
   mailed to the user, valid `CODE_TTL` and usable once.
2. `finish_login` checks the code for that challenge and starts a session: another random
   token, kept by the browser in a cookie, stored only as its hash.

Every attempt of either step is recorded; `LockoutPolicy` refuses further attempts for a user
name (or from a client) after too many failures, before any password is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from hub.domain.partners import Status
from hub.domain.refusals import Refusal
from hub.domain.users import (
    CODE_TTL,
    SESSION_TTL,
    LockoutPolicy,
    SecondFactor,
    User,
    UserRole,
    UserState,
    still_valid,
)
from hub.service_layer import approvals
from hub.service_layer.identity import Done, actor_of, user_audit
from hub.service_layer.identity_ports import (
    Credentials,
    IdentityStore,
    Mail,
    OneTimeSecret,
    WebSession,
)
from hub.service_layer.mail_texts import compose
from hub.service_layer.ports import AuditEntry, UnitOfWork
from hub.service_layer.secrets_util import digest, new_code, new_token, same

LOGIN = "login"
WRONG = Refusal("wrong user name or password", "login-failed")


@dataclass(frozen=True)
class Challenge:
    """The first step passed: the browser keeps `token` and is asked for the second factor."""

    token: str
    method: SecondFactor


@dataclass(frozen=True)
class SessionStarted:
    """Both steps passed: `token` is the session cookie's value."""

    token: str
    user: User


def lockout(
    store: IdentityStore, policy: LockoutPolicy, username: str, client: str, at: datetime
) -> Refusal | None:
    """A refusal while the user name or the client is locked out."""
    since = at - policy.window
    by_user = policy.locked_until(store.failures(since, username=username), policy.per_user, at)
    by_client = policy.locked_until(store.failures(since, client=client), policy.per_client, at)
    until = max((t for t in (by_user, by_client) if t is not None), default=None)
    if until is None:
        return None
    return Refusal(f"too many failed attempts: try again after {until:%H:%M} UTC", "locked-out")


def _audit_if_locked(
    uow: UnitOfWork,
    store: IdentityStore,
    policy: LockoutPolicy,
    username: str,
    client: str,
    at: datetime,
) -> None:
    """Audit the failure that locks a user name or client out (attempts while locked are
    refused before they count, so this happens once per lock)."""
    if lockout(store, policy, username, client, at) is not None:
        details = {"username": username[:64], "client": client[:64]}
        uow.audit.append(AuditEntry(at, "portal", "LoginLockedOut", "", "portal", details))


def start_login(
    uow: UnitOfWork,
    store: IdentityStore,
    credentials: Credentials,
    policy: LockoutPolicy,
    username: str,
    password: str,
    client: str,
    at: datetime,
) -> Done[Challenge] | Refusal:
    """Check the password and open a challenge (mailing the code when that is the method)."""
    username = username.strip().lower()
    if (locked := lockout(store, policy, username, client, at)) is not None:
        return locked
    user = store.user_by_username(username) if username else None
    matches = credentials.verify_password(user.password_hash if user else "", password)
    ok = matches and user is not None and user.state is UserState.ACTIVE
    store.record_attempt(username, client, ok, at)
    if not ok or user is None:
        _audit_if_locked(uow, store, policy, username, client, at)
        return WRONG
    company = uow.partners.get(user.party_id)
    operator = user.role is UserRole.OPERATOR  # the hub team: no company
    if not operator and (company is None or company.status is not Status.ACTIVE):
        return Refusal(
            "your company's access is not active; contact the hub team", "party-not-active"
        )
    token = new_token()
    code = new_code() if user.second_factor is SecondFactor.EMAIL else ""
    code_hash = digest(token, code) if code else ""
    store.add_secret(OneTimeSecret(digest(token), LOGIN, user.id, at, at + CODE_TTL, code_hash))
    mails = (_code_mail(user, code),) if code else ()
    return Done(Challenge(token, user.second_factor), mails)


def _code_mail(user: User, code: str) -> Mail:
    minutes = int(CODE_TTL.total_seconds() // 60)
    return compose("code", user.language, user.email, code=code, minutes=minutes)


def finish_login(
    uow: UnitOfWork,
    store: IdentityStore,
    credentials: Credentials,
    policy: LockoutPolicy,
    token: str,
    code: str,
    client: str,
    at: datetime,
) -> Done[SessionStarted] | Refusal:
    """Check the second factor of a challenge; a right one starts a session."""
    secret = store.secret(digest(token)) if token else None
    user = store.user(secret.user_id) if secret is not None and secret.purpose == LOGIN else None
    if secret is None or user is None or user.state is not UserState.ACTIVE:
        return Refusal("log in with your user name and password first", "no-challenge")
    if (locked := lockout(store, policy, user.username, client, at)) is not None:
        return locked
    stale = still_valid(secret.expires_at, secret.used_at, at)
    passed = _passed(credentials, user, secret, token, code.strip(), at) if not stale else None
    store.record_attempt(user.username, client, passed is not None, at)
    if passed is None:
        return stale or Refusal("this code is not right", "wrong-code")
    store.use_secret(secret.token_hash, at)
    if passed != user:
        store.save_user(passed)
    return Done(_start_session(uow, store, passed, at))


def _passed(
    credentials: Credentials, user: User, secret: OneTimeSecret, token: str, code: str, at: datetime
) -> User | None:
    """The user after a right code, None after a wrong one. An authenticator code is accepted
    once: its time step is recorded, and a code of that step or an earlier one is wrong."""
    if user.second_factor is SecondFactor.TOTP:
        step = credentials.totp_step(user.totp_secret, code, at)
        return replace(user, totp_last_step=step) if step > user.totp_last_step else None
    return user if code and same(secret.code_hash, digest(token, code)) else None


def _start_session(
    uow: UnitOfWork, store: IdentityStore, user: User, at: datetime
) -> SessionStarted:
    token = new_token()
    store.add_session(WebSession(digest(token), user.id, at, at + SESSION_TTL))
    if user.first_login_at is None and user.role is UserRole.OPERATOR:
        user = replace(user, first_login_at=at)
        store.save_user(user)
    elif user.first_login_at is None:
        user = replace(user, first_login_at=at)
        store.save_user(user)
        # the company becomes ready (DESIGN "Identity"); idempotent for its later users
        approvals.record_portal_login(uow, user.party_id, at, f"portal: {actor_of(user)}")
    user_audit(uow, user, at, "UserLoggedIn", user_id=user.id)
    return SessionStarted(token, user)


def session_user(uow: UnitOfWork, store: IdentityStore, token: str, at: datetime) -> User | None:
    """The active user of a live session, or None: a session never outlives its user's or
    its company's active status, however that status was lost."""
    session = store.session(digest(token)) if token else None
    if session is None or session.ended_at is not None or at >= session.expires_at:
        return None
    user = store.user(session.user_id)
    if user is None or user.state is not UserState.ACTIVE:
        return None
    if user.role is UserRole.OPERATOR:
        return user
    company = uow.partners.get(user.party_id)
    return user if company is not None and company.status is Status.ACTIVE else None


def logout(store: IdentityStore, token: str, at: datetime) -> None:
    """End this session."""
    session = store.session(digest(token)) if token else None
    if session is not None:
        store.end_sessions(session.user_id, at, session.token_hash)


def start_totp(store: IdentityStore, credentials: Credentials, user: User) -> tuple[str, str]:
    """A new authenticator secret for the user (not yet in use) and its otpauth URI."""
    secret = credentials.new_totp_secret()
    store.save_user(replace(user, totp_secret=credentials.seal_totp(secret)))
    return secret, credentials.totp_uri(secret, user.username)


def confirm_totp(
    uow: UnitOfWork,
    store: IdentityStore,
    credentials: Credentials,
    user: User,
    code: str,
    at: datetime,
) -> Done[User] | Refusal:
    """Switch to the authenticator once the user shows it produces the right code."""
    step = credentials.totp_step(user.totp_secret, code, at)
    if step == 0:
        return Refusal("this code is not right; check the app's time and try again", "wrong-code")
    enrolled = replace(user, second_factor=SecondFactor.TOTP, totp_last_step=step)
    store.save_user(enrolled)
    user_audit(uow, user, at, "AuthenticatorEnrolled", user_id=user.id)
    return Done(enrolled)
