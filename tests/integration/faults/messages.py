"""Inbound payloads as partners send them: container stories (valid ISO 6346 numbers) and
poison messages."""

from __future__ import annotations

import random
from dataclasses import dataclass

from hub.domain.containers import check_digit
from tests.integration.faults.common import EDIFACT, XML

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
        """Whether the hub keeps an inbox row under its business key (`dedup_key`)."""
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
