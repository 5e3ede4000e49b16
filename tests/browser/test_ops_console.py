"""Issue 18 in a real browser: the hub team's operations console.

An operator invited by `hub operators add` activates from the mailed link, logs in with the
mailed code, filters the quarantine to the releases refused because their recipient was not
active yet, replays that set (a batch per request, with its progress) once the recipient is
active, and the database shows them applied. Any other user gets 403 on every console URL."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from click.testing import CliRunner
from playwright.sync_api import expect

from hub.domain.containers import check_digit
from hub.domain.partners import Status
from hub.domain.users import User, UserRole, UserState
from hub.entrypoints.cli import cli
from hub.entrypoints.partners_file import load_partners_file
from hub.entrypoints.web import pages_ops
from hub.ledger.tables import audit
from hub.service_layer import approvals, identity, operations, registry
from hub.service_layer.pipeline import handle_inbound
from hub.service_layer.ports import Delivery
from tests.browser.conftest import Site, shot

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PASSWORD = "correct horse battery"
OPERATOR = "ops@hub.example"


def _container(serial: int) -> str:
    first = f"MSCU{serial:06d}"
    return first + str(check_digit(first))


def _release(n: int, container: str) -> bytes:
    """The sample release from MSCBE to FWDANT, as its own interchange for one container."""
    edi = (SAMPLES / "demo" / "01_release.edi").read_text()
    edi = edi.replace("MSC0000001", f"MSC000010{n}").replace("MSCREL20261123", f"MSCRELOPS{n}")
    edi = edi.replace("EQD+CN+MSCU1234566+45G1:102:5+++5'\n", "")
    return edi.replace("FCIU9908030", container).replace("CNT+16:2", "CNT+16:1").encode()


def _partners(site: Site, fwdant: Status) -> None:
    with site.hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            if partner.party_id == "FWDANT":
                partner = replace(partner, status=fwdant)
            uow.partners.save(partner)
        uow.commit()


def _deliver(site: Site, body: bytes, user: str = "mscbe") -> None:
    with site.hub.uow() as uow:
        delivery = Delivery(body, user, uuid.uuid4().hex, "application/edifact")
        handle_inbound(delivery, uow, site.hub.worker.hub)
        uow.commit()


def _invite_operator(site: Site) -> str:
    """`hub operators add` on the site's database and SMTP server; the mailed link."""
    env = {
        "HUB_DATABASE_URL": site.hub.settings.database_url,
        "HUB_SMTP_PORT": str(site.hub.settings.smtp_port),
        "HUB_WEB_BASE_URL": site.url,
    }
    done = CliRunner().invoke(cli, ["operators", "add", OPERATOR], env=env)
    assert done.exit_code == 0, done.output
    return site.mailbox.link(OPERATOR)


