"""Helpers for the money, registry and report tests (no tests here): an embedded hub on a
SQLite file with the sample partners, a clock moved by hand, and messages in through
`handle_inbound`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.domain.partners import Status
from hub.domain.refusals import Refusal
from hub.entrypoints.partners_file import load_partners_file
from hub.ledger.tables import audit
from hub.service_layer import accounts
from hub.service_layer.pipeline import Outcome, handle_inbound
from hub.service_layer.ports import Delivery

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
STORY = (
    ("demo/01_release.edi", "mscbe"),
    ("demo/02_accept.xml", "fwdant"),
    ("demo/03_transfer.xml", "fwdant"),
    ("demo/04_accept.xml", "truckco"),
)
"""Up to the transport operator's accept (one token at the Alfapass terminal PSAT)."""


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def make_hub(tmp_path: Path, clock: Clock, **settings: Any) -> tuple[Hub, InProcessTransport]:
    """An embedded hub with every sample partner registered and active."""
    transport = InProcessTransport()
    url = f"sqlite:///{tmp_path}/h.db"
    hub = build(Settings(database_url=url, **settings), transport=transport, clock=clock)
    with hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.commit()
    return hub, transport


def ok(result: Any) -> Any:
    """The result of a service call that must not be refused."""
    assert not isinstance(result, Refusal), result
    return result


def fund(hub: Hub, party: str, amount: str, tier: str | None = None) -> None:
    """Pair a wallet (if none yet), top it up, and buy `tier` if given."""
    now = hub.clock()
    with hub.uow() as uow:
        if uow.wallets.paired(party) is None:
            uow.wallets.pair(party, f"W-{party}", now)
        ok(accounts.top_up(uow, party, amount, now, "test top-up"))
        if tier:
            ok(accounts.buy(uow, party, tier, now, f"hub tokens buy {party} {tier}"))
        uow.commit()


def set_status(hub: Hub, party: str, status: Status, **changes: Any) -> None:
    """Change a registered partner behind the registry's back (test setup)."""
    with hub.uow() as uow:
        partner = uow.partners.get(party)
        assert partner is not None
        uow.partners.save(replace(partner, status=status, **changes))
        uow.commit()


def deliver(hub: Hub, body: bytes | str, user: str, message_id: str = "") -> Outcome:
    """One delivery through `handle_inbound` in its own unit of work, committed."""
    data = body.encode() if isinstance(body, str) else body
    kind = "application/xml" if data.lstrip().startswith(b"<") else "application/edifact"
    with hub.uow() as uow:
        outcome = handle_inbound(Delivery(data, user, message_id, kind), uow, hub.worker.hub)
        uow.commit()
    hub.worker.drain()
    return outcome


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def play(hub: Hub, story: tuple[tuple[str, str], ...] = STORY) -> list[Outcome]:
    """Deliver sample files in order."""
    return [deliver(hub, sample(name), user, name) for name, user in story]


def coreor(
    control: str,
    release_ref: str,
    function: str,
    containers: tuple[str, ...],
    terminal: str = "PSAT",
    expiry: str = "",
) -> str:
    """A COREOR D95B from MSCBE releasing (9) or cancelling (1) `containers` to FWDANT."""
    body = [
        "UNH+1+COREOR:D:95B:UN:SMDG20",
        f"BGM+129+{release_ref}+{function}",
        f"RFF+RE:{release_ref}",
        *([f"DTM+36:{expiry}:203"] if expiry else []),
        f"LOC+11+BEANR:139:6+{terminal}:TER:ZZZ",
        "NAD+MS+MSCBE:160:ZZZ",
        "NAD+FW+FWDANT:160:ZZZ",
        *(f"EQD+CN+{c}+45G1:102:5+++5" for c in containers),
        f"CNT+16:{len(containers)}",
    ]
    segments = [
        "UNA:+.? ",
        f"UNB+UNOC:3+MSCBE:ZZZ+CPUHUB:ZZZ+261102:0800+{control}",
        *body,
        f"UNT+{len(body) + 1}+1",
        f"UNZ+1+{control}",
    ]
    return "'\n".join(segments) + "'\n"


def audit_rows(hub: Hub, action: str) -> list[Any]:
    """The audit entries with `action`, oldest first."""
    with hub.db.connect() as conn:
        query = select(audit).where(audit.c.action == action).order_by(audit.c.seq)
        return list(conn.execute(query))
