"""Benchmark workload: many containers, each with its whole story, as the partners send it.

Per container, eight inbound messages (the `hub demo` story, one container per message):

    MSCBE     COREOR release (EDIFACT)          FWDANT    XML accept
    FWDANT    XML transfer to TRUCKCO           TRUCKCO   XML accept (one token)
    BECUSTOMS XML customs status of its B/L     PSAT      COARRI discharge (EDIFACT)
    TRUCKCO   XML pickup assignment (→ gate)    PSAT      CODECO gate-out (EDIFACT)

`staggered` interleaves the stories like a port does: at every step a new container starts
while older ones move on, so every message type is in the mix at once, and the messages of one
container are `lag` steps (about 8 x lag messages) apart — more than a worker's prefetch window,
so competing consumers never see a container's next step before its previous one committed.

Also: the parser anchor (a 23-segment COREOR) and a large COARRI (about 500 bytes a container,
so 20,000 containers make about 10 MB).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

EDIFACT = "application/edifact"
XML = "application/xml"

# Broker users of samples/partners.yaml (the hub resolves the sender by `user_id`).
USERS = {
    "MSCBE": "mscbe",
    "FWDANT": "fwdant",
    "TRUCKCO": "truckco",
    "BECUSTOMS": "becustoms",
    "PSAT": "psat",
}
EORI = {"FWDANT": "BE0456789034", "TRUCKCO": "BE0876543270", "BECUSTOMS": "BE0234567873"}
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
ASSIGN = STAGES.index("assign")
OWNERS = ("MSCU", "MEDU", "FCIU", "TGHU", "CAIU", "TCLU", "GESU", "SEGU")


def check_digit(code: str) -> int | None:
    """ISO 6346 check digit of the first 10 characters; None when it would be 10 (unused)."""
    total = 0
    for i, ch in enumerate(code[:10]):
        if ch.isdigit():
            value = int(ch)
        else:
            value = ord(ch) - 55  # A=10
            value += (value - 1) // 10  # skip 11, 22, 33
        total += value << i
    digit = total % 11
    return None if digit == 10 else digit


def containers(count: int, start: int = 0) -> list[str]:
    """`count` distinct valid container numbers; `start` keeps runs apart."""
    found: list[str] = []
    serial = start
    while len(found) < count:
        owner = OWNERS[serial % len(OWNERS)]
        base = f"{owner}{serial // len(OWNERS) % 1_000_000:06d}"
        digit = check_digit(base)
        if digit is not None:
            found.append(f"{base}{digit}")
        serial += 1
    return found


@dataclass(frozen=True)
class Message:
    """One inbound message, with what a partner sets when publishing it."""

    party: str
    body: bytes
    message_id: str
    content_type: str
    stage: str
    container: str

    @property
    def user_id(self) -> str:
        return USERS[self.party]


def _edifact(lines: list[str]) -> bytes:
    """UNA + UNB + lines + UNT/UNZ with correct counts; lines start at UNH."""
    return ("\n".join(lines) + "\n").encode("ascii")


def _envelope(sender: str, ctl: str, body: list[str], app: str = "") -> bytes:
    unb = f"UNB+UNOC:3+{sender}:ZZZ+CPUHUB:ZZZ+261123:0800+{ctl}" + (f"++{app}'" if app else "'")
    segments = [*body, f"UNT+{len(body) + 1}+1'"]
    return _edifact(["UNA:+.? '", unb, *segments, f"UNZ+1+{ctl}'"])


def coreor_release(ctl: str, release: str, pairs: list[tuple[str, str]]) -> bytes:
    """A COREOR original releasing containers (with their B/Ls) at PSAT to FWDANT."""
    body = [
        "UNH+1+COREOR:D:95B:UN:SMDG20'",
        f"BGM+129+{release}+9'",
        "DTM+137:202611230800:203'",
        "DTM+36:20271231:102'",
        f"RFF+RE:{release}'",
        *(f"RFF+BM:{bl}'" for _, bl in pairs),
        "TDT+20+FA609R+1++MSC:172:20+++9839430:146::MSC ISABELLA'",
        "LOC+11+BEANR:139:6+PSAT:TER:ZZZ'",
        "NAD+MS+MSCBE:160:ZZZ'",
        "NAD+FW+FWDANT:160:ZZZ'",
    ]
    for container, bl in pairs:
        body += [f"EQD+CN+{container}+45G1:102:5++3+5'", f"RFF+BM:{bl}'"]
    body.append(f"CNT+16:{len(pairs)}'")
    return _envelope("MSCBE", ctl, body, "COREOR")


def anchor_coreor() -> bytes:
    """The parser anchor: a 23-segment COREOR (three containers; UNA counts as one)."""
    pairs = list(
        zip(
            containers(3, start=7_000_000), ("MEDUAB123456", "MEDUAB654321", "MEDUAB7"), strict=True
        )
    )
    return coreor_release("MSC0000101", "MSCANR260302001", pairs)


def coarri_discharge(ctl: str, items: list[str], rich: bool = False) -> bytes:
    """A COARRI discharge of `items` at PSAT; `rich` adds the segments a vessel report carries
    (B/L, stowage, port of loading, weight, seal, free text: about 500 bytes a container)."""
    body = [
        "UNH+1+COARRI:D:95B:UN:ITG13'",
        f"BGM+44+{ctl}+9'",
        "TDT+20+245N+1++MSC:172:20+++9290555:146::MSC ANNA'",
        "LOC+11+BEANR:139:6+PSAT:TER:ZZZ'",
        "DTM+132:202611230900:203'",
    ]
    for n, container in enumerate(items):
        body.append(f"EQD+CN+{container}+45G1:102:5++3+5'")
        if rich:
            body += [
                f"RFF+BM:MEDUBL{n:08d}'",
                "DTM+203:202611230915:203'",
                "LOC+9+CNSHA:139:6'",
                f"LOC+147+{n % 90:02d}{n % 20:02d}{n % 14:02d}2::5'",
                "MEA+AAE+VGM+KGM:23456.7'",
                f"SEL+SEAL{n:09d}+CA'",
                "FTX+AAA+++DISCHARGED IN GOOD ORDER, NO DAMAGE NOTED ON INSPECTION AT QUAY"
                ":SEALS INTACT AND NUMBERS CHECKED AGAINST THE MANIFEST BY THE TALLY CLERK"
                ":REEFER UNPLUGGED AT 0905 AND HANDED TO THE YARD"
                f":STACKED IN YARD BLOCK {n % 40:02d} AWAITING CUSTOMS AND COMMERCIAL RELEASE'",
                f"NAD+CF+MSC:172:20++MEDITERRANEAN SHIPPING COMPANY LINE {n % 97:02d}'",
            ]
        else:
            body.append("DTM+203:202611230915:203'")
    body.append(f"CNT+16:{len(items)}'")
    return _envelope("PSAT", ctl, body)


def codeco_gate_out(ctl: str, container: str) -> bytes:
    body = [
        "UNH+1+CODECO:D:95B:UN:ITG14'",
        f"BGM+36+{ctl}+9'",
        "LOC+11+BEANR:139:6+PSAT:TER:ZZZ'",
        "NAD+MS+PSAT:172:20'",
        f"EQD+CN+{container}+45G1:102:5++3+5'",
        "DTM+7:202611231400:203'",
        "TDT+1++3+31'",
        "CNT+16:1'",
    ]
    return _envelope("PSAT", ctl, body)


def _header(message_id: str, party: str) -> str:
    return (
        f"<header><messageId>{message_id}</messageId><sender>"
        f"<identificationType>Eori</identificationType>"
        f"<identificationCode>{EORI[party]}</identificationCode></sender>"
        f"<timestamp>2026-11-23T08:30:00Z</timestamp></header>"
    )


def release_action(
    message_id: str, party: str, action: str, container: str, release: str, to: str = ""
) -> bytes:
    extra = (
        f"<releaseTo><identificationType>Eori</identificationType>"
        f"<identificationCode>{EORI[to]}</identificationCode></releaseTo>"
        if to
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ReleaseRightAction xmlns="urn:hub:release:1">'
        f"{_header(message_id, party)}<actionType>{action}</actionType>"
        f"<equipmentNumber>{container}</equipmentNumber>"
        f"<releaseIdentification>{release}</releaseIdentification>{extra}</ReleaseRightAction>"
    ).encode()


def customs_status(message_id: str, bl: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomsStatusReport xmlns="urn:hub:customs:1">'
        f"{_header(message_id, 'BECUSTOMS')}<billOfLadingStatus>"
        f"<billOfLadingNumber>{bl}</billOfLadingNumber><status>released</status>"
        "</billOfLadingStatus></CustomsStatusReport>"
    ).encode()


def pickup_assign(message_id: str, container: str, release: str, n: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<PickupRightAction xmlns="urn:hub:release:1">'
        f"{_header(message_id, 'TRUCKCO')}<actionType>Assign</actionType>"
        f"<equipmentNumber>{container}</equipmentNumber>"
        f"<releaseIdentification>{release}</releaseIdentification>"
        "<pickupParty><partyType>Truck</partyType><identificationType>Alfapass"
        f"</identificationType><identificationCode>AP{n % 10_000_000:07d}</identificationCode>"
        f"<truckAppointmentReference>TAR-PSAT-{n:07d}</truckAppointmentReference>"
        "</pickupParty></PickupRightAction>"
    ).encode()


def story(container: str, n: int, tag: str) -> list[Message]:
    """The eight messages of one container; `tag` (≤ 3 characters) keeps runs' ids apart."""
    release, bl = f"REL{tag}{n:07d}", f"MEDU{tag}{n:07d}"

    def mid(stage: int) -> str:
        return f"{tag}{stage}{n:07d}"

    def edi(stage: int, party: str, body: bytes) -> Message:
        return Message(party, body, mid(stage), EDIFACT, STAGES[stage], container)

    def xml(stage: int, party: str, body: bytes) -> Message:
        return Message(party, body, mid(stage), XML, STAGES[stage], container)

    return [
        edi(0, "MSCBE", coreor_release(mid(0), release, [(container, bl)])),
        xml(1, "FWDANT", release_action(mid(1), "FWDANT", "Accept", container, release)),
        xml(
            2, "FWDANT", release_action(mid(2), "FWDANT", "Transfer", container, release, "TRUCKCO")
        ),
        xml(3, "TRUCKCO", release_action(mid(3), "TRUCKCO", "Accept", container, release)),
        xml(4, "BECUSTOMS", customs_status(mid(4), bl)),
        edi(5, "PSAT", coarri_discharge(mid(5), [container])),
        xml(6, "TRUCKCO", pickup_assign(mid(6), container, release, n)),
        edi(7, "PSAT", codeco_gate_out(mid(7), container)),
    ]


def staggered(count: int, tag: str, start: int = 0, lag: int = 60) -> Iterator[Message]:
    """`count` stories interleaved: step t sends stage s of container t - s*lag."""
    items = containers(count, start)
    stories: dict[int, list[Message]] = {}
    last = len(STAGES) - 1
    for t in range(count + last * lag):
        for s in range(len(STAGES)):
            i = t - s * lag
            if 0 <= i < count:
                if s == 0:
                    stories[i] = story(items[i], start + i, tag)
                yield stories[i][s]
                if s == last:
                    del stories[i]
