"""Issue 15 in a real browser: the demo story across four logged-in companies (agent,
forwarder, haulier, terminal) in four browser contexts, and the confidentiality of the chain.

In the story, the customs clearance and the terminal's discharge arrive over RabbitMQ: published
to `hub.inbound` by the customs' and the terminal's own broker users, consumed by a hub worker on
the broker and the portal's database, which also relays what the portal's actions put in the
outbox."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pika
import pytest

from hub.adapters.amqp import declare_topology
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.domain.users import User, UserRole, UserState
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer import accounts
from hub.service_layer.pipeline import handle_inbound
from hub.service_layer.ports import Delivery
from tests.browser.conftest import Site, shot
from tests.conftest import rabbitmqctl

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PASSWORD = "correct horse battery"
CONTAINER = "MSCU1234566"
PIN_CONTAINER = "MSCU1234571"
GATE_QUEUE = "terminal.PSAT.portal-test"


def _setup(
    site: Site, broker_users: dict[str, str] | None = None, languages: dict[str, str] | None = None
) -> None:
    """The sample partners (with the broker users given), one admin user per company."""
    users = broker_users or {}
    with site.hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            name = users.get(partner.party_id, partner.broker_user)
            uow.partners.save(replace(partner, broker_user=name))
        uow.commit()
    for party in ("MSCBE", "FWDANT", "TRUCKCO", "PSAT", "BARGECO"):
        user = User(
            id=uuid.uuid4().hex,
            party_id=party,
            email=f"admin@{party.lower()}.example",
            role=UserRole.ADMIN,
            state=UserState.ACTIVE,
            username=party.lower(),
            password_hash=site.portal.credentials.hash_password(PASSWORD),
            created_at=site.clock(),
            language=(languages or {}).get(party, "en"),
        )
        site.portal.do(lambda _u, store, _n, user=user: store.save_user(user))


def _wallet(site: Site, amount: str, party: str = "TRUCKCO", tier: str = "") -> None:
    def pay(uow: Any, _s: Any, now: Any) -> None:
        if uow.wallets.paired(party) is None:
            uow.wallets.pair(party, f"WALLET-{party}", now)
        accounts.top_up(uow, party, amount, now, "test top-up")
        if tier:
            accounts.buy(uow, party, tier, now, "test purchase")

    site.portal.do(pay)


def _logged_in(chromium: Any, site: Site, party: str) -> Any:
    page = chromium.new_context().new_page()
    seen = len(site.mailbox.mails)
    page.goto(f"{site.url}/login")
    page.get_by_label("User name").fill(party.lower())
    page.get_by_label("Password").fill(PASSWORD)
    page.click("button[type=submit]")
    page.get_by_label("Code").fill(site.mailbox.code(f"admin@{party.lower()}.example", seen))
    page.click("form[action='/login/code'] button")
    assert page.url.endswith("/account")
    return page


@dataclass
class Broker:
    """A hub worker on RabbitMQ over the portal's database, and partners' broker users."""

    hub: Hub
    url: str
    users: dict[str, str]
    password: str

    def send(self, file: str, party: str) -> None:
        """Publish `file` as `party`'s broker user, then let the worker take it."""
        user = self.users[party]
        url = self.url.replace("guest:guest", f"{user}:{self.password}")
        body = (SAMPLES / file).read_bytes()
        kind = "application/xml" if file.endswith(".xml") else "application/edifact"
        props = pika.BasicProperties(
            user_id=user, message_id=uuid.uuid4().hex, content_type=kind, delivery_mode=2
        )
        with pika.BlockingConnection(pika.URLParameters(url)) as conn:
            conn.channel().basic_publish("hub.inbound", party, body, props)
        deadline = time.monotonic() + 20
        while self.hub.worker.run_once() == 0:
            assert time.monotonic() < deadline, f"{file} never reached the hub"

    def gate_messages(self) -> list[tuple[str, bytes]]:
        """What reached the terminal's queue on `hub.gate` (after relaying the outbox)."""
        self.hub.worker.run_once()
        found = []
        with pika.BlockingConnection(pika.URLParameters(self.url)) as conn:
            ch = conn.channel()
            while True:
                method, props, body = ch.basic_get(GATE_QUEUE, auto_ack=True)
                if method is None:
                    return found
                found.append((str(props.type), body))


