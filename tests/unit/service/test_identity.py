"""Portal identity over SQLite, with a mail outbox fake on the real `Mailer` interface: the
rules the browser tests walk through, and the edges they do not (reuse, per-client lockout)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hub.bootstrap import build, build_portal
from hub.config import Settings
from hub.domain.partners import Status
from hub.domain.refusals import Refusal
from hub.domain.users import CODE_TTL, LINK_TTL, LockoutPolicy
from hub.service_layer import identity, login, registry
from hub.service_layer.identity_ports import Mail
from hub.service_layer.portal import Portal
from hub.service_layer.secrets_util import digest
from tests.unit.service.conftest import FixedClock

PASSWORD = "correct horse battery"


class InMemoryMailer:
    """Keeps what would be sent."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)


@pytest.fixture()
def portal(tmp_path: Path, clock: FixedClock) -> Iterator[Portal]:
    hub = build(
        Settings(database_url=f"sqlite:///{tmp_path}/hub.db", home=str(tmp_path)),
        clock=clock,
        consume=False,
    )
    built = build_portal(hub)
    built.mailer = InMemoryMailer()
    yield built
    hub.close()


def _sent(portal: Portal) -> list[Mail]:
    assert isinstance(portal.mailer, InMemoryMailer)
    return portal.mailer.sent


def _approved_company(portal: Portal) -> str:
    form = registry.Registration("Kempen", "BE0123456749", "BE0123456749", roles=("release_party",))
    done = portal.run(
        lambda u, s, now: identity.register_company(u, s, form, "a@k.example", "nl", now)
    )
    assert not isinstance(done, Refusal)
    party = done.partner.party_id
    portal.run(lambda u, s, now: identity.approve_company(u, s, party, now, "test", "http://h"))
    return re.search(r"token=(\S+)", _sent(portal)[-1].body)[1]  # type: ignore[index]


def _activate(portal: Portal, token: str, username: str = "kempen") -> Any:
    creds = portal.credentials
    return portal.run(
        lambda u, s, now: identity.activate_user(u, s, creds, token, username, PASSWORD, now)
    )


def _start(portal: Portal, password: str = PASSWORD, client: str = "10.0.0.1") -> Any:
    c, p = portal.credentials, portal.policy
    return portal.run(
        lambda u, s, now: login.start_login(u, s, c, p, "kempen", password, client, now),
        keep_refused=True,
    )


def _finish(portal: Portal, token: str, code: str) -> Any:
    c, p = portal.credentials, portal.policy
    return portal.run(
        lambda u, s, now: login.finish_login(u, s, c, p, token, code, "10.0.0.1", now),
        keep_refused=True,
    )


def test_an_activation_link_works_once_and_activates_the_company(portal: Portal) -> None:
    token = _approved_company(portal)
    user = _activate(portal, token)
    assert user.username == "kempen" and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    again = _activate(portal, token, "other")
    assert isinstance(again, Refusal) and again.code == "secret-used"
    company = portal.read(lambda u, _s, _n: u.partners.get("KEMPEN"))
    assert company is not None and company.status.value == "active"
    assert not portal.read(lambda u, s, _n: identity.is_ready(u, s, "KEMPEN"))


def test_an_activation_link_expires(portal: Portal, clock: FixedClock) -> None:
    token = _approved_company(portal)
    clock.at += LINK_TTL
    refused = _activate(portal, token)
    assert isinstance(refused, Refusal) and refused.code == "secret-expired"


def test_a_login_code_is_single_use_and_stored_hashed(portal: Portal) -> None:
    _activate(portal, _approved_company(portal))
    challenge = _start(portal)
    code = re.search(r"\d{6}", _sent(portal)[-1].body)[0]  # type: ignore[index]
    stored = portal.read(lambda _u, s, _n: s.secret(digest(challenge.token)))
    assert stored is not None and code not in stored.code_hash
    assert isinstance(_finish(portal, challenge.token, code), login.SessionStarted)
    reused = _finish(portal, challenge.token, code)
    assert isinstance(reused, Refusal) and reused.code == "secret-used"
    assert portal.read(lambda u, s, _n: identity.is_ready(u, s, "KEMPEN"))


def test_a_code_after_five_minutes_is_refused(portal: Portal, clock: FixedClock) -> None:
    _activate(portal, _approved_company(portal))
    challenge = _start(portal)
    code = re.search(r"\d{6}", _sent(portal)[-1].body)[0]  # type: ignore[index]
    clock.at += CODE_TTL
    refused = _finish(portal, challenge.token, code)
    assert isinstance(refused, Refusal) and refused.code == "secret-expired"


def test_wrong_codes_count_towards_the_lockout(portal: Portal) -> None:
    _activate(portal, _approved_company(portal))
    challenge = _start(portal)
    for _ in range(LockoutPolicy().per_user):
        assert isinstance(_finish(portal, challenge.token, "000000"), Refusal)
    locked = _start(portal)
    assert isinstance(locked, Refusal) and locked.code == "locked-out"


