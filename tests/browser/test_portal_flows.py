"""Issue 14 in a real browser: register, be denied, be recognised, be approved, activate from
the mailed link, log in with the mailed code, fail a code older than 5 minutes, be locked out,
invite and remove a user, link a release platform, switch to an authenticator app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest

from hub.domain.partners import Role
from hub.domain.users import CODE_TTL, LockoutPolicy
from hub.service_layer import identity, registry
from tests.browser.conftest import Site, shot

ADMIN = "admin@kempen.example"
PASSWORD = "correct horse battery"


def _register(
    page: Any,
    site: Site,
    name: str,
    vat: str,
    email: str,
    lang: str = "en",
    roles: tuple[str, ...] = ("transport_operator",),
) -> None:
    page.goto(f"{site.url}/register?lang={lang}")
    page.get_by_label({"en": "Company name", "nl": "Bedrijfsnaam"}[lang]).fill(name)
    page.fill("#vat", vat)
    page.fill("#eori", vat)
    page.fill("#country", "BE")
    page.fill("#address", "Haven 1, 2000 Antwerpen")
    page.fill("#billing_address", "Postbus 1, 2000 Antwerpen")
    page.fill("#admin_email", email)
    for role in roles:
        page.check(f"#role-{role}")
    page.click("button[type=submit]")


def _operator(site: Site, action: str, party: str, reason: str = "") -> None:
    url, cause = site.url, f"hub partners {action} {party}"
    if action == "approve":
        done = site.portal.run(
            lambda u, s, now: identity.approve_company(u, s, party, now, cause, url)
        )
    else:
        done = site.portal.run(
            lambda u, s, now: identity.deny_company(u, s, party, reason, now, cause)
        )
    assert not isinstance(done, registry.Refusal), done


def _login(page: Any, site: Site, username: str, password: str) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.click("button[type=submit]")


def _code(page: Any, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.click("form[action='/login/code'] button")


def _activate(page: Any, link: str, username: str, password: str) -> None:
    page.goto(link)
    page.get_by_label("User name").fill(username)
    page.fill("#password", password)
    page.fill("#password_again", password)
    page.click("form[action='/activate'] button")


def _ready(site: Site, party: str) -> bool:
    return site.portal.read(lambda u, s, _: identity.is_ready(u, s, party))


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("nl", ["Scheepsagent", "Transport operator", "Rechthebbende partij (voor vrijgave)"]),
        ("en", ["Ship agent", "Transport operator", "Release Party", "Terminal Operator"]),
        ("fr", ["Agent Maritime", "Opérateur de transport", "Partie émettrice"]),
        ("de", ["Schiffsmakler", "Transportunternehmen", "Ausstellende Partei"]),
    ],
)
def test_the_registration_page_labels_roles_in_the_chosen_language(
    site: Site, browser: Any, lang: str, labels: list[str]
) -> None:
    page = browser.new_page()
    page.goto(f"{site.url}/register?lang={lang}")
    for label in labels:
        assert page.get_by_label(label, exact=True).count() == 1
    assert page.locator("html").get_attribute("lang") == lang
    shot(page, f"register-{lang}")
    page.set_viewport_size({"width": 360, "height": 740})  # a phone: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"register-{lang}-narrow")


def test_denied_then_recognised_with_the_reason(site: Site, browser: Any) -> None:
    page = browser.new_page()
    _register(page, site, "Denied Logistics", "BE0345678997", "boss@denied.example")
    assert "Your request was received" in page.inner_text("main")
    _operator(site, "deny", "DENIEDLOGIST", "no EORI registration found")
    assert "no EORI registration found" in site.mailbox.wait_for("boss@denied.example", "denied")
    # the registry has no resubmit yet: registering again is recognised and shows the reason
    _register(page, site, "Denied Logistics", "BE0345678997", "boss@denied.example")
    text = page.inner_text("main")
    assert "already registered" in text and "no EORI registration found" in text
    shot(page, "registration-recognised-denied")


def _partner(site: Site, party: str) -> Any:
    return site.portal.read(lambda u, s, _: u.partners.get(party))


def test_a_second_role_is_a_request_that_waits_for_approval(site: Site, browser: Any) -> None:
    """Registering again with the same VAT + EORI grants nothing on the spot (issue 14: a
    forwarder became a ship agent that way); the role waits for the hub team's decision."""
    page = browser.new_page()
    _register(page, site, "Polder Haulage", "BE0987654394", "boss@polder.example")
    _operator(site, "approve", "POLDERHAULAG")
    _register(
        page,
        site,
        "Polder Haulage",
        "BE0987654394",
        "boss@polder.example",
        roles=("transport_operator", "ship_agent"),
    )
    advice = page.inner_text("#advice")
    assert "already registered as POLDERHAULAG" in advice
    assert "ship_agent are requested and wait for the hub's approval" in advice
    shot(page, "registration-role-requested")
    waiting = _partner(site, "POLDERHAULAG")
    assert Role.SHIP_AGENT not in waiting.roles and Role.SHIP_AGENT in waiting.pending_roles
    granted = site.portal.do(
        lambda u, s, now: registry.approve_role(u, "POLDERHAULAG", "ship_agent", now, "test")
    )
    assert not isinstance(granted, registry.Refusal), granted
    assert Role.SHIP_AGENT in _partner(site, "POLDERHAULAG").roles