@pytest.fixture()
def broker(site: Site, amqp_url: str, amqp_vhost: str) -> Iterator[Broker]:
    prefix, password = f"hportal{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    users = {"BECUSTOMS": f"{prefix}-customs", "PSAT": f"{prefix}-psat"}
    for user in users.values():
        rabbitmqctl("add_user", user, password)
        rabbitmqctl("set_permissions", "-p", amqp_vhost, user, "^$", "^hub\\.inbound$", "^$")
    settings = Settings(database_url=site.hub.settings.database_url, amqp_url=amqp_url)
    hub = build(settings, clock=site.clock, migrate=False)
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as conn:
        ch = conn.channel()
        # the hub's transport connects (and declares the topology) only on first use now
        declare_topology(ch)
        ch.queue_declare(GATE_QUEUE, durable=True)
        ch.queue_bind(GATE_QUEUE, "hub.gate", routing_key="PSAT")
    yield Broker(hub, amqp_url, users, password)
    hub.close()
    for user in users.values():
        rabbitmqctl("delete_user", user)


def _cookie(page: Any, name: str) -> str:
    return str(next(c["value"] for c in page.context.cookies() if c["name"] == name))


def _act(page: Any, action: str, **fields: str) -> None:
    form = page.locator(f"form[data-action='{action}']")
    for name, value in fields.items():
        form.locator(f"[name='{name}']").fill(value)
    form.locator("button").click()


def _light(page: Any, name: str) -> str:
    return str(page.locator(f"#live [data-light='{name}'] dd").inner_text())


def _release(
    agent: Any, site: Site, container: str, to: str, ref: str, terminal: str = "PSAT"
) -> None:
    agent.goto(f"{site.url}/containers")
    agent.fill("#r-container", container)
    agent.fill("#r-ref", ref)
    agent.fill("#r-bills", "MEDUAN123456")
    agent.fill("#r-terminal", terminal)
    agent.fill("#r-to", to)
    agent.click("#release-heading ~ form button")


def test_the_demo_story_across_four_companies(site: Site, chromium: Any, broker: Broker) -> None:
    _setup(site, broker.users)
    agent, forwarder = _logged_in(chromium, site, "MSCBE"), _logged_in(chromium, site, "FWDANT")
    haulier, terminal = _logged_in(chromium, site, "TRUCKCO"), _logged_in(chromium, site, "PSAT")

    # the haulier's wallet is short: the purchase is refused with the amount missing
    _wallet(site, "100.00")
    haulier.goto(f"{site.url}/tokens")
    haulier.select_option("#tier", "low")
    haulier.click("form[action='/tokens'] button")
    assert "EUR 51.25 missing" in haulier.inner_text("#form-error")
    _wallet(site, "100.00")
    haulier.click("form[action='/tokens'] button")
    assert haulier.inner_text("[data-balance]") == "25"
    shot(haulier, "portal-tokens")

    _release(agent, site, CONTAINER, "Antwerp Forwarding", "MSCREL1")
    assert agent.url.endswith(f"/containers/{CONTAINER}")
    shot(agent, "portal-agent-released")

    forwarder.goto(f"{site.url}/containers?only=waiting")
    assert CONTAINER in forwarder.inner_text("#rows")
    shot(forwarder, "portal-forwarder-waiting")
    forwarder.click(f"a[href='/containers/{CONTAINER}']")
    _act(forwarder, "accept")
    assert "Done." in forwarder.inner_text("#answer")
    _act(forwarder, "transfer", to="BE0876543270")  # Scheldt Trucking by its VAT number
    assert "Done." in forwarder.inner_text("#answer")
    shot(forwarder, "portal-forwarder-transferred")

    haulier.goto(f"{site.url}/containers/{CONTAINER}")
    _act(haulier, "accept")
    assert "Done." in haulier.inner_text("#answer")
    haulier.goto(f"{site.url}/tokens")
    assert haulier.inner_text("[data-balance]") == "24"  # one token spent
    haulier.goto(f"{site.url}/containers/{CONTAINER}")
    haulier.select_option("#mode", "truck")
    _act(haulier, "assign", identity="ALF0012345", tar="TAR-778")
    assert "Done." in haulier.inner_text("#answer")
    assert "ALF0012345 · TAR TAR-778" in haulier.inner_text("[data-pickup]")
    assert "grey" in _light(haulier, "customs")

    broker.send("demo/05_customs.xml", "BECUSTOMS")  # customs clears the B/L, over RabbitMQ
    broker.send("demo/06_discharge.edi", "PSAT")  # the terminal reports the discharge
    url = haulier.url  # no reload: the page polls its lights
    haulier.locator("#live [data-light='customs'] dd", has_text="green").wait_for(timeout=10_000)
    assert haulier.url == url
    shot(haulier, "portal-haulier-green")

    terminal.goto(f"{site.url}/gate?container={CONTAINER}&identity=ALF0012345")
    assert "May leave" in terminal.inner_text("#decision")
    assert "TAR-778" in terminal.inner_text("#decision")
    shot(terminal, "portal-gate-may-leave")
    sent = broker.gate_messages()  # the same gate authorisation went out to the terminal
    assert [kind for kind, _ in sent] == ["GateAuthorised"]
    assert b"ALF0012345" in sent[0][1] and b"TAR-778" in sent[0][1]
    terminal.goto(f"{site.url}/gate?container={CONTAINER}&identity=SOMEONE-ELSE")
    assert "May not leave" in terminal.inner_text("#decision")

    agent.goto(f"{site.url}/containers/{CONTAINER}")
    _act(agent, "revoke", reason="wrong consignee")
    assert "Done." in agent.inner_text("#answer")
    haulier.goto(f"{site.url}/tokens")
    assert haulier.inner_text("[data-balance]") == "25"  # the token came back
    terminal.goto(f"{site.url}/gate?container={CONTAINER}&identity=ALF0012345")
    text = terminal.inner_text("#decision")
    assert "May not leave" in text and "Commercial: red (revoked)" in text
    shot(terminal, "portal-gate-revoked")
    assert [kind for kind, _ in broker.gate_messages()] == ["GateWithdrawn"]