def _log_in(page: Any, site: Site, username: str, email: str) -> None:
    seen = len(site.mailbox.mails)
    page.goto(f"{site.url}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.click("button[type=submit]")
    page.get_by_label("Code").fill(site.mailbox.code(email, seen))
    page.click("form[action='/login/code'] button")


def _operator_page(site: Site, browser: Any) -> Any:
    """A page of an operator invited by the CLI, activated from the mail and logged in."""
    page = browser.new_page()
    page.goto(_invite_operator(site))
    page.get_by_label("User name").fill("ops1")
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.click("form[action='/activate'] button")
    _log_in(page, site, "ops1", OPERATOR)
    assert page.url.endswith("/ops")
    return page


def test_operator_replays_the_releases_refused_while_their_recipient_was_not_active(
    site: Site, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operations, "BATCH", 2)  # three entries: two requests, progress shown
    monkeypatch.setattr(operations, "PAGE", 3)  # four held: two pages
    _partners(site, fwdant=Status.APPROVED)
    containers = [_container(700 + n) for n in range(3)]
    for n, container in enumerate(containers):
        _deliver(site, _release(n, container))
    _deliver(site, b"UNA:+.? 'UNB+<script>alert(1)</script>")  # unreadable: stays held
    with site.hub.uow() as uow:
        approvals.activate(uow, "FWDANT", site.clock(), "test: FWDANT activated")
        uow.commit()

    page = _operator_page(site, browser)
    held = page.eval_on_selector_all("#held tr", "rows => rows.map(r => r.innerText)")
    assert held == ["refused\t3", "unreadable\t1"]
    assert "none yet" in page.inner_text("#checkpoint")
    shot(page, "ops-overview")
    page.click("text=Quarantine >> nth=0")
    assert page.locator("#rows tbody tr").count() == 3
    assert page.inner_text("#count") == "4 held, 3 shown"
    assert page.inner_text("#replay-all button") == "Replay all 4 that match"
    page.click("#next-page")
    assert page.locator("#rows tbody tr").count() == 1
    page.click("#rows tbody tr >> nth=0 >> a")
    assert "<script>alert(1)</script>" in page.inner_text("#payload")  # shown, escaped
    assert page.locator("#payload script").count() == 0
    page.go_back()

    page.select_option("#kind", "refused")
    page.fill("#sender", "MSCBE")
    page.fill("#text", "is not active")
    page.click("#filter button")
    assert page.locator("#rows tbody tr").count() == 3
    shot(page, "ops-quarantine-filtered")
    page.click("#rows tbody tr >> nth=0 >> a")
    assert "FWDANT is not active" in page.inner_text("#problems")
    assert "MSCRELOPS0" in page.inner_text("#payload")
    page.go_back()

    page.click("#replay-all button")
    assert page.get_attribute("#replay-status", "data-done") == "2"
    assert page.get_attribute("#progress", "max") == "3"
    shot(page, "ops-replay-progress")
    page.click("#replay-next button")
    assert page.get_attribute("#replay-status", "data-done") == "3"
    assert "0 quarantined again; done" in page.inner_text("#replay-status")
    assert page.locator("#replay-next").count() == 0
    shot(page, "ops-replay-done")
    page.click("text=Back to the filtered quarantine")
    assert page.locator("#rows tbody tr").count() == 0

    with site.hub.uow() as uow:
        for container in containers:
            right = uow.files.get(container).right
            assert right is not None and right.agent == "MSCBE"
            assert right.pending is not None and right.pending.to_party == "FWDANT"
        held = uow.quarantine.list("held")
        assert [q.kind for q in held] == ["unreadable"]
        assert len(uow.quarantine.list("replayed")) == 3
    page.goto(f"{site.url}/ops/timeline?container={containers[0]}")
    actions = page.eval_on_selector_all("[data-action]", "cells => cells.map(c => c.textContent)")
    assert actions[:3] == ["ActionRefused", "Released", "RightTransferred"]
    shot(page, "ops-timeline")
    page.goto(f"{site.url}/ops/sent?to=FWDANT")
    sent = page.eval_on_selector_all(
        "#sent tbody tr", "rows => rows.map(r => [r.dataset.type, r.cells[3].textContent])"
    )
    assert sent == [["Transferred", c] for c in reversed(containers)]  # newest first
    assert page.inner_text("#sent").count("not yet") == 3  # no relay runs in this test
    shot(page, "ops-sent")
    replays = _audited(site, "QuarantineReplayed")
    assert sorted(r.details["entry"] for r in replays) == [1, 2, 3]
    assert {(r.actor, r.message_ref) for r in replays} == {("HUB/ops1", "console")}

    page.goto(f"{site.url}/ops")  # the live overview follows what flows, without a reload
    applied = "#rates [data-outcome=applied] .count"
    before = int(page.inner_text(applied))
    assert before == 3  # the three replays, within the last minutes
    assert page.get_attribute("#health [data-check=database]", "data-ok") == "yes"
    _deliver(site, _release(3, _container(703)))
    expect(page.locator(applied)).to_have_text(str(before + 1), timeout=8000)  # polled
    assert int(page.inner_text("#outbox-backlog")) > 0  # no relay runs in this test
    shot(page, "ops-live")
    assert page.request.get(f"{site.url}/readyz").status == 200
    assert "hub_outbox_backlog" in page.request.get(f"{site.url}/metrics").text()


def _audited(site: Site, action: str) -> list[Any]:
    engine = sqlalchemy.create_engine(site.hub.settings.database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sqlalchemy.select(audit).where(audit.c.action == action)))
    finally:
        engine.dispose()


