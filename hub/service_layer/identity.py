"""A company's users: the admin invited at registration, activation from the mailed link, users
invited and removed by an admin, release platforms linked by an admin, and readiness.

Each function works in the caller's unit of work and returns what happened with the mails to
send once it has committed (`Done`), or a `Refusal` that changes nothing. Link tokens are
random, mailed once and stored only as their SHA-256 (`hub.service_layer.secrets_util`).
Changes are audited with the acting user and company (`actor_of`), or the operator's command.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, TypeVar

from hub.domain.partners import Partner, Role, Status
from hub.domain.refusals import Refusal
from hub.domain.users import (
    LINK_TTL,
    User,
    UserRole,
    UserState,
    email_problem,
    password_problem,
    removal_refusal,
    still_valid,
    username_problem,
)
from hub.service_layer import registry
from hub.service_layer.accounts import audit
from hub.service_layer.identity_ports import Credentials, IdentityStore, Mail, OneTimeSecret
from hub.service_layer.mail_texts import compose
from hub.service_layer.ports import AuditEntry, UnitOfWork
from hub.service_layer.secrets_util import digest, new_token

T = TypeVar("T")
ACTIVATE = "activate"


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a command did, and the mails to send after its commit."""

    value: T
    mails: tuple[Mail, ...] = ()


def actor_of(user: User) -> str:
    """How the audit trail names a user: ``PARTY/username``."""
    return f"{user.party_id}/{user.username or user.email}"


def user_audit(uow: UnitOfWork, user: User, at: datetime, action: str, **details: str) -> None:
    """An audit entry for something a portal user did (the cause is the portal)."""
    uow.audit.append(AuditEntry(at, actor_of(user)[:64], action, "", "portal", dict(details)))


def register_company(
    uow: UnitOfWork,
    store: IdentityStore,
    form: registry.Registration,
    admin_email: str,
    language: str,
    at: datetime,
) -> Done[registry.Registered] | Refusal:
    """Register through the registry; a new company gets its admin, invited on approval."""
    if problem := email_problem(admin_email):
        return Refusal(problem, "invalid-email")
    done = registry.register(uow, form, at, "portal registration")
    if isinstance(done, Refusal) or done.existing:
        return done if isinstance(done, Refusal) else Done(done)
    new_user(uow, store, done.partner.party_id, admin_email, UserRole.ADMIN, language, at, "")
    return Done(done)


def new_user(
    uow: UnitOfWork,
    store: IdentityStore,
    party: str,
    email: str,
    role: UserRole,
    language: str,
    at: datetime,
    cause: str,
) -> User:
    user = User(uuid.uuid4().hex, party, email.strip(), role, language=language, created_at=at)
    store.save_user(user)
    audit(uow, at, "UserInvited", cause or "portal", party=party, user=user.id, role=role.value)
    return user


def approve_company(
    uow: UnitOfWork, store: IdentityStore, party: str, at: datetime, cause: str, base_url: str
) -> Done[Partner] | Refusal:
    """Approve the registration and mail the company's admin a one-time activation link."""
    partner = registry.approve(uow, party, at, cause)
    if isinstance(partner, Refusal):
        return partner
    admin = next((u for u in store.users_of(party) if u.role is UserRole.ADMIN), None)
    if admin is None or admin.state is not UserState.INVITED:
        return Done(partner)
    return Done(partner, (invitation(store, admin, partner, at, base_url),))


def deny_company(
    uow: UnitOfWork, store: IdentityStore, party: str, reason: str, at: datetime, cause: str
) -> Done[Partner] | Refusal:
    """Deny the registration and tell the company's admin why."""
    partner = registry.deny(uow, party, reason, at, cause)
    if isinstance(partner, Refusal):
        return partner
    mails = tuple(
        compose("denied", u.language, u.email, company=partner.name, reason=reason)
        for u in _admins(store, party)
    )
    return Done(partner, mails)


def suspend_company(
    uow: UnitOfWork, store: IdentityStore, party: str, reason: str, at: datetime, cause: str
) -> Done[Partner] | Refusal:
    """Suspend an active company: it no longer acts, and its people's web sessions end now."""
    partner = registry.suspend(uow, party, reason, at, cause)
    if isinstance(partner, Refusal):
        return partner
    for user in store.users_of(party):
        store.end_sessions(user.id, at)
    return Done(partner)


def _admins(store: IdentityStore, party: str) -> list[User]:
    return [u for u in store.users_of(party) if u.role is UserRole.ADMIN]


def invitation(
    store: IdentityStore, user: User, partner: Partner, at: datetime, base_url: str
) -> Mail:
    """A new one-time activation link for `user`, as the mail that carries it."""
    return invitation_for(store, user, partner.name, at, base_url)


