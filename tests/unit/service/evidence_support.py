"""An embedded hub with a signing key: the evidence tests' common ground."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.adapters import signing
from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer.subscriptions import buy, top_up
from tests.unit.service.conftest import SAMPLES, STORY, FixedClock, send


@dataclass
class Evidence:
    """The hub, its transport, settings, and the public key a terminal / authority holds."""

    hub: Hub
    transport: InProcessTransport
    settings: Settings
    public_key: Path
    private_key: Path

    def story(self) -> None:
        for name, user in STORY:
            send(self.hub, self.transport, name, user)

    def published(self, exchange: str, key: str, kind: str) -> list[dict[str, Any]]:
        return [
            json.loads(m.body) for m in self.transport.on(exchange, key) if m.message_type == kind
        ]


@pytest.fixture()
def evidence(tmp_path: Path, clock: FixedClock) -> Iterator[Evidence]:
    private, public, _kid = signing.generate(tmp_path / "keys")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/hub.db",
        signing_key=str(private),
        public_keys=str(tmp_path / "keys"),
        checkpoint_file=str(tmp_path / "checkpoints.jsonl"),
        checkpoint_entries=5,
    )
    transport = InProcessTransport()
    hub = build(settings, transport=transport, clock=clock)
    with hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.wallets.pair("TRUCKCO", "W-1", clock())
        top_up(uow, "TRUCKCO", "500.00", clock(), cause="test")
        buy(uow, "TRUCKCO", "low", clock(), cause="test")
        uow.commit()
    yield Evidence(hub, transport, settings, public, private)
    hub.close()