def test_the_failure_that_locks_a_user_out_is_audited(portal: Portal) -> None:
    _activate(portal, _approved_company(portal))
    for _ in range(LockoutPolicy().per_user):
        assert isinstance(_start(portal, password="wrong password"), Refusal)
    assert isinstance(_start(portal), Refusal)  # locked: refused before it counts
    with portal.uow() as uow:
        rows = uow.connection.execute(  # type: ignore[attr-defined]
            text("SELECT details FROM audit WHERE action = 'LoginLockedOut'")
        ).all()
    assert [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows] == [
        {"username": "kempen", "client": "10.0.0.1"}
    ]


def test_one_client_guessing_many_user_names_is_locked_out(portal: Portal) -> None:
    _activate(portal, _approved_company(portal))
    c, p = portal.credentials, portal.policy
    for n in range(p.per_client):
        portal.run(
            lambda u, s, now, n=n: login.start_login(u, s, c, p, f"u{n}", "x", "10.9.9.9", now),
            keep_refused=True,
        )
    from_there = _start(portal, client="10.9.9.9")
    assert isinstance(from_there, Refusal) and from_there.code == "locked-out"
    assert isinstance(_start(portal, client="10.0.0.2"), login.Challenge)


def test_a_company_keeps_one_admin(portal: Portal) -> None:
    admin = _activate(portal, _approved_company(portal))
    refused = portal.run(lambda u, s, now: identity.remove_user(u, s, admin, admin.id, now))
    assert isinstance(refused, Refusal) and refused.code == "last-admin"
    invited = portal.run(
        lambda u, s, now: identity.invite_user(u, s, admin, "b@k.example", "admin", "en", now, "h")
    )
    assert not isinstance(invited, Refusal)
    assert _sent(portal)[-1].to == "b@k.example"


def test_users_of_a_suspended_company_cannot_log_in(portal: Portal) -> None:
    _activate(portal, _approved_company(portal))

    def suspend(uow: Any, _s: Any, _now: Any) -> Any:
        company = uow.partners.get("KEMPEN")
        uow.partners.save(replace(company, status=Status.SUSPENDED, status_reason="unpaid"))
        return identity.Done(None)

    portal.run(suspend)
    refused = _start(portal)
    assert isinstance(refused, Refusal) and refused.code == "party-not-active"


def _logged_in(portal: Portal) -> str:
    """A session token for the company's admin, through the two steps of a real login."""
    _activate(portal, _approved_company(portal))
    started = _start(portal)
    assert not isinstance(started, Refusal)
    code = re.search(r"\d{6}", _sent(portal)[-1].body)[0]  # type: ignore[index]
    session = _finish(portal, started.token, code)
    assert isinstance(session, login.SessionStarted)
    return session.token


def _signed_in(portal: Portal, token: str) -> Any:
    return portal.read(lambda u, s, now: login.session_user(u, s, token, now))


def test_suspending_a_company_ends_the_sessions_of_its_people(portal: Portal) -> None:
    token = _logged_in(portal)
    assert _signed_in(portal, token) is not None
    suspended = portal.run(
        lambda u, s, now: identity.suspend_company(u, s, "KEMPEN", "unpaid", now, "operator: t")
    )
    assert not isinstance(suspended, Refusal)
    ended = portal.read(lambda _u, s, _n: s.session(digest(token)))
    assert ended is not None and ended.ended_at is not None
    assert _signed_in(portal, token) is None


def test_a_session_of_a_company_that_is_no_longer_active_is_not_honoured(portal: Portal) -> None:
    """However the company lost its status (a partners file loaded over it, say), a session
    opened before does not outlive it."""
    token = _logged_in(portal)

    def suspend_behind_the_rules(uow: Any, _s: Any, _now: Any) -> Any:
        company = uow.partners.get("KEMPEN")
        uow.partners.save(replace(company, status=Status.SUSPENDED, status_reason="unpaid"))
        return identity.Done(None)

    portal.run(suspend_behind_the_rules)
    assert _signed_in(portal, token) is None


def test_an_authenticator_secret_is_sealed_at_rest_and_still_works(
    portal: Portal, clock: FixedClock
) -> None:
    """A copy of the database alone must not give away anyone's second factor."""
    import pyotp

    _activate(portal, _approved_company(portal))
    user = portal.read(lambda _u, s, _n: s.user_by_username("kempen"))
    assert user is not None
    secret, uri = portal.run(
        lambda _u, s, _n: identity.Done(login.start_totp(s, portal.credentials, user))
    )
    assert secret in uri
    stored = portal.read(
        lambda u, _s, _n: u.connection.execute(
            text("SELECT totp_secret FROM users WHERE username = 'kempen'")
        ).scalar_one()
    )
    assert secret not in stored and stored
    code = pyotp.TOTP(secret).at(clock.at)
    again = portal.read(lambda _u, s, _n: s.user_by_username("kempen"))
    enrolled = portal.run(
        lambda u, s, now: login.confirm_totp(u, s, portal.credentials, again, code, now)
    )
    assert not isinstance(enrolled, Refusal)
