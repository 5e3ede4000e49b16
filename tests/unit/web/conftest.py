"""The portal's web app called in-process, without a server or a browser: an ASGI request
built by hand (`Client`), signed-in users made straight in the identity store, the sample
partners on SQLite. For what happens at the web edge (bounds, status codes), not for pages:
pages are tested in Chromium (tests/browser)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from hub.bootstrap import Hub, build_portal
from hub.domain.users import User, UserRole, UserState
from hub.entrypoints.web.app import create_app
from hub.service_layer.identity_ports import WebSession
from hub.service_layer.secrets_util import digest
from tests.unit.service.test_money_support import STORY, Clock, fund, make_hub, play


@dataclass(frozen=True)
class Answer:
    status: int
    body: str


class Client:
    """Requests to the ASGI app in this thread; `as_party` picks the signed-in company."""

    def __init__(self, app: Any, cookies: dict[str, str]) -> None:
        self.app, self.cookies = app, cookies
        self.loop = asyncio.new_event_loop()

    def get(self, path: str, party: str = "TRUCKCO") -> Answer:
        return self.loop.run_until_complete(self._call("GET", path, b"", party))

    def post(self, path: str, fields: dict[str, str], party: str = "TRUCKCO") -> Answer:
        body = "&".join(f"{quote(k)}={quote(v, errors='surrogatepass')}" for k, v in fields.items())
        return self.loop.run_until_complete(self._call("POST", path, body.encode(), party))

    async def _call(self, method: str, target: str, body: bytes, party: str) -> Answer:
        path, _, query = target.partition("?")
        cookie = f"hub_session={self.cookies[party]}; hub_csrf=c1"
        headers = [
            (b"host", b"portal.test"),
            (b"cookie", cookie.encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode("utf-8", "surrogatepass"),
            "query_string": query.encode("utf-8", "surrogatepass"),
            "headers": headers,
            "client": ("127.0.0.1", 5000),
            "server": ("portal.test", 80),
            "root_path": "",
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        out: dict[str, Any] = {"body": b""}

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)  # the client never disconnects early
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
            else:
                out["body"] += message.get("body", b"")

        await self.app(scope, receive, send)
        return Answer(out["status"], out["body"].decode())


def sign_in(
    hub: Hub, portal: Any, party: str, role: UserRole = UserRole.ADMIN, language: str = "en"
) -> str:
    """An active user of `party` with a live session; the session cookie's value."""
    now, name = hub.clock(), party.lower()
    user = User(f"u-{name}", party, f"{name}@x.example", role, UserState.ACTIVE, name)
    user = User(**{**user.__dict__, "created_at": now, "first_login_at": now, "language": language})

    def add(_uow: Any, store: Any, at: Any) -> None:
        store.save_user(user)
        store.add_session(WebSession(digest(f"s-{name}"), user.id, at, at + timedelta(hours=8)))

    portal.do(add)
    return f"s-{name}"


def _story_web(path: Path) -> Iterator[tuple[Hub, Client]]:
    hub, _transport = make_hub(path, Clock())
    fund(hub, "TRUCKCO", "200.00", "low")
    play(hub, STORY[:3])
    portal = build_portal(hub)
    cookies = {p: sign_in(hub, portal, p) for p in ("TRUCKCO", "FWDANT", "MSCBE", "PSAT")}
    cookies["OPS"] = sign_in(hub, portal, "HUBOPS", UserRole.OPERATOR)
    client = Client(create_app(portal, secure_cookies=False), cookies)
    yield hub, client
    client.loop.close()
    hub.close()


@pytest.fixture()
def web(tmp_path: Path) -> Iterator[tuple[Hub, Client]]:
    """The demo story up to the forwarder's transfer to TRUCKCO (which has tokens), and a
    signed-in user for TRUCKCO, FWDANT, MSCBE, PSAT and the hub team (OPS)."""
    yield from _story_web(tmp_path)


@pytest.fixture(scope="module")
def shared_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, Client]]:
    """`web` once for a module whose tests change nothing (they assert so)."""
    yield from _story_web(tmp_path_factory.mktemp("web"))


@pytest.fixture()
def pin_web(tmp_path: Path) -> Iterator[tuple[Hub, Client]]:
    """PSAT lets containers out by PIN; MSCBE has released MSCU1234566 there to FWDANT.
    BARGECO, a transport operator outside the chain with 25 tokens, is signed in in Dutch."""
    hub, _transport = make_hub(tmp_path, Clock())
    with hub.uow() as uow:
        psat = uow.partners.get("PSAT")
        assert psat is not None
        uow.partners.save(replace(psat, terminal_access="pin"))
        uow.commit()
    fund(hub, "BARGECO", "200.00", "low")
    play(hub, STORY[:1])
    portal = build_portal(hub)
    cookies = {"BARGECO": sign_in(hub, portal, "BARGECO", language="nl")}
    client = Client(create_app(portal, secure_cookies=False), cookies)
    yield hub, client
    client.loop.close()
    hub.close()
