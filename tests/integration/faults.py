"""Fault injection and invariants for the delivery-guarantee tests (`test_faults`, `test_soak`).

- `Proxy`: a threaded loopback TCP proxy in front of PostgreSQL or RabbitMQ. `cut()` resets every
  open connection and refuses new ones until `restore()`; the real servers are never touched.
- Stream generators: many distinct containers (valid ISO 6346 check digits), each with the demo
  story (COREOR release, XML accept / transfer / accept, customs, COARRI discharge, pickup
  assignment, CODECO gate-out), published as partners do: a container's next message only once
  the hub recorded the previous one (`CausalStreamer`); plus poison messages and resends.
- `World`: one RabbitMQ vhost with per-partner broker users (made by `hub broker setup`), a
  fresh PostgreSQL database per test, `hub run` processes, a publisher per partner.
- `check_invariants`: reads the database and the terminal queue and says what is wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pika
import yaml
from sqlalchemy import Engine, create_engine, func, select

from hub.domain.containers import check_digit
from hub.ledger import audit as audit_trail
from hub.ledger.tables import (
    audit,
    container_files,
    inbox,
    outbox,
    quarantine,
    token_entries,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
HUB = [sys.executable, "-m", "hub.entrypoints.cli"]
EDIFACT = "application/edifact"
XML = "application/xml"

# ---------------------------------------------------------------------------------------------
# The proxy


class Proxy:
    """Listens on 127.0.0.1:<ephemeral> and forwards every connection to `target_port`.

    `cut()` resets all open connections (both sides) and makes new ones fail at once (accepted,
    then reset), as a server that went away would; `restore()` forwards again.
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        self.accepted = 0
        self.refused = 0
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name="proxy")
        self._thread.start()

    @property
    def is_cut(self) -> bool:
        return self._cut

    def url(self, url: str) -> str:
        """`url` with its host and port replaced by the proxy's."""
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            doomed, self._open = list(self._open), set()
        for s in doomed:
            _reset(s)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    @contextlib.contextmanager
    def outage(self, seconds: float) -> Iterator[None]:
        """Cut for `seconds` (the body runs during the outage), then restore."""
        self.cut()
        began = time.monotonic()
        try:
            yield
            time.sleep(max(0.0, seconds - (time.monotonic() - began)))
        finally:
            self.restore()

    def close(self) -> None:
        self._closed = True
        self.cut()
        with contextlib.suppress(OSError):
            self._listener.close()
        self._thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            try:
                self._serve(client)
            except Exception:  # never let a proxy thread raise into pytest
                _reset(client)

    def _serve(self, client: socket.socket) -> None:
        if self._cut:
            self.refused += 1
            _reset(client)
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if self._cut:
                _reset(client)
                _reset(upstream)
                return
            self._open.update((client, upstream))
            self.accepted += 1
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except Exception:  # a reset or a cut: the other pump sees it too
            pass
        finally:
            with self._lock:
                self._open.discard(src)
                self._open.discard(dst)
            _reset(src)
            _reset(dst)


def _reset(s: socket.socket) -> None:
    """Close with RST (linger 0), waking any thread blocked in recv on it."""
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()


# ---------------------------------------------------------------------------------------------
# Messages

EORI = {
    "FWDANT": "BE0456789034",
    "TRUCKCO": "BE0876543270",
    "BECUSTOMS": "BE0234567873",
    "NEWTRUCK": "BE0999999920",
}
STAGES = (
    "release",
    "accept_fw",
    "transfer",
    "accept_tr",
    "customs",
    "discharge",
    "assign",
    "gate_out",
)
OWNERS = ("MSCU", "MEDU", "FCIU", "TGHU", "CAIU", "TCLU", "GESU", "SEGU")


@dataclass(frozen=True)
class Msg:
    """One inbound payload as a partner publishes it, and what it is for."""

    party: str
    body: bytes
    ref: str
    """The business reference: UNB control reference or XML messageId."""
    content_type: str
    kind: str
    """A story stage, or 'poison:<what>' for a message that must be quarantined."""
    container: str = ""

    @property
    def dedup_key(self) -> str:
        if self.content_type == XML:
            return f"xml:{self.ref}"
        return f"edifact:{self.party}:CPUHUB:{self.ref}"

    @property
    def poison(self) -> bool:
        return self.kind.startswith("poison")

    @property
    def recorded(self) -> bool:
        """Whether the hub keeps an inbox row for it: anything it could read from a partner."""
        return bool(self.ref) and self.party != "guest"


def containers(count: int, seed: int) -> list[str]:
    """`count` distinct valid container numbers; different seeds give different sets."""
    rng = random.Random(seed)
    found: dict[str, None] = {}
    while len(found) < count:
        base = f"{rng.choice(OWNERS)}{rng.randrange(1_000_000):06d}"
        total = check_digit(base)
        found.setdefault(f"{base}{total}", None)
    return list(found)


def _envelope(sender: str, ref: str, body: list[str], app: str = "") -> bytes:
    unb = f"UNB+UNOC:3+{sender}:ZZZ+CPUHUB:ZZZ+261123:0800+{ref}" + (f"++{app}'" if app else "'")
    lines = ["UNA:+.? '", unb, *body, f"UNT+{len(body) + 1}+1'", f"UNZ+1+{ref}'"]
    return ("\n".join(lines) + "\n").encode("ascii")


