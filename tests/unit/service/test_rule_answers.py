"""Answers the rules of issue 19 owe a sender: a release accepted although already expired."""

from __future__ import annotations

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from tests.unit.service.conftest import SAMPLES

CONTAINER = "MSCU1234566"


def _put(hub: Hub, transport: InProcessTransport, body: bytes, user: str, mid: str) -> None:
    transport.put(body, user, mid)
    hub.worker.drain()


def _expired_release() -> bytes:
    """The demo's COREOR with an expiry (1 November) before the hub's clock (23 November)."""
    text = (SAMPLES / "demo/01_release.edi").read_text()
    text = text.replace("RFF+RE:", "DTM+36:20261101:102'RFF+RE:", 1).replace("UNT+12+1", "UNT+13+1")
    return text.encode()


def test_a_release_arriving_expired_is_accepted_with_a_warning_and_expires_at_once(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded

    _put(hub, transport, _expired_release(), "mscbe", "expired-release")

    [aperak] = [m for m in transport.on("hub.partner", "MSCBE") if m.message_type == "APERAK"]
    text = aperak.body.decode()
    assert "BGM+312+" in text and "+29'" in text  # accepted
    assert "ERC+1'" in text
    warning = text.replace("?", "").replace("'\n", "").split("ERC+12")[1]
    assert "warning" in warning and "already expired" in warning and "2026-11-01" in warning
    with hub.uow() as uow:
        right = uow.files.get(CONTAINER).right
        assert right is not None and right.status.value == "expired"
        assert uow.quarantine.list("held") == []