def test_a_company_sees_only_its_own_link_even_by_guessing_urls(site: Site, chromium: Any) -> None:
    _setup(site)
    agent, forwarder = _logged_in(chromium, site, "MSCBE"), _logged_in(chromium, site, "FWDANT")
    haulier, barge = _logged_in(chromium, site, "TRUCKCO"), _logged_in(chromium, site, "BARGECO")
    _wallet(site, "500.00")
    haulier.goto(f"{site.url}/tokens")
    haulier.click("form[action='/tokens'] button")
    _release(agent, site, CONTAINER, "BE0456789034", "MSCREL2")
    forwarder.goto(f"{site.url}/containers/{CONTAINER}")
    _act(forwarder, "accept")
    _act(forwarder, "transfer", to="Scheldt Trucking")
    haulier.goto(f"{site.url}/containers/{CONTAINER}")
    key = haulier.locator("form[data-action='accept'] [name=key]").get_attribute("value")
    _act(haulier, "accept")
    # the same form sent again (a double click, a resubmission) has no second effect
    csrf = _cookie(haulier, "hub_csrf")
    form = {"csrf": csrf, "key": key, "action": "accept"}
    again = haulier.request.post(f"{site.url}/containers/{CONTAINER}", form=form)
    assert again.status == 200 and "This form was already sent" in again.text()
    haulier.goto(f"{site.url}/tokens")
    assert haulier.inner_text("[data-balance]") == "24"
    haulier.goto(f"{site.url}/containers/{CONTAINER}")

    # the haulier sees its own link, from FWDANT, and never the agent's link to FWDANT
    history = haulier.inner_text("#history")
    assert "FWDANT" in history and "MSCBE" not in history
    assert "MSCBE" not in haulier.content()
    # the agent sees its link to FWDANT, and nothing of the transfer to TRUCKCO
    agent.goto(f"{site.url}/containers/{CONTAINER}")
    assert "FWDANT" in agent.inner_text("#history")
    assert "TRUCKCO" not in agent.content()

    # a company that is no link: not in its list, and guessed URLs answer 404 with nothing
    barge.goto(f"{site.url}/containers")
    assert CONTAINER not in barge.content()
    for path in ("", "/lights"):
        answer = barge.goto(f"{site.url}/containers/{CONTAINER}{path}")
        assert answer.status == 404
        body = barge.content()
        assert all(x not in body for x in ("MSCREL2", "FWDANT", "TRUCKCO", "MEDUAN"))
    # an action posted to it (with a valid CSRF token) is refused the same way, with no effect
    csrf = _cookie(barge, "hub_csrf")
    posted = barge.request.post(
        f"{site.url}/containers/{CONTAINER}",
        form={"csrf": csrf, "key": "guess-1", "action": "accept"},
    )
    assert posted.status == 404 and "TRUCKCO" not in posted.text()
    # it may follow the lights of a PIN container, not of one at an Alfapass terminal: the
    # refusal says why, costs nothing and names nobody of the chain
    barge.goto(f"{site.url}/lights?container={CONTAINER}")
    assert barge.locator("#view [data-light]").count() == 0
    barge.click("form[data-action='subscribe'] button")
    assert "by Alfapass identity" in barge.inner_text("#form-error")
    body = barge.content()
    assert all(x not in body for x in ("MSCREL2", "FWDANT", "TRUCKCO", "MEDUAN"))
    # the forwarder passed the right on: nothing left for it to do, nothing of what followed
    forwarder.goto(f"{site.url}/containers/{CONTAINER}")
    assert forwarder.locator("form[data-action]").count() == 0
    shot(barge, "portal-guessed-404")
    # a transfer to a company nobody registered is refused with its reason on the page
    haulier.goto(f"{site.url}/containers/{CONTAINER}")
    _act(haulier, "transfer", to="Nobody Logistics")
    assert "no registered company matches" in haulier.inner_text("#form-error")

    # a container that leaves by PIN (NSCT): the barge operator, outside its chain, follows its
    # lights for one token and sees customs turn green without a reload; nothing of the chain
    _release(agent, site, PIN_CONTAINER, "Antwerp Forwarding", "MSCREL4", terminal="NSCT")
    _wallet(site, "200.00", "BARGECO", tier="low")
    barge.goto(f"{site.url}/lights?container={PIN_CONTAINER}")
    barge.click("form[data-action='subscribe'] button")
    assert "Done." in barge.inner_text("#answer")
    assert barge.inner_text("[data-balance]") == "24"
    assert "grey" in barge.inner_text("#view [data-light='customs']")
    with site.hub.uow() as uow:  # customs clears the B/L
        body = (SAMPLES / "demo/05_customs.xml").read_bytes()
        delivery = Delivery(body, "becustoms", uuid.uuid4().hex, "application/xml")
        handle_inbound(delivery, uow, site.hub.worker.hub)
        uow.commit()
    barge.locator("#view [data-light='customs'] dd", has_text="green").wait_for(timeout=10_000)
    body = barge.content()
    assert all(x not in body for x in ("MSCREL4", "FWDANT", "MSCBE", "Antwerp"))
    shot(barge, "portal-pin-lights")
    barge.click("form[data-action='unsubscribe'] button")
    assert "unsubscribed" in barge.inner_text("[data-ended]")