def coreor_release(ref: str, release: str, container: str, bl: str, to: str = "FWDANT") -> bytes:
    return _envelope(
        "MSCBE",
        ref,
        [
            "UNH+1+COREOR:D:95B:UN:SMDG20'",
            f"BGM+129+{release}+9'",
            "DTM+36:20271231:102'",
            f"RFF+RE:{release}'",
            f"RFF+BM:{bl}'",
            "LOC+11+BEANR:139:6+PSAT:TER:ZZZ'",
            "NAD+MS+MSCBE:160:ZZZ'",
            f"NAD+FW+{to}:160:ZZZ'",
            f"EQD+CN+{container}+45G1:102:5+++5'",
            "CNT+16:1'",
        ],
        "COREOR",
    )


def coarri_discharge(ref: str, container: str) -> bytes:
    return _envelope(
        "PSAT",
        ref,
        [
            "UNH+1+COARRI:D:95B:UN:ITG13'",
            f"BGM+44+{ref}+9'",
            "TDT+20+245N+1++MSC:172:20+++9290555:146::MSC ANNA'",
            "LOC+11+BEANR:139:6+PSAT:TER:ZZZ'",
            "DTM+132:202611230900:203'",
            f"EQD+CN+{container}+45G1:102:5++3+5'",
            "DTM+203:202611230915:203'",
            "CNT+16:1'",
        ],
    )


def codeco_gate_out(ref: str, container: str) -> bytes:
    return _envelope(
        "PSAT",
        ref,
        [
            "UNH+1+CODECO:D:95B:UN:ITG14'",
            f"BGM+36+{ref}+9'",
            "LOC+11+BEANR:139:6+PSAT:TER:ZZZ'",
            "NAD+MS+PSAT:172:20'",
            f"EQD+CN+{container}+45G1:102:5++3+5'",
            "DTM+7:202611231400:203'",
            "TDT+1++3+31'",
            "CNT+16:1'",
        ],
    )


def _header(ref: str, sender_eori: str) -> str:
    return (
        f"<header><messageId>{ref}</messageId><sender>"
        "<identificationType>Eori</identificationType>"
        f"<identificationCode>{sender_eori}</identificationCode></sender>"
        "<timestamp>2026-11-23T08:30:00Z</timestamp></header>"
    )


def release_action(
    ref: str, party: str, action: str, container: str, release: str, to: str = ""
) -> bytes:
    extra = (
        "<releaseTo><identificationType>Eori</identificationType>"
        f"<identificationCode>{EORI[to]}</identificationCode></releaseTo>"
        if to
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ReleaseRightAction xmlns="urn:hub:release:1">'
        f"{_header(ref, EORI[party])}<actionType>{action}</actionType>"
        f"<equipmentNumber>{container}</equipmentNumber>"
        f"<releaseIdentification>{release}</releaseIdentification>{extra}</ReleaseRightAction>"
    ).encode()


def customs_status(ref: str, bl: str, status: str = "released") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomsStatusReport xmlns="urn:hub:customs:1">'
        f"{_header(ref, EORI['BECUSTOMS'])}<billOfLadingStatus>"
        f"<billOfLadingNumber>{bl}</billOfLadingNumber><status>{status}</status>"
        "</billOfLadingStatus></CustomsStatusReport>"
    ).encode()


def alfapass(n: int) -> str:
    return f"AP{n % 10_000_000:07d}"


def pickup_assign(ref: str, container: str, release: str, n: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<PickupRightAction xmlns="urn:hub:release:1">'
        f"{_header(ref, EORI['TRUCKCO'])}<actionType>Assign</actionType>"
        f"<equipmentNumber>{container}</equipmentNumber>"
        f"<releaseIdentification>{release}</releaseIdentification>"
        "<pickupParty><partyType>Truck</partyType><identificationType>Alfapass"
        f"</identificationType><identificationCode>{alfapass(n)}</identificationCode>"
        f"<truckAppointmentReference>TAR-PSAT-{n:07d}</truckAppointmentReference>"
        "</pickupParty></PickupRightAction>"
    ).encode()


def story(container: str, n: int, tag: str, upto: int = len(STAGES)) -> list[Msg]:
    """The first `upto` stages of one container's story; `tag` (3 characters) keeps runs apart.

    Every reference is at most 14 characters (UNB 0020)."""
    release, bl = f"REL{tag}{n:07d}", f"BL{tag}{n:07d}"

    def ref(stage: int) -> str:
        return f"{tag}{stage}{n:07d}"

    bodies: list[tuple[str, str, bytes]] = [
        ("MSCBE", EDIFACT, coreor_release(ref(0), release, container, bl)),
        ("FWDANT", XML, release_action(ref(1), "FWDANT", "Accept", container, release)),
        (
            "FWDANT",
            XML,
            release_action(ref(2), "FWDANT", "Transfer", container, release, "TRUCKCO"),
        ),
        ("TRUCKCO", XML, release_action(ref(3), "TRUCKCO", "Accept", container, release)),
        ("BECUSTOMS", XML, customs_status(ref(4), bl)),
        ("PSAT", EDIFACT, coarri_discharge(ref(5), container)),
        ("TRUCKCO", XML, pickup_assign(ref(6), container, release, n)),
        ("PSAT", EDIFACT, codeco_gate_out(ref(7), container)),
    ]
    return [
        Msg(party, body, ref(s), kind, STAGES[s], container)
        for s, (party, kind, body) in enumerate(bodies[:upto])
    ]


