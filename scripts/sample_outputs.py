"""Write samples/out/: every message the hub sends in the demo story, from the real renderers.

Run `PYTHONPATH=. .venv/bin/python scripts/sample_outputs.py` after changing a renderer;
tests/unit/service/test_sample_outputs.py fails while samples/out/ differs from what this
writes. The clock is fixed and the random ids (interchange control references, XML message ids)
are drawn from a counter, so the files are the same on every run.

Two runs: the demo story as it is (PSAT takes XML), then again with PSAT's profile set to
EDIFACT, from which only the gate messages are kept (the gate COREOR an EDIFACT terminal gets).
Then one rejection of each kind: a release sent by a party that is not its sender (APERAK and
CONTRL) and an XML document that is not well-formed (XML ack)."""

from __future__ import annotations

import itertools
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import build
from hub.config import Settings
from hub.entrypoints.demo import STORY
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer.ports import Outgoing
from hub.service_layer.subscriptions import buy, top_up

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@contextmanager
def _fixed_ids() -> Iterator[None]:
    counter = itertools.count(1)
    with mock.patch.object(uuid, "uuid4", lambda: uuid.UUID(int=next(counter) << 72)):
        yield


def _run(story: list[tuple[str, bytes]], edifact_terminal: bool) -> list[Outgoing]:
    with tempfile.TemporaryDirectory() as tmp, _fixed_ids():
        transport = InProcessTransport()
        settings = Settings(database_url=f"sqlite:///{tmp}/hub.db")
        hub = build(settings, transport=transport, clock=lambda: NOW)
        with hub.uow() as uow:
            for p in load_partners_file(SAMPLES / "partners.yaml"):
                if edifact_terminal and p.party_id == "PSAT":
                    p = replace(p, outbound_format="edifact")
                uow.partners.save(p)
            uow.wallets.pair("TRUCKCO", "WALLET-TRUCKCO", NOW)
            top_up(uow, "TRUCKCO", "200.00", NOW, cause="top-up")
            buy(uow, "TRUCKCO", "low", NOW, cause="subscription")
            uow.commit()
        for n, (party, body) in enumerate(story, 1):
            transport.put(body, party.lower(), f"{party.lower()}-{n:04d}")
            hub.worker.drain()
        hub.close()
        return list(transport.log)


def _name(n: int, m: Outgoing) -> str:
    ext = "xml" if m.content_type == "application/xml" else "edi"
    return f"{n:02d}_{m.exchange}_{m.routing_key}_{m.message_type}.{ext}"


def render(out: Path) -> list[Path]:
    """Write every outgoing message of the demo story (and the rejections) into `out`."""
    story = [(party, (SAMPLES / name).read_bytes()) for party, name, _ in STORY]
    sent = _run(story, edifact_terminal=False)
    gate = [m for m in _run(story, edifact_terminal=True) if m.exchange == "hub.gate"]
    wrong = [("FWDANT", (SAMPLES / "demo/01_release.edi").read_bytes()), ("TRUCKCO", b"<broken")]
    rejected = _run(wrong, edifact_terminal=False)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n, m in enumerate([*sent, *gate, *rejected], 1):
        path = out / _name(n, m)
        path.write_bytes(m.body)
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES / "out"
    for old in target.glob("*.*"):
        old.unlink()
    for path in render(target):
        print(path)
