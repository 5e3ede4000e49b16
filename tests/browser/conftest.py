"""A portal under test in a real browser: the hub's web app on a free loopback port (uvicorn in
a thread, SQLite file, a clock the test moves), a real SMTP server (aiosmtpd) that keeps the
mails it receives, and the machine's Chromium driven by Playwright.

Without /usr/bin/chromium these tests skip on a laptop and fail under CI=true
(`scripts/browser.sh`, run by `make test`, installs it).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller

from hub.bootstrap import Hub, build, build_portal
from hub.config import Settings
from hub.entrypoints.web.app import create_app
from hub.observability import web_endpoints, web_live
from hub.service_layer.portal import Portal

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"


class MovingClock:
    """The hub's clock in these tests: real time plus an offset the test adds to."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by


@dataclass
class Mailbox:
    """What the SMTP server received, newest last."""

    mails: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, to: str, pattern: str, after: int = 0, timeout: float = 10.0) -> str:
        """The body of the first mail to `to` whose body matches `pattern` (a regular
        expression), among those after index `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in self.mails[after:]:
                body = str(mail.get_payload(decode=True).decode())  # type: ignore[union-attr]
                if mail["To"] == to and re.search(pattern, body):
                    return body
            time.sleep(0.05)
        raise AssertionError(f"no mail like {pattern!r} to {to}: {len(self.mails)} mails")

    def link(self, to: str, after: int = 0) -> str:
        link = r"https?://\S+/activate\?token=\S+"
        found = re.search(link, self.wait_for(to, link, after))
        assert found
        return found[0]

    def code(self, to: str, after: int = 0) -> str:
        code = r"\s(\d{6})\r?\n"  # "Your login code is 123456" ends its line
        found = re.search(code, self.wait_for(to, code, after))
        assert found
        return found[1]


@dataclass
class Site:
    """The running portal: its URL, services, clock and the mails it sent."""

    url: str
    hub: Hub
    portal: Portal
    clock: MovingClock
    mailbox: Mailbox


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture()
def site(tmp_path: Path, mailbox: Mailbox) -> Iterator[Site]:
    port, clock = _free_port(), MovingClock()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'hub.db'}",
        home=str(tmp_path),
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
        web_base_url=url,
        web_secure_cookies=False,
    )
    hub = build(settings, clock=clock, consume=False)
    portal = build_portal(hub)
    app = create_app(portal, secure_cookies=False, health=web_endpoints(hub), live=web_live(hub))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield Site(url, hub, portal, clock, mailbox)
    server.should_exit = True
    thread.join(10)
    hub.close()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """One Chromium for the browser tests; each test gets its own context (`browser`).
    Package-scoped, not session-scoped: Playwright's sync API keeps an event loop running on
    this thread while it is open, and the in-process ASGI tests that run after this package
    (tests/unit/web) cannot start theirs beside it."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required under CI=true (scripts/browser.sh)", pytrace=False)
        pytest.skip("no /usr/bin/chromium (scripts/browser.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def browser(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies shared with other tests)."""
    context = chromium.new_context()
    yield context
    context.close()


def shot(page: Any, name: str) -> None:
    """A full-page screenshot of the page under test-output/browser/."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