def bl_of(n: int, tag: str) -> str:
    return f"BL{tag}{n:07d}"


def poison_messages(tag: str, n: int) -> list[Msg]:
    """One message of each kind that must be rejected and quarantined (no effect on state)."""
    ghost = containers(1, seed=n * 7919 + sum(map(ord, tag)))[0]
    bad = ghost[:10] + str((int(ghost[10]) + 1) % 10)
    ref = f"{tag}P{n:07d}"
    unsupported = _envelope("MSCBE", ref + "U", ["UNH+1+IFTMIN:D:95B:UN'", f"BGM+610+{ref}+9'"])
    return [
        Msg(
            "MSCBE",
            f"garbage {tag} {n} \x00\x01 not a message".encode(),
            "",
            EDIFACT,
            "poison:garbage",
        ),
        Msg("MSCBE", unsupported, ref + "U", EDIFACT, "poison:unsupported"),
        Msg(
            "MSCBE",
            coreor_release(ref + "C", f"BAD{tag}{n:07d}", bad, f"BLX{tag}{n:07d}"),
            ref + "C",
            EDIFACT,
            "poison:bad-container",
            bad,
        ),
        # FWDANT's broker user, but the XML names TRUCKCO as its sender
        Msg(
            "FWDANT",
            release_action(ref + "S", "TRUCKCO", "Accept", ghost, f"REL{ref}"),
            ref + "S",
            XML,
            "poison:spoofed",
            ghost,
        ),
        # an accept for a container that has no release: refused by policy
        Msg(
            "FWDANT",
            release_action(ref + "R", "FWDANT", "Accept", ghost, f"REL{ref}"),
            ref + "R",
            XML,
            "poison:refused",
            ghost,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# The world: broker users, a database per test, hub processes, partners publishing

BROKER_PARTIES = ("MSCBE", "FWDANT", "TRUCKCO", "BECUSTOMS", "PSAT")
PG_ADMIN = os.environ.get("HUB_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_PORT = 5432
AMQP_PORT = 5672
INBOUND, DEAD, TERMINAL = "hub.inbound", "hub.inbound.dead", "terminal.PSAT"


def psql(sql: str, url: str = PG_ADMIN) -> str:
    done = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout


def hub_cli(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*HUB, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    if check:
        assert done.returncode == 0, f"hub {' '.join(args)} failed: {done.stderr[-2000:]}"
    return done


def wait_until(
    what: str, predicate: Callable[[], bool], timeout: float, every: float = 0.5
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def partners_file(path: Path, suffix: str) -> dict[str, str]:
    """The sample partners that send in these tests, with broker users of their own (broker
    users are broker-wide: never reuse the samples' names other sessions use), and NEWTRUCK, a
    transport operator approved but not yet active. Returns party id → broker user."""
    doc = yaml.safe_load((SAMPLES / "partners.yaml").read_text())
    kept = [p for p in doc["partners"] if p["party_id"] in BROKER_PARTIES]
    for p in kept:
        p["broker_user"] = f"{p['broker_user']}-{suffix}"
    kept.append(
        {
            "party_id": "NEWTRUCK",
            "name": "New Trucking BV",
            "vat": EORI["NEWTRUCK"],
            "eori": EORI["NEWTRUCK"],
            "country": "BE",
            "roles": ["transport_operator"],
            "status": "approved",
            "outbound_format": "xml",
        }
    )
    path.write_text(yaml.safe_dump({"partners": kept}))
    return {p["party_id"]: p["broker_user"] for p in kept if p.get("broker_user")}


@dataclass
class World:
    """One vhost and one set of broker users for a test module; a database per `fresh()`."""

    dir: Path
    vhost: str
    users: dict[str, str]
    passwords: dict[str, str]
    partners_yaml: Path
    databases: list[str] = field(default_factory=list)

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{AMQP_PORT}/{self.vhost}"

    def user_url(self, party: str, port: int = AMQP_PORT) -> str:
        user = self.users[party]
        return f"amqp://{user}:{self.passwords[user]}@127.0.0.1:{port}/{self.vhost}"

    @classmethod
    def create(cls, directory: Path) -> World:
        """A vhost, broker users made by `hub broker setup`, their credentials."""
        tag = uuid.uuid4().hex[:8]
        vhost = f"hub-faults-{tag}"
        rabbitmqctl("add_vhost", vhost)
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        partners_yaml = directory / "partners.yaml"
        users = partners_file(partners_yaml, tag)
        world = cls(directory, vhost, users, {}, partners_yaml)
        db_url = world.new_database()
        env = world.env(db_url)
        hub_cli(env, "partners", "load", str(partners_yaml))
        hub_cli(env, "broker", "setup")
        world.passwords = json.loads(Path(env["HUB_BROKER_CREDENTIALS"]).read_text())
        world.drop_database(db_url)
        return world

    def destroy(self) -> None:
        for name in list(self.databases):
            with contextlib.suppress(subprocess.SubprocessError):
                psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        for user in self.users.values():
            with contextlib.suppress(subprocess.SubprocessError):
                rabbitmqctl("delete_user", user)
        with contextlib.suppress(subprocess.SubprocessError):
            rabbitmqctl("delete_vhost", self.vhost)

    def new_database(self) -> str:
        name = f"hub_faults_{uuid.uuid4().hex[:10]}"
        psql(f"CREATE DATABASE {name}")
        self.databases.append(name)
        return f"postgresql://postgres@127.0.0.1:{PG_PORT}/{name}"

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.databases.remove(name)

    def env(self, db_url: str, amqp_url: str = "", **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "HUB_DATABASE_URL": db_url,
            "HUB_AMQP_URL": amqp_url or self.amqp_url,
            "HUB_BROKER_CREDENTIALS": str(self.dir / "broker-credentials.json"),
            "HUB_BATCH_WAIT": "0.05",
            "HUB_LOG_LEVEL": "INFO",
            **{f"HUB_{k.upper()}": v for k, v in extra.items()},
        }

    def fresh(self, tokens_tier: str = "medium") -> str:
        """A new database with the schema, the partners, and TRUCKCO holding `tokens_tier`
        tokens; the hub's queues purged. Returns the database URL."""
        from hub.adapters.inprocess import InProcessTransport
        from hub.bootstrap import build
        from hub.config import Settings
        from hub.entrypoints.partners_file import load_partners_file
        from hub.service_layer.subscriptions import buy, top_up

        url = self.new_database()
        hub = build(Settings(database_url=url), transport=InProcessTransport())
        with hub.uow() as uow:
            for partner in load_partners_file(self.partners_yaml):
                uow.partners.save(partner)
            uow.wallets.pair("TRUCKCO", f"W-{uuid.uuid4().hex[:8]}", hub.clock())
            top_up(uow, "TRUCKCO", "1000.00", hub.clock(), cause="faults setup")
            bought = buy(uow, "TRUCKCO", tokens_tier, hub.clock(), cause="faults setup")
            assert not hasattr(bought, "reason"), bought
            uow.commit()
        hub.close()
        self.purge()
        return url

    def purge(self) -> None:
        with pika.BlockingConnection(pika.URLParameters(self.amqp_url)) as conn:
            ch = conn.channel()
            for queue in (INBOUND, DEAD, TERMINAL, *(f"partner.{p}" for p in BROKER_PARTIES)):
                with contextlib.suppress(pika.exceptions.ChannelClosedByBroker):
                    ch.queue_purge(queue)
                if ch.is_closed:
                    ch = conn.channel()

    def depths(self) -> dict[str, tuple[int, int]]:
        """Queue → (ready, unacknowledged), from rabbitmqctl."""
        text = rabbitmqctl(
            "list_queues", "-p", self.vhost, "name", "messages_ready",
            "messages_unacknowledged", "--formatter", "json",
        )  # fmt: skip
        return {
            q["name"]: (int(q["messages_ready"]), int(q["messages_unacknowledged"]))
            for q in json.loads(text or "[]")
        }

    def ready(self, queue: str) -> int:
        """Messages ready in `queue` (asked of the queue itself, never a stale statistic)."""
        with pika.BlockingConnection(pika.URLParameters(self.amqp_url)) as conn:
            ok = conn.channel().queue_declare(queue, passive=True)
            return int(ok.method.message_count)

    def drain(self, queue: str) -> list[tuple[Any, bytes]]:
        """Everything waiting in `queue` (read as guest), acked."""
        got: list[tuple[Any, bytes]] = []
        with pika.BlockingConnection(pika.URLParameters(self.amqp_url)) as conn:
            ch = conn.channel()
            while True:
                method, props, body = ch.basic_get(queue, auto_ack=True)
                if method is None:
                    return got
                got.append((props, body))


class Sender:
    """Partners publishing to `hub.inbound`, each on a connection as its own broker user, so
    that RabbitMQ stamps and checks `user_id` (a party with no broker user of its own publishes
    as `guest`: authenticated, but no partner). Use from one thread only."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._channels: dict[str, Any] = {}
        self._conns: list[pika.BlockingConnection] = []
        self.sent: list[tuple[Msg, str]] = []

    def _channel(self, party: str) -> Any:
        if party not in self._channels:
            url = self.world.user_url(party) if party in self.world.users else self.world.amqp_url
            params = pika.URLParameters(url)
            params.heartbeat = 0
            conn = pika.BlockingConnection(params)
            ch = conn.channel()
            ch.confirm_delivery()
            self._conns.append(conn)
            self._channels[party] = ch
        return self._channels[party]

    def send(self, msg: Msg, message_id: str = "") -> str:
        message_id = message_id or uuid.uuid4().hex
        self._channel(msg.party).basic_publish(
            INBOUND,
            msg.party,
            msg.body,
            pika.BasicProperties(
                delivery_mode=pika.DeliveryMode.Persistent,
                user_id=self.world.users.get(msg.party, "guest"),
                message_id=message_id,
                content_type=msg.content_type,
            ),
            mandatory=True,
        )
        self.sent.append((msg, message_id))
        return message_id

    def close(self) -> None:
        for conn in self._conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._conns.clear()
        self._channels.clear()


class Streamer(threading.Thread):
    """Publishes `messages` in the background, at most `rate` a second (0: as fast as it can);
    `resend` is the share of messages published a second time later on (a partner's resend)."""

    def __init__(
        self,
        world: World,
        messages: Iterable[Msg],
        rate: float = 0,
        resend: float = 0.0,
        resend_after: tuple[int, int] = (20, 200),
    ) -> None:
        super().__init__(daemon=True, name="streamer")
        self.world, self.messages, self.rate, self.resend = world, list(messages), rate, resend
        self.resend_after = resend_after
        self.sent: list[tuple[Msg, str]] = []
        self.error: BaseException | None = None
        self.rng = random.Random(7)

    def run(self) -> None:
        sender = Sender(self.world)
        began = time.monotonic()
        later: list[tuple[int, Msg]] = []
        try:
            for i, msg in enumerate(self.messages):
                if self.rate:
                    delay = began + i / self.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                sender.send(msg)
                if self.resend and self.rng.random() < self.resend:
                    later.append((i + self.rng.randrange(*self.resend_after), msg))
                    later.sort(key=lambda x: x[0])
                while later and later[0][0] <= i:
                    sender.send(later.pop(0)[1])
            for _, msg in later:
                sender.send(msg)
        except BaseException as exc:  # reported by `finish`
            self.error = exc
        finally:
            self.sent = sender.sent
            sender.close()

    def finish(self, timeout: float = 120) -> list[tuple[Msg, str]]:
        self.join(timeout)
        assert not self.is_alive(), "the publisher did not finish"
        if self.error is not None:
            raise AssertionError(f"publishing failed: {self.error!r}") from self.error
        return self.sent


class CausalStreamer(threading.Thread):
    """Publishes container stories the way partners do: a container's next message only once
    the hub has recorded its previous one (its inbox row is committed), as a forwarder accepts
    only after it was told of the transfer. Order then holds whatever the faults, redeliveries
    or competing consumers; up to `window` containers are on their way at once.

    `extra` messages (poison, say) are spread over the stream; `resend` is the share of
    messages a partner publishes twice (a resend after a timeout: same payload, new AMQP id).
    """

    def __init__(
        self,
        world: World,
        engine: Engine,
        stories: Sequence[Sequence[Msg]],
        *,
        rate: float = 0,
        window: int = 100,
        resend: float = 0.0,
        extra: Sequence[Msg] = (),
        seed: int = 7,
    ) -> None:
        super().__init__(daemon=True, name="causal-streamer")
        self.world, self.engine = world, engine
        self.stories = [list(s) for s in stories]
        self.rate, self.window, self.resend = rate, window, resend
        self.extra = list(extra)
        self.rng = random.Random(seed)
        self.sent: list[tuple[Msg, str]] = []
        self.error: BaseException | None = None
        self.stalled_polls = 0
        self._halt = threading.Event()

    def run(self) -> None:
        sender = Sender(self.world)
        try:
            self._run(sender)
        except BaseException as exc:  # reported by `finish`
            self.error = exc
        finally:
            self.sent = sender.sent
            sender.close()

    def _run(self, sender: Sender) -> None:
        todo = list(range(len(self.stories)))
        stage = dict.fromkeys(todo, 0)
        waiting: dict[str, int] = {}  # dedup key of the last message sent -> story
        ready: list[int] = []
        total = sum(len(s) for s in self.stories) + len(self.extra)
        extra_every = max(1, total // (len(self.extra) + 1)) if self.extra else 0
        extras, count, began = list(self.extra), 0, time.monotonic()
        resends: list[tuple[int, Msg]] = []
        while (todo or waiting or ready) and not self._halt.is_set():
            while len(waiting) + len(ready) < self.window and todo:
                ready.append(todo.pop(0))
            if not ready:
                self._poll(waiting, ready)
                continue
            i = ready.pop(0)
            msg = self.stories[i][stage[i]]
            self._pace(began, count)
            sender.send(msg)
            count += 1
            stage[i] += 1
            if stage[i] < len(self.stories[i]):
                waiting[msg.dedup_key] = i
            if self.resend and self.rng.random() < self.resend:
                resends.append((count + self.rng.randrange(5, 100), msg))
            while resends and resends[0][0] <= count:
                sender.send(resends.pop(0)[1])
            resends.sort(key=lambda r: r[0])
            if extras and count % extra_every == 0:
                sender.send(extras.pop(0))
            if count % 50 == 0:
                self._poll(waiting, ready, wait=False)
        for _, msg in resends:
            sender.send(msg)
        for msg in extras:
            sender.send(msg)

    def _pace(self, began: float, count: int) -> None:
        if self.rate:
            delay = began + count / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def _poll(self, waiting: dict[str, int], ready: list[int], wait: bool = True) -> None:
        """Move the stories whose last message the hub has recorded to `ready`."""
        if wait:
            time.sleep(0.2)
        if not waiting:
            return
        with self.engine.connect() as conn:
            done = set(
                conn.scalars(select(inbox.c.dedup_key).where(inbox.c.dedup_key.in_(waiting)))
            )
        if not done:
            self.stalled_polls += 1
        for key in done:
            ready.append(waiting.pop(key))

    def finish(self, timeout: float = 120) -> list[tuple[Msg, str]]:
        self.join(timeout)
        if self.is_alive():
            self._halt.set()
            self.join(10)
            raise AssertionError(f"the stream did not finish in {timeout:.0f}s")
        if self.error is not None:
            raise AssertionError(f"publishing failed: {self.error!r}") from self.error
        return self.sent


class HubRun:
    """`hub run` as a child process, logs to a file; every incarnation kept for assertions."""

    def __init__(self, env: dict[str, str], logs: Path, name: str = "hub") -> None:
        self.env, self.logs, self.name = env, logs, name
        self.generation = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.start()

    def start(self) -> None:
        self.generation += 1
        log = self.logs / f"{self.name}-{self.generation}.log"
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [*HUB, "run"], env=self.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.kills += 1

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait: the current batch finishes, the process exits 0."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise
        return int(self.proc.returncode)

    def output(self) -> str:
        return "".join(
            (self.logs / f"{self.name}-{g}.log").read_text(errors="replace")
            for g in range(1, self.generation + 1)
        )

    def stats(self) -> dict[str, int]:
        """The counters of the last clean stop ("stopped: received=... applied=...")."""
        line = [x for x in self.output().splitlines() if x.startswith("stopped: ")]
        if not line:
            return {}
        return {k: int(v) for k, v in (p.split("=") for p in line[-1][9:].split())}


# ---------------------------------------------------------------------------------------------
# Invariants


def audit_ref(msg: Msg) -> str:
    """The `message_ref` of the "received <TYPE>" audit entry of a business message."""
    return f"{msg.dedup_key}/{msg.ref if msg.content_type == XML else '1'}"


@dataclass
class Figures:
    """What a run did, as the database and the terminal queue tell it."""

    sent: int = 0
    resent: int = 0
    distinct: int = 0
    valid: int = 0
    poison: int = 0
    applied: int = 0
    rejected: int = 0
    quarantined: int = 0
    duplicates_ignored: int = 0
    tokens_consumed: int = 0
    gate_messages: int = 0
    gate_deliveries: int = 0
    outbox_rows: int = 0
    partner_queue_messages: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "problems"} | {
            "problems": self.problems[:50]
        }

    def assert_ok(self) -> None:
        shown = "\n  ".join(self.problems[:30])
        assert not self.problems, f"{len(self.problems)} invariant(s) broken:\n  {shown}"


def engine_for(url: str) -> Engine:
    return create_engine("postgresql+psycopg://" + url.removeprefix("postgresql://"))


def pending_work(engine: Engine, keys: int, poison: int = 0) -> str:
    """'' when the hub has recorded `keys` inbox rows, quarantined at least `poison` payloads
    and published its whole outbox."""
    with engine.connect() as conn:
        seen = conn.scalar(select(func.count()).select_from(inbox)) or 0
        held = conn.scalar(select(func.count()).select_from(quarantine)) or 0
        unsent = conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    if seen < keys:
        return f"{seen}/{keys} messages recorded"
    if held < poison:
        return f"{held}/{poison} poison messages quarantined"
    return f"{unsent} outbox row(s) unsent" if unsent else ""


def wait_settled(
    world: World, engine: Engine, sent: Sequence[tuple[Msg, str]], timeout: float
) -> None:
    """Until every business message has its inbox row, the outbox is empty and the inbound
    queue has nothing ready or unacknowledged."""
    keys = len({m.dedup_key for m, _ in sent if m.recorded})
    poison = len({m.body for m, _ in sent if m.poison})
    state = {"last": ""}

    def settled() -> bool:
        state["last"] = pending_work(engine, keys, poison)
        if state["last"]:
            return False
        ready = world.ready(INBOUND)
        state["last"] = f"{ready} message(s) ready in hub.inbound"
        return ready == 0

    try:
        wait_until("the hub to settle", settled, timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {state['last']}") from None


def check_invariants(
    world: World,
    engine: Engine,
    sent: Sequence[tuple[Msg, str]],
    *,
    stories: bool = True,
    replayed: Iterable[str] = (),
    gate_free: Iterable[str] = (),
) -> Figures:
    """Exactly-once effects, nothing lost, nothing twice; returns the figures and every broken
    invariant in `problems`. `stories`: the valid messages are whole or partial container stories
    (`story`), so each container's final state, tokens and gate messages are known exactly."""
    f = Figures(sent=len(sent))
    valid = {m.dedup_key: m for m, _ in sent if not m.poison}
    poison = {m.body: m for m, _ in sent if m.poison}
    f.distinct, f.valid, f.poison = len(valid) + len(poison), len(valid), len(poison)
    f.resent = f.sent - len({m.body for m, _ in sent})
    bad = f.problems.append
    with engine.connect() as conn:
        _check_inbox(conn, f, valid, poison)
        _check_audit(conn, f, valid, set(replayed))
        _check_quarantine(conn, f, poison)
        gates = _check_gate(conn, f)
        if stories:
            _check_stories(conn, f, valid, gates, set(gate_free))
        f.outbox_rows = conn.scalar(select(func.count()).select_from(outbox)) or 0
        unsent = conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
        if unsent:
            bad(f"{unsent} outbox row(s) never sent")
        partner_rows = Counter(
            conn.scalars(select(outbox.c.routing_key).where(outbox.c.exchange == "hub.partner"))
        )
        for brk in audit_trail.verify(conn):
            bad(f"audit chain: {brk}")
    _check_terminal(world, f, gates)
    for queue in (INBOUND, DEAD):  # the hubs are stopped: unacked messages are ready again
        if left := world.ready(queue):
            bad(f"{queue} still holds {left} message(s)")
    for party, rows in partner_rows.items():
        ready = world.ready(f"partner.{party}")
        f.partner_queue_messages += ready
        if ready < rows:
            bad(f"partner.{party} holds {ready} message(s), the outbox sent it {rows}")
    return f


def _check_inbox(conn: Any, f: Figures, valid: dict[str, Msg], poison: dict[bytes, Msg]) -> None:
    rows = {(r.sender, r.dedup_key): r.outcome for r in conn.execute(select(inbox))}
    outcomes = Counter(rows.values())
    f.applied, f.rejected = outcomes["applied"], outcomes["rejected"]
    for m in valid.values():
        got = rows.pop((m.party, m.dedup_key), None)
        if got != "applied":
            f.problems.append(f"{m.kind} {m.ref} ({m.container}): inbox outcome {got!r}")
    for m in poison.values():
        if m.ref:
            rows.pop((m.party, m.dedup_key), None)
    rows = {k: v for k, v in rows.items() if "#replay" not in k[1]}
    for key, outcome in list(rows.items())[:10]:
        f.problems.append(f"unexpected inbox row {key}: {outcome}")


def _check_audit(conn: Any, f: Figures, valid: dict[str, Msg], replayed: set[str]) -> None:
    received: Counter[str] = Counter()
    for action, ref in conn.execute(select(audit.c.action, audit.c.message_ref)):
        if action.startswith("received "):
            received[ref] += 1
        elif action == "duplicate":
            f.duplicates_ignored += 1
    for m in valid.values():
        if received[audit_ref(m)] != 1:
            f.problems.append(f"{m.kind} {m.ref}: audited as received {received[audit_ref(m)]}x")
    for ref, n in received.items():
        if n > 1 and ref.split("/")[0] not in replayed:
            f.problems.append(f"{ref}: received (applied or rejected) {n} times")


def _check_quarantine(conn: Any, f: Figures, poison: dict[bytes, Msg]) -> None:
    rows = list(conn.execute(select(quarantine.c.id, quarantine.c.reason, quarantine.c.payload)))
    f.quarantined = len(rows)
    per_payload = Counter(bytes(r.payload) for r in rows)
    for r in rows:
        if r.reason.startswith("internal error"):
            f.problems.append(f"quarantine {r.id}: {r.reason[:160]}")
        if bytes(r.payload) not in poison:
            f.problems.append(f"quarantine {r.id} holds a valid message: {r.reason[:120]}")
    for body, m in poison.items():
        if per_payload[body] != 1:
            f.problems.append(f"{m.kind} {m.ref or body[:20]!r} quarantined {per_payload[body]}x")


Gates = dict[str, list[tuple[int, str]]]


def _check_gate(conn: Any, f: Figures) -> Gates:
    """Per container, gate messages are numbered 1..n without gap or repeat, authorisation and
    withdrawal alternate, and each is the one audited GateAuthorised / GateWithdrawn event."""
    gates: Gates = defaultdict(list)
    query = select(outbox.c.container, outbox.c.message_type, outbox.c.headers).where(
        outbox.c.exchange == "hub.gate"
    )
    for container, kind, headers in conn.execute(query):
        gates[container].append((int(headers["sequence"]), kind))
    f.gate_messages = sum(len(v) for v in gates.values())
    audited: Counter[tuple[str, str]] = Counter()
    query2 = select(audit.c.container, audit.c.action).where(
        audit.c.action.in_(("GateAuthorised", "GateWithdrawn"))
    )
    for container, action in conn.execute(query2):
        audited[(container, action)] += 1
    for container, items in gates.items():
        items.sort()
        if [s for s, _ in items] != list(range(1, len(items) + 1)):
            f.problems.append(f"{container}: gate sequences {[s for s, _ in items]}")
        for seq, kind in items:
            if kind != ("GateAuthorised" if seq % 2 else "GateWithdrawn"):
                f.problems.append(f"{container}: gate message {seq} is {kind}")
        for kind in ("GateAuthorised", "GateWithdrawn"):
            n = sum(1 for _, k in items if k == kind)
            if audited[(container, kind)] != n:
                f.problems.append(
                    f"{container}: {audited[(container, kind)]} {kind} audited, {n} published"
                )
    return gates


def _check_stories(
    conn: Any, f: Figures, valid: dict[str, Msg], gates: Gates, gate_free: set[str]
) -> None:
    """Final status, gate messages and tokens of containers whose stories were sent; for those
    in `gate_free` (lights flipped at random afterwards) gate messages are not known exactly."""
    stages: dict[str, set[str]] = defaultdict(set)
    for m in valid.values():
        if m.container and m.kind in STAGES:
            stages[m.container].add(m.kind)
    status = {
        r.container: r.status
        for r in conn.execute(select(container_files.c.container, container_files.c.status))
    }
    for container, done in stages.items():
        want = "picked_up" if "gate_out" in done else "released"
        if status.get(container) != want:
            f.problems.append(f"{container}: status {status.get(container)!r}, expected {want}")
        want_gate = [(1, "GateAuthorised")] if "assign" in done else []
        want_gate += [(2, "GateWithdrawn")] if "gate_out" in done else []
        if container not in gate_free and gates.get(container, []) != want_gate:
            f.problems.append(
                f"{container}: gate messages {gates.get(container)}, want {want_gate}"
            )
    entries = list(
        conn.execute(
            select(token_entries.c.kind, token_entries.c.key, token_entries.c.tokens).where(
                token_entries.c.party == "TRUCKCO"
            )
        )
    )
    consumed = Counter(e.key for e in entries if e.kind == "consume")
    f.tokens_consumed = consumed.total()
    want_tokens = sum(1 for done in stages.values() if "accept_tr" in done)
    if f.tokens_consumed != want_tokens or any(n != 1 for n in consumed.values()):
        f.problems.append(f"TRUCKCO consumed {f.tokens_consumed} tokens, expected {want_tokens}")
    refunds = [e for e in entries if e.kind == "refund"]
    if refunds:
        f.problems.append(f"{len(refunds)} unexpected token refund(s)")


def _check_terminal(world: World, f: Figures, gates: Gates) -> None:
    """The terminal's queue got every gate message at least once (repeats carry the same id)."""
    got: dict[tuple[str, int], set[str]] = defaultdict(set)
    ids: dict[str, tuple[str, int]] = {}
    for props, _body in world.drain(TERMINAL):
        headers = props.headers or {}
        key = (str(headers.get("container")), int(headers.get("sequence", 0)))
        got[key].add(props.message_id)
        if ids.setdefault(props.message_id, key) != key:
            f.problems.append(
                f"message id {props.message_id} carried {ids[props.message_id]} and {key}"
            )
        f.gate_deliveries += 1
    want = {(c, s) for c, items in gates.items() for s, _ in items}
    missing = sorted(want - set(got))
    if missing:
        f.problems.append(
            f"{len(missing)} gate message(s) never reached the terminal: {missing[:5]}"
        )
    extra = sorted(set(got) - want)
    if extra:
        f.problems.append(f"terminal got gate messages the outbox does not hold: {extra[:5]}")
    for key, mids in got.items():
        if len(mids) != 1:
            f.problems.append(f"gate message {key} came with {len(mids)} different ids")


# ---------------------------------------------------------------------------------------------
# One test's run: a fresh database, proxies, hub processes


def require_servers() -> None:
    from tests.conftest import _missing, _port_open

    if not _port_open(PG_PORT) or not _port_open(AMQP_PORT):
        _missing("PostgreSQL and RabbitMQ on 127.0.0.1")


@dataclass
class Run:
    """Everything one test starts, stopped and removed by `close`."""

    world: World
    db_url: str
    logs: Path
    engine: Engine = field(init=False)
    hubs: list[HubRun] = field(default_factory=list)
    proxies: list[Proxy] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = engine_for(self.db_url)

    def proxy(self, port: int) -> Proxy:
        p = Proxy(port)
        self.proxies.append(p)
        return p

    def env(
        self, *, pg: Proxy | None = None, amqp: Proxy | None = None, **extra: str
    ) -> dict[str, str]:
        db_url = pg.url(self.db_url) if pg else self.db_url
        amqp_url = amqp.url(self.world.amqp_url) if amqp else self.world.amqp_url
        return self.world.env(db_url, amqp_url, **extra)

    def hub(self, name: str = "hub", env: dict[str, str] | None = None, **kw: Any) -> HubRun:
        h = HubRun(env or self.env(**kw), self.logs, name)
        self.hubs.append(h)
        return h

    def settle(self, sent: Sequence[tuple[Msg, str]], timeout: float = 60) -> None:
        wait_settled(self.world, self.engine, sent, timeout)

    def check(self, sent: Sequence[tuple[Msg, str]], **kw: Any) -> Figures:
        """Stop the hubs (SIGTERM: each must exit 0), then check every invariant."""
        codes = {f"{h.name}-{h.generation}": h.stop() for h in self.hubs if h.alive}
        figures = check_invariants(self.world, self.engine, sent, **kw)
        figures.problems += [f"{name} exited with {code}" for name, code in codes.items() if code]
        return figures

    def close(self) -> None:
        for h in self.hubs:
            if h.alive:
                with contextlib.suppress(Exception):
                    h.stop(timeout=20)
        for p in self.proxies:
            p.close()
        self.engine.dispose()
        self.world.drop_database(self.db_url)
