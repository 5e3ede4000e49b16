"""A `hub run` on the real RabbitMQ and PostgreSQL, fed a stream of hostile deliveries, keeps
answering a well-behaved partner within a second throughout.

The attackers are registered partners (MSCBE, FWDANT) and a broker user that is no partner
(guest). Their deliveries cover every kind of attack the hub has met or can be expected to
meet: properties longer than any column, NUL bytes and lone surrogates in references,
quadratic-looking EDIFACT shapes (escaped terminators, a segment of empty elements, thousands
of messages or interchanges in one delivery), XML entity tricks and depth, forged senders and
recipients, test interchanges, a customs status from a party that is not customs. Meanwhile
BECUSTOMS, which behaves, sends a customs status every half second and times the acknowledgement
it gets back on its own queue.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
from sqlalchemy import select

from hub.ledger.tables import bl_customs
from tests.integration import faults as F

pytestmark = pytest.mark.integration

PROBE_DEADLINE = 1.0  # seconds from publish to the acknowledgement on the partner's queue


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[F.World]:
    F.require_servers()
    w = F.World.create(tmp_path_factory.mktemp("adversarial"))
    yield w
    w.destroy()


@pytest.fixture()
def run(world: F.World, tmp_path: Path) -> Iterator[F.Run]:
    r = F.Run(world, world.fresh(), tmp_path)
    yield r
    r.close()


def _edi(sender: str, ref: str, body: list[str], *, recipient: str = "CPUHUB") -> bytes:
    unb = f"UNB+UNOC:3+{sender}:ZZZ+{recipient}:ZZZ+261123:0800+{ref}'"
    lines = ["UNA:+.? '", unb, *body, f"UNT+{len(body) + 1}+1'", f"UNZ+1+{ref}'"]
    return "".join(lines).encode("utf-8", "surrogatepass")


def _coreor(ref: str, container: str = "MSCU1234565", sender: str = "MSCBE") -> list[str]:
    return [
        "UNH+1+COREOR:D:95B:UN:SMDG20'",
        f"BGM+129+{ref}+9'",
        f"RFF+RE:{ref}'",
        "RFF+BM:BLATTACK1'",
        "LOC+11+BEANR:139:6+PSAT:TER:ZZZ'",
        f"NAD+MS+{sender}:160:ZZZ'",
        "NAD+FW+FWDANT:160:ZZZ'",
        f"EQD+CN+{container}+45G1:102:5+++5'",
    ]


def _many_interchanges(count: int) -> bytes:
    one = _edi("MSCBE", "MANY", ["UNH+1+IFTMIN:D:95B:UN'", "BGM+610+X+9'"])
    return b"".join(one.replace(b"+MANY'", f"+MANY{i}'".encode()) for i in range(count))


def _test_indicator(interchange: bytes) -> bytes:
    """UNB 0035 = 1 after the empty 0022 … 0032: a test interchange."""
    return interchange.replace(b"'UNH", b"++++++1'UNH", 1)


def _many_attributes(count: int) -> bytes:
    attributes = b" ".join(b'a%d="1"' % i for i in range(count))
    return b'<?xml version="1.0"?><r ' + attributes + b"/>"


def _xml(root: str, inner: str, ref: str, eori: str = F.EORI["FWDANT"]) -> bytes:
    ns = "urn:hub:customs:1" if root == "CustomsStatusReport" else "urn:hub:release:1"
    head = (
        f"<header><messageId>{ref}</messageId><sender><identificationType>Eori"
        f"</identificationType><identificationCode>{eori}</identificationCode></sender>"
        "<timestamp>2026-11-23T08:30:00Z</timestamp></header>"
    )
    return f'<?xml version="1.0"?><{root} xmlns="{ns}">{head}{inner}</{root}>'.encode()


def attacks(tag: str) -> list[tuple[F.Msg, pika.BasicProperties | None]]:
    """One hostile delivery of each kind (with odd AMQP properties where that is the attack)."""
    e, x = F.EDIFACT, F.XML
    lol = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    payloads: list[tuple[str, bytes, str]] = [
        ("MSCBE", b"\x00\xff garbage " * 1000, e),
        ("MSCBE", _edi("MSCBE", f"{tag}NUL\x00", _coreor(f"R{tag}N\x00UL")), e),
        ("MSCBE", _edi("MSCBE", f"{tag}SUR", _coreor(f"R{tag}\udcff")), e),
        ("MSCBE", _edi("MSCBE", f"{tag}ESC", ["FTX+AAI+++" + "?'" * 400_000 + "'"]), e),
        ("MSCBE", _edi("MSCBE", f"{tag}ELE", ["FTX" + "+" * 900_000 + "'"]), e),
        ("MSCBE", _edi("MSCBE", f"{tag}CMP", ["FTX+AAI+++" + ":" * 900_000 + "'"]), e),
        (
            "MSCBE",
            _edi("MSCBE", f"{tag}EQD", _coreor(f"R{tag}E") + ["EQD+CN+MSCU1234565'"] * 40_000),
            e,
        ),
        (
            "MSCBE",
            _edi(
                "MSCBE", f"{tag}MSG", ["UNH+1+CODECO:D:95B:UN'", "BGM+36+X+9'", "UNT+3+1'"] * 8000
            ),
            e,
        ),
        ("MSCBE", _many_interchanges(3000), e),
        ("MSCBE", _edi("FWDANT", f"{tag}FRG", _coreor(f"R{tag}F")), e),  # forged UNB sender
        ("MSCBE", _edi("MSCBE", f"{tag}RCP", _coreor(f"R{tag}R"), recipient="OTHERHUB"), e),
        ("MSCBE", _edi("MSCBE", f"{tag}NAD", _coreor(f"R{tag}M", sender="OTHERLINE")), e),
        (
            "MSCBE",
            _test_indicator(_edi("MSCBE", f"{tag}TST", _coreor(f"R{tag}T"))),
            e,
        ),
        (
            "FWDANT",
            _xml(
                "CustomsStatusReport",
                "<billOfLadingStatus><billOfLadingNumber>BLFORGED1</billOfLadingNumber>"
                "<status>released</status></billOfLadingStatus>",
                f"{tag}CUS",
            ),
            x,
        ),
        ("FWDANT", lol.encode() + b"<r>&b;&b;&b;</r>", x),
        ("FWDANT", b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>', x),
        ("FWDANT", b"<r>" + b"<x>" * 5000 + b"</x>" * 5000 + b"</r>", x),
        (
            "FWDANT",
            _many_attributes(40_000),
            x,
        ),
        ("guest", _edi("MSCBE", f"{tag}GST", _coreor(f"R{tag}G")), e),
    ]
    found: list[tuple[F.Msg, pika.BasicProperties | None]] = [
        (F.Msg(party, body, "", kind, "poison:attack"), None) for party, body, kind in payloads
    ]
    odd = F.Msg("MSCBE", _edi("MSCBE", f"{tag}PRP", _coreor(f"R{tag}P")), "", e, "poison:props")
    for props in (
        pika.BasicProperties(content_type="application/edifact" + "x" * 230),
        pika.BasicProperties(content_type="application/edifact", message_id="m" * 250),
        pika.BasicProperties(
            content_type="application/edifact",
            headers={"x-hub-dead-letter": "forged", "h" * 200: "v" * 60_000, "n": "\x00"},
        ),
        pika.BasicProperties(content_type="text/\x00plain", type="t" * 250, app_id="a" * 250),
    ):
        found.append((odd, props))
    return found


class Attacker(threading.Thread):
    """Publishes the attack deliveries over and over until told to stop (paced, bounded)."""

    def __init__(self, world: F.World, rounds: int) -> None:
        super().__init__(daemon=True)
        self.world, self.rounds = world, rounds
        self.stop = threading.Event()
        self.published = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _run(self) -> None:
        conns: dict[str, pika.BlockingConnection] = {}
        try:
            for r in range(self.rounds):
                for msg, props in attacks(f"A{r:02d}"):
                    if self.stop.is_set():
                        return
                    self._publish(conns, msg, props)
                    self.published += 1
                    time.sleep(0.05)
        finally:
            for conn in conns.values():
                conn.close()

    def _publish(
        self,
        conns: dict[str, pika.BlockingConnection],
        msg: F.Msg,
        props: pika.BasicProperties | None,
    ) -> None:
        party = msg.party
        if party not in conns:
            url = self.world.user_url(party) if party in self.world.users else self.world.amqp_url
            conns[party] = pika.BlockingConnection(pika.URLParameters(url))
        ch = conns[party].channel()
        p = props or pika.BasicProperties(content_type=msg.content_type)
        p.user_id = self.world.users.get(party, "guest")
        p.delivery_mode = 2
        p.message_id = p.message_id or uuid.uuid4().hex
        ch.basic_publish(F.INBOUND, party, msg.body, p)
        ch.close()


def _probe(world: F.World, n: int) -> float:
    """BECUSTOMS sends one customs status and waits for its acknowledgement; seconds taken."""
    ref = f"PROBE{n:05d}{uuid.uuid4().hex[:4]}"
    body = F.customs_status(ref, f"BLPROBE{n:05d}")
    params = pika.URLParameters(world.user_url("BECUSTOMS"))
    with pika.BlockingConnection(params) as conn:
        ch = conn.channel()
        began = time.monotonic()
        props = pika.BasicProperties(
            delivery_mode=2,
            user_id=world.users["BECUSTOMS"],
            message_id=ref,
            content_type=F.XML,
        )
        ch.basic_publish(F.INBOUND, "BECUSTOMS", body, props)
        while time.monotonic() - began < 20:
            method, _, answer = ch.basic_get("partner.BECUSTOMS", auto_ack=True)
            if method is None:
                time.sleep(0.01)
                continue
            if ref.encode() in answer:
                return time.monotonic() - began
    return float("inf")


@pytest.mark.timeout(240)
def test_a_well_behaved_partner_is_answered_within_a_second_under_attack(run: F.Run) -> None:
    hub = run.hub()
    F.wait_until("the hub to declare its queues", lambda: _probe(run.world, 0) < 30, 60, 1)
    attacker = Attacker(run.world, rounds=5)
    attacker.start()
    latencies: list[float] = []
    n = 1
    while attacker.is_alive() and n < 200:
        latencies.append(_probe(run.world, n))
        n += 1
        time.sleep(0.4)
    attacker.stop.set()
    attacker.join(timeout=30)
    assert attacker.error is None, attacker.error
    assert attacker.published >= 5 * len(attacks("X")), "the whole attack was sent"
    for _ in range(5):  # and after it, too
        latencies.append(_probe(run.world, n))
        n += 1
    assert hub.alive, hub.output()[-3000:]
    slow = [round(s, 2) for s in latencies if s > PROBE_DEADLINE]
    assert not slow, f"{len(slow)} of {len(latencies)} probes slower than 1 s: {slow}"
    with run.engine.connect() as conn:
        forged = conn.execute(
            select(bl_customs.c.status).where(bl_customs.c.bill_of_lading == "BLFORGED1")
        ).all()
    assert forged == [], "a customs status from a forwarder must not be stored"
    assert "Traceback" not in hub.output(), hub.output()[-3000:]