def _urls() -> list[tuple[str, str]]:
    urls = []
    for route in pages_ops.ROUTES:
        path = route.path.replace("{entry_id:int}", "1")
        urls += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return urls


def test_a_company_user_gets_403_on_every_console_url(site: Site, browser: Any) -> None:
    _partners(site, fwdant=Status.ACTIVE)
    admin = User(
        id=uuid.uuid4().hex,
        party_id="MSCBE",
        email="admin@mscbe.example",
        role=UserRole.ADMIN,
        state=UserState.ACTIVE,
        username="mscbe",
        password_hash=site.portal.credentials.hash_password(PASSWORD),
        created_at=site.clock(),
    )
    site.portal.do(lambda _u, store, _n: store.save_user(admin))
    page = browser.new_page()
    _log_in(page, site, "mscbe", admin.email)
    assert page.url.endswith("/account")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "hub_csrf")
    urls = _urls()
    assert len(urls) == 10
    for method, path in urls:
        if method == "GET":
            status = page.goto(f"{site.url}{path}").status
        else:
            answer = page.request.post(f"{site.url}{path}", form={"csrf": csrf})
            status = answer.status
        assert status == 403, (method, path, status)
    page.goto(f"{site.url}/ops/quarantine")
    shot(page, "ops-forbidden")
    anonymous = browser.new_page()
    anonymous.context.clear_cookies()
    assert anonymous.goto(f"{site.url}/ops/quarantine").status == 403


def test_operator_approves_one_registration_and_denies_another(site: Site, browser: Any) -> None:
    parties = {}
    for name, vat, email in [
        ("Kempen", "BE0123456749", "a@kempen.example"),
        ("Other", "BE0234567873", "b@other.example"),
    ]:
        form = registry.Registration(name, vat, vat, roles=("release_party",))
        done = site.portal.run(
            lambda u, s, now, form=form, email=email: identity.register_company(
                u, s, form, email, "en", now
            )
        )
        assert isinstance(done, registry.Registered)
        parties[name] = done.partner.party_id
    page = _operator_page(site, browser)
    for company_page in ("/containers", "/tokens", "/gate"):  # the hub team acts for no company
        assert page.goto(f"{site.url}{company_page}").status == 403
    page.goto(f"{site.url}/ops")
    assert "2 registration(s)" in page.inner_text("#waiting")
    page.click("#waiting a")
    shot(page, "ops-partners")
    page.click(f"tr[data-party='{parties['Kempen']}'] button[value=approve]")
    assert site.mailbox.link("a@kempen.example").startswith(f"{site.url}/activate?token=")
    other = f"tr[data-party='{parties['Other']}']"
    page.click(f"{other} button[value=deny]")
    assert "give a reason" in page.inner_text("#form-error")
    page.fill(f"{other} input[name=reason]", "unknown in VIES")
    page.click(f"{other} button[value=deny]")
    assert "unknown in VIES" in site.mailbox.wait_for("b@other.example", "VIES")
    assert page.locator("#waiting tbody tr").count() == 0
    with site.hub.uow() as uow:
        states = {name: uow.partners.get(party).status for name, party in parties.items()}  # type: ignore[union-attr]
    assert states == {"Kempen": Status.APPROVED, "Other": Status.DENIED}
    decided = _audited(site, "PartnerApproved") + _audited(site, "PartnerDenied")
    assert {r.message_ref for r in decided} == {"console: HUB/ops1"}