def test_a_denied_company_resubmits_and_is_approved(site: Site, browser: Any) -> None:
    page = browser.new_page()
    _register(page, site, "Second Chance", "BE0456789133", "boss@chance.example")
    _operator(site, "deny", "SECONDCHANCE", "billing address missing")
    _register(page, site, "Second Chance", "BE0456789133", "boss@chance.example")
    assert "resubmit instead" in page.inner_text("#advice")
    again = site.portal.do(
        lambda u, s, now: registry.resubmit(u, "SECONDCHANCE", now, "hub partners resubmit")
    )
    assert not isinstance(again, registry.Refusal), again
    assert _partner(site, "SECONDCHANCE").status.value == "resubmitted"
    _operator(site, "approve", "SECONDCHANCE")
    link = site.mailbox.wait_for("boss@chance.example", "activate")
    assert "/activate?token=" in link
    assert _partner(site, "SECONDCHANCE").status.value == "approved"


def test_approve_activate_log_in_with_code_expire_and_lock_out(site: Site, browser: Any) -> None:
    page = browser.new_page()
    _register(page, site, "Kempen Transport", "BE0123456749", ADMIN)
    shot(page, "registered")
    _operator(site, "approve", "KEMPENTRANSP")
    link = site.mailbox.link(ADMIN)
    _activate(page, link, "kempen.admin", "too short")
    assert "at least 12 characters" in page.inner_text("#form-error")
    password = page.locator("#password")
    assert password.get_attribute("aria-invalid") == "true"
    assert "form-error" in (password.get_attribute("aria-describedby") or "")
    assert page.locator("#username").get_attribute("aria-invalid") is None
    shot(page, "activate-error")
    _activate(page, link, "kempen.admin", PASSWORD)
    assert "Your account is active" in page.inner_text("main")
    assert not _ready(site, "KEMPENTRANSP")  # activated, but never logged in yet
    shot(page, "login")

    seen = len(site.mailbox.mails)
    _login(page, site, "kempen.admin", PASSWORD)
    assert "We mailed you a code" in page.inner_text("main")
    shot(page, "login-code")
    _code(page, site.mailbox.code(ADMIN, seen))
    assert page.url.endswith("/account")
    assert "Kempen Transport" in page.inner_text("main")
    assert _ready(site, "KEMPENTRANSP")
    shot(page, "account")

    cookie = next(c for c in page.context.cookies() if c["name"] == "hub_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.click("header button")  # log out
    page.goto(f"{site.url}/account")
    assert page.url.endswith("/login")

    # a mailed code is refused once it is older than 5 minutes
    seen = len(site.mailbox.mails)
    _login(page, site, "kempen.admin", PASSWORD)
    code = site.mailbox.code(ADMIN, seen)
    site.clock.advance(CODE_TTL + timedelta(seconds=1))
    _code(page, code)
    assert "expired" in page.inner_text("#form-error")

    # repeated failures lock the user name out, even with the right password
    site.clock.advance(LockoutPolicy().window)
    for _ in range(LockoutPolicy().per_user):
        _login(page, site, "kempen.admin", "wrong password!!")
        assert "wrong user name or password" in page.inner_text("#form-error")
    _login(page, site, "kempen.admin", PASSWORD)
    assert "too many failed attempts" in page.inner_text("#form-error")
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    shot(page, "login-locked-out")

    site.clock.advance(LockoutPolicy().window)
    seen = len(site.mailbox.mails)
    _login(page, site, "kempen.admin", PASSWORD)
    _code(page, site.mailbox.code(ADMIN, seen))
    assert page.url.endswith("/account")


def _signed_in_admin(site: Site, browser: Any) -> Any:
    page = browser.new_page()
    _register(page, site, "Kempen Transport", "BE0123456749", ADMIN)
    _operator(site, "approve", "KEMPENTRANSP")
    _activate(page, site.mailbox.link(ADMIN), "kempen.admin", PASSWORD)
    seen = len(site.mailbox.mails)
    _login(page, site, "kempen.admin", PASSWORD)
    _code(page, site.mailbox.code(ADMIN, seen))
    return page


def test_an_admin_invites_and_removes_a_user_and_links_a_platform(site: Site, browser: Any) -> None:
    _add_platform(site)
    page = _signed_in_admin(site, browser)
    seen = len(site.mailbox.mails)
    page.get_by_label("E-mail", exact=True).fill("driver.desk@kempen.example")
    page.click("form[action='/account/users'] button")
    colleague = browser.browser.new_context().new_page()
    _activate(colleague, site.mailbox.link("driver.desk@kempen.example", seen), "desk", PASSWORD)
    assert "Your account is active" in colleague.inner_text("main")
    page.reload()
    assert "desk" in page.inner_text("table")
    shot(page, "account-users")

    page.get_by_role("button", name="Link Secure Container Release").click()
    assert "linked" in page.inner_text("section[aria-labelledby=platforms-heading]")
    platform = site.portal.read(lambda u, _s, _n: u.partners.get("SCR"))
    assert platform is not None and "KEMPENTRANSP" in platform.linked_organisations
    shot(page, "account-platform-linked")

    page.get_by_role("button", name="Remove driver.desk@kempen.example").click()
    assert "removed" in page.inner_text("table")
    # the last admin cannot be removed: there is no button for oneself, and the rule says no
    admin = site.portal.read(lambda _u, s, _n: s.user_by_username("kempen.admin"))
    refused = site.portal.run(lambda u, s, now: identity.remove_user(u, s, admin, admin.id, now))
    assert isinstance(refused, registry.Refusal) and refused.code == "last-admin"


def test_an_authenticator_app_replaces_the_mailed_code(site: Site, browser: Any) -> None:
    page = _signed_in_admin(site, browser)
    page.goto(f"{site.url}/account/totp")
    secret = page.inner_text("#totp-secret")
    shot(page, "authenticator")
    enrolled_with = pyotp.TOTP(secret).at(site.clock())
    page.get_by_label("Code").fill(enrolled_with)
    page.click("form[action='/account/totp'] button")
    assert page.url.endswith("/account")
    page.click("header button")
    seen = len(site.mailbox.mails)
    _login(page, site, "kempen.admin", PASSWORD)
    assert "authenticator app" in page.inner_text("main")
    _code(page, enrolled_with)  # an authenticator code is accepted once, never replayed
    assert "not right" in page.inner_text("#form-error")
    site.clock.advance(timedelta(seconds=30))
    _code(page, pyotp.TOTP(secret).at(site.clock()))
    assert page.url.endswith("/account")
    assert len(site.mailbox.mails) == seen  # no code was mailed


def test_a_form_posted_without_its_csrf_token_is_refused(site: Site, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{site.url}/login")
    page.evaluate("document.querySelector('input[name=csrf]').value = 'forged'")
    page.get_by_label("User name").fill("anyone")
    page.get_by_label("Password").fill("whatever12345")
    page.click("button[type=submit]")
    assert "another site" in page.inner_text("main")


def _add_platform(site: Site) -> None:
    form = registry.Registration(
        name="Secure Container Release",
        vat="BE0234567873",
        eori="BE0234567873",
        party_id="SCR",
        roles=(Role.RELEASE_PLATFORM.value,),
    )

    def add(uow: Any, _store: Any, now: Any) -> Any:
        registry.register(uow, form, now, "test")
        registry.approve(uow, "SCR", now, "test")
        return identity.Done(registry.activate(uow, "SCR", now, "test"))

    site.portal.run(add)