@pytest.mark.parametrize(
    ("party", "lang", "words"),
    [
        ("MSCBE", "nl", ["Mijn containers", "Container vrijgeven", "Lichten"]),
        ("FWDANT", "fr", ["Mes conteneurs"]),
        ("TRUCKCO", "de", ["Meine Container", "Token und Wallet"]),
    ],
)
def test_the_pages_speak_the_users_language_on_a_narrow_screen(
    site: Site, chromium: Any, party: str, lang: str, words: list[str]
) -> None:
    _setup(site, languages={"MSCBE": "nl", "FWDANT": "fr", "TRUCKCO": "de"})
    if party != "MSCBE":  # something in the list: the release of the story
        agent = _logged_in(chromium, site, "MSCBE")
        _release(agent, site, CONTAINER, "Antwerp Forwarding", "MSCREL3")
    page = _logged_in(chromium, site, party)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{site.url}/containers")
    text = page.inner_text("body")
    assert all(w in text for w in words), text
    assert page.locator("html").get_attribute("lang") == lang
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"portal-containers-{lang}-narrow")
    if party == "FWDANT":
        page.goto(f"{site.url}/containers/{CONTAINER}")
        assert "Accepter" in page.inner_text("main") and "Feux" in page.inner_text("main")
        assert "gris (inconnu" in page.inner_text("#live")  # colours and values in French
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot(page, "portal-container-fr-narrow")