def invitation_for(
    store: IdentityStore, user: User, company: str, at: datetime, base_url: str
) -> Mail:
    """The activation link mail for `user` of `company` (a name: the hub team has no partner)."""
    token = new_token()
    store.add_secret(OneTimeSecret(digest(token), ACTIVATE, user.id, at, at + LINK_TTL))
    link = f"{base_url.rstrip('/')}/activate?token={token}"
    hours = int(LINK_TTL.total_seconds() // 3600)
    return compose("invitation", user.language, user.email, company=company, hours=hours, link=link)


def activate_user(
    uow: UnitOfWork,
    store: IdentityStore,
    credentials: Credentials,
    token: str,
    username: str,
    password: str,
    at: datetime,
) -> Done[User] | Refusal:
    """Set the user name and password from a valid link; the first admin activates the company."""
    found = _link_user(store, token, at)
    if isinstance(found, Refusal):
        return found
    username = username.strip().lower()
    if problem := username_problem(username):
        return Refusal(problem, "invalid-username")
    if problem := password_problem(password, username):
        return Refusal(problem, "invalid-password")
    if store.user_by_username(username) is not None:
        return Refusal(f"the user name {username} is taken", "invalid-username")
    if found.role is not UserRole.OPERATOR:  # the hub team has no company to activate
        company = _activate_company(uow, found.party_id, at)
        if isinstance(company, Refusal):
            return company
    store.use_secret(digest(token), at)
    user = replace(
        found,
        username=username,
        password_hash=credentials.hash_password(password),
        state=UserState.ACTIVE,
    )
    store.save_user(user)
    user_audit(uow, user, at, "UserActivated", user_id=user.id)
    return Done(user)


def link_user(store: IdentityStore, token: str, at: datetime) -> User | Refusal:
    """The invited user a link token is for, while the link is valid."""
    return _link_user(store, token, at)


def _link_user(store: IdentityStore, token: str, at: datetime) -> User | Refusal:
    secret = store.secret(digest(token)) if token else None
    if secret is None or secret.purpose != ACTIVATE:
        return Refusal("this activation link is not valid", "invalid-link")
    if (stale := still_valid(secret.expires_at, secret.used_at, at)) is not None:
        return stale
    user = store.user(secret.user_id)
    if user is None or user.state is not UserState.INVITED:
        return Refusal("this activation link is not valid", "invalid-link")
    return user


def _activate_company(uow: UnitOfWork, party: str, at: datetime) -> Partner | Refusal:
    partner = uow.partners.get(party)
    if partner is None:
        return Refusal(f"party {party} is not registered", "party-unknown")
    if partner.status is Status.APPROVED:
        return registry.activate(uow, party, at, "portal activation")
    if partner.status is not Status.ACTIVE:
        return Refusal(f"the company is {partner.status.value}", "party-not-active")
    return partner


def invite_user(
    uow: UnitOfWork,
    store: IdentityStore,
    actor: User,
    email: str,
    role: str,
    language: str,
    at: datetime,
    base_url: str,
) -> Done[User] | Refusal:
    """An admin invites a colleague: a new user of the same company, mailed a link."""
    if not actor.is_admin:
        return Refusal("only an admin of the company invites users", "not-admin")
    if role not in (UserRole.ADMIN, UserRole.MEMBER):
        return Refusal(f"a company's user is an admin or a member, not {role!r}", "bad-role")
    if problem := email_problem(email):
        return Refusal(problem, "invalid-email")
    partner = uow.partners.get(actor.party_id)
    assert partner is not None
    cause = f"portal: invited by {actor_of(actor)}"
    user = new_user(uow, store, actor.party_id, email, UserRole(role), language, at, cause)
    return Done(user, (invitation(store, user, partner, at, base_url),))


def remove_user(
    uow: UnitOfWork, store: IdentityStore, actor: User, user_id: str, at: datetime
) -> Done[User] | Refusal:
    """An admin removes a user of the company (never its last admin); their sessions end."""
    target = store.user(user_id)
    if target is None:
        return Refusal("no such user", "user-unknown")
    if (refusal := removal_refusal(store.users_of(actor.party_id), actor, target)) is not None:
        return refusal
    removed = replace(target, state=UserState.REMOVED)
    store.save_user(removed)
    store.end_sessions(target.id, at)
    user_audit(uow, actor, at, "UserRemoved", user_id=target.id)
    return Done(removed)


def is_ready(uow: UnitOfWork, store: IdentityStore, party_id: str) -> bool:
    """True when the company is active and one of its users has logged in to the portal once:
    only then may a release right be transferred to it (DESIGN "Identity and registration")."""
    partner = uow.partners.get(party_id)
    return partner is not None and partner.ready  # set by the first login (`login`)


def platforms(uow: UnitOfWork) -> list[Partner]:
    """The active release platforms a company may link to."""
    found = [p for p in uow.partners.all() if Role.RELEASE_PLATFORM in p.roles]
    return [p for p in found if p.status is Status.ACTIVE]


def set_platform_link(
    uow: UnitOfWork, actor: User, platform: str, linked: bool, at: datetime
) -> Done[Partner] | Refusal:
    """An admin links (or unlinks) the company to a release platform that then acts for it."""
    if not actor.is_admin:
        return Refusal("only an admin of the company links release platforms", "not-admin")
    cause = f"portal: {actor_of(actor)}"
    if linked:
        done = registry.link(uow, platform, actor.party_id, at, cause)
        return done if isinstance(done, Refusal) else Done(done)
    done = registry.unlink(uow, platform, actor.party_id, at, cause)
    return done if isinstance(done, Refusal) else Done(done)


@dataclass(frozen=True)
class CompanyView:
    """What a company's page shows: the company, its users, the platforms it may link."""

    company: Partner | None
    members: list[User]
    platforms: list[Partner]


def company_view(uow: UnitOfWork, store: IdentityStore, party_id: str) -> CompanyView:
    """The company page of `party_id`."""
    return CompanyView(uow.partners.get(party_id), store.users_of(party_id), platforms(uow))
