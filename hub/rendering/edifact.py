"""Outbound EDIFACT: the serializer, and the messages the hub writes (APERAK, CONTRL, gate).

Builders are pure: the clock (`now`) and the interchange control reference are parameters.
Text is fitted to the partner's character set (upper case and the level-A repertoire under
UNOA, folding of accents where the set lacks them, control characters become blanks) and
service characters are released with ``?``. Counts in UNT/UNE/UNZ are always recomputed.

APERAK (D96A), one per business message, from the hub back to its sender:
``BGM+312`` (acknowledgement, function 29 accepted) or ``BGM+313`` (application error,
function 27 not accepted); ``DTM+137``; ``RFF+ACW`` the UNH reference of the answered message;
``RFF+ZZZ`` (mutually defined) its interchange control reference; ``RFF+ACE`` its BGM document
number when known; a rejection first says which containers were not applied (``FTX+AAI``,
after ``DTM``, at most 350 characters); then one ``ERC`` + ``FTX+AAO`` group per error (ERC
code = `Problem.code`, 12 when empty), or a single ``ERC+1`` when accepted.

CONTRL, per interchange, in the sender's syntax version (``CONTRL:D:3:UN``, ``4:1`` under
syntax 4): ``UCI`` with action 8 received / 7 acknowledged / 4 rejected, then ``UCM`` per
message (7 or 4) with ``UCS`` (segment position from UNH = 1) and ``UCD`` (element:component)
for located errors; every code is a 0085 code (18 when a problem carries none).

Gate authorisation / withdrawal for terminals: COREOR D95B sent by the hub.
``BGM+129+<release>/<sequence>+9`` authorises, ``+1`` withdraws (cancels the earlier one);
``DTM+137`` prepared; ``FTX+AAI`` the withdrawal reason; ``RFF+RE`` release reference;
``RFF+BM`` each bill of lading; ``RFF+SQ`` the per-container sequence (a terminal drops anything
older); ``TDT+30`` (on-carriage) with mode 3 road / 8 inland water / 2 rail and in C222 the
pickup identity, code list ``ZZZ`` and its kind ``ALFAPASS`` / ``BARGE`` / ``RAIL``;
``RFF+AAJ`` the terminal appointment (TAR); ``LOC+11`` port (UN/LOCODE) and terminal
(``<code>:TER:ZZZ``); ``EQD+CN`` the container; ``DTM+36`` the expiry (CCYYMMDDHHMM, 203).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.domain.events import GateAuthorised, GateWithdrawn
from hub.domain.values import PickupMode
from hub.errors import Problem
from hub.parsing.edifact.model import Interchange, Message, Segment, encoding_for

APERAK_ACCEPTED, APERAK_REJECTED = "312", "313"
_PICKUP_TDT = {
    PickupMode.TRUCK: ("3", "31"),
    PickupMode.BARGE: ("8", ""),
    PickupMode.RAIL: ("2", ""),
}
_PICKUP_KIND = {PickupMode.TRUCK: "ALFAPASS", PickupMode.BARGE: "BARGE", PickupMode.RAIL: "RAIL"}
_UNOA_BAD = re.compile(r"[^A-Z0-9 .,\-()/='+:?!\"%&*;<>]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FTX_CHUNK, _FTX_CHUNKS = 70, 5

Element = str | tuple[str, ...]


@dataclass(frozen=True)
class Envelope:
    """Who sends an outbound interchange to whom, and in which syntax."""

    sender: str
    recipient: str
    sender_qualifier: str = ""
    recipient_qualifier: str = ""
    syntax_id: str = "UNOC"
    syntax_version: str = "3"
    test: bool = False


@dataclass(frozen=True)
class AckSubject:
    """The inbound message an acknowledgement answers: its UNB parties and references.

    For a message sent without UNB, fill in `sender` / `recipient` from the partner profile
    (``dataclasses.replace``) before rendering.
    """

    sender: str
    recipient: str
    control_ref: str
    message_ref: str = ""
    message_type: str = ""
    sender_qualifier: str = ""
    recipient_qualifier: str = ""
    syntax_id: str = "UNOC"
    syntax_version: str = "3"
    document_number: str = ""
    test: bool = False
    lost: tuple[str, ...] = ()
    """Containers of the answered message that were not applied (its rejection names them)."""

    @classmethod
    def of(cls, interchange: Interchange, message: Message | None = None) -> AckSubject:
        """The subject for `message` of `interchange` (or the interchange alone)."""
        bgm = next((s for s in message.segments if s.tag == "BGM"), None) if message else None
        return cls(
            sender=interchange.sender,
            recipient=interchange.recipient,
            control_ref=interchange.control_ref,
            message_ref=message.ref if message else "",
            message_type=message.type if message else "",
            sender_qualifier=interchange.sender_qualifier,
            recipient_qualifier=interchange.recipient_qualifier,
            syntax_id=interchange.syntax_id or "UNOC",
            syntax_version=interchange.syntax_version or "3",
            document_number=bgm.get(1) if bgm else "",
            test=interchange.test_indicator,
        )

    def reply_envelope(self) -> Envelope:
        """Hub (the original recipient) → original sender, in the sender's syntax; a test
        interchange is answered as a test."""
        return Envelope(
            self.recipient,
            self.sender,
            self.recipient_qualifier,
            self.sender_qualifier,
            self.syntax_id,
            self.syntax_version,
            self.test,
        )


def seg(tag: str, *elements: Element) -> Segment:
    """A segment from plain values: a str is a simple element, a tuple a composite."""
    return Segment(tag, tuple((e,) if isinstance(e, str) else e for e in elements))


# serializer ---------------------------------------------------------------------------------


def render_segments(
    segments: Iterable[Segment],
    *,
    syntax_id: str = "UNOC",
    syntax_version: str = "3",
    with_una: bool = True,
    line_break: str = "\n",
) -> str:
    """Serialize segments (UNT/UNE/UNZ counts and empty references filled in), each followed
    by `line_break` (not data; ``""`` writes one line).

    The repetition separator ``*`` is used (and released in data) under syntax version 4 only.
    Trailing empty components and elements are left out, as ISO 9735 asks.
    """
    repetition = "*" if syntax_version.strip() == "4" else ""
    table = str.maketrans({c: "?" + c for c in ":+?'" + repetition})
    una = "UNA:+.?" + (repetition or " ") + "'" if with_una else ""
    lines = [
        _text(s, table, repetition, syntax_id) for s in with_counts(segments) if s.tag != "UNA"
    ]
    return line_break.join([una, *lines, ""]) if una else line_break.join([*lines, ""])


def _text(segment: Segment, table: dict[int, str], repetition: str, syntax_id: str) -> str:
    repeats = dict(segment.repeats) if repetition else {}
    elements = [
        repetition.join(_composite(o, table, syntax_id) for o in (el, *repeats.get(i, ())))
        for i, el in enumerate(segment.elements)
    ]
    while elements and not elements[-1]:
        elements.pop()
    return "+".join([segment.tag, *elements]) + "'"


def _composite(components: Sequence[str], table: dict[int, str], syntax_id: str) -> str:
    escaped = [fit_charset(c, syntax_id).translate(table) for c in components]
    while escaped and not escaped[-1]:
        escaped.pop()
    return ":".join(escaped)


def fit_charset(text: str, syntax_id: str) -> str:
    """`text` made writable in `syntax_id`: controls → blanks, UNOA upper case, accents folded,
    anything else unrepresentable → ``?``."""
    text = _CONTROL.sub(" ", text)
    if syntax_id == "UNOA":
        return _UNOA_BAD.sub(lambda m: _fold(m.group(), _level_a), text.upper())
    codec = encoding_for(syntax_id)
    if _encodes(text, codec):
        return text
    return "".join(ch if _encodes(ch, codec) else _fold(ch, lambda c: True) for ch in text)


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _level_a(ch: str) -> bool:
    return not _UNOA_BAD.match(ch)


def _fold(ch: str, allowed: Callable[[str], bool]) -> str:
    """`ch` without its accent (``É`` → ``E``) when that is allowed, else ``?``."""
    base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    return base if len(base) == 1 and allowed(base) else "?"


_OPENS = {"UNT": "UNH", "UNE": "UNG", "UNZ": "UNB"}
_REF_AT = {"UNH": 0, "UNG": 4, "UNB": 4}


def with_counts(segments: Iterable[Segment]) -> list[Segment]:
    """The segments with UNT, UNE and UNZ counts recomputed and empty references filled."""
    out: list[Segment] = []
    start: dict[str, int] = {}
    for s in segments:
        header = _OPENS.get(s.tag, "")
        if s.tag in _REF_AT:
            start[s.tag] = len(out)
        elif header in start:
            opened = out[start.pop(header) :]
            s = _trailer(s, _count(s.tag, opened), opened[0].get(_REF_AT[header]))
        out.append(s)
    return out


def _count(tag: str, opened: list[Segment]) -> int:
    """UNT: segments from UNH to UNT; UNE: messages; UNZ: groups, or messages if none."""
    if tag == "UNT":
        return len(opened) + 1
    groups = sum(s.tag == "UNG" for s in opened) if tag == "UNZ" else 0
    return groups or sum(s.tag == "UNH" for s in opened)


def _trailer(segment: Segment, count: int, ref: str) -> Segment:
    return seg(segment.tag, str(count), segment.get(1) or ref, *segment.elements[2:])


def encode_rendered(text: str, syntax_id: str) -> bytes:
    """Bytes to publish for rendered `text` (already fitted to the character set)."""
    return text.encode(encoding_for(syntax_id), errors="replace")


# envelopes ----------------------------------------------------------------------------------


def _interchange(
    env: Envelope, now: datetime, control_ref: str, messages: list[list[Segment]]
) -> str:
    day = now.strftime("%Y%m%d" if env.syntax_version == "4" else "%y%m%d")
    unb: list[Element] = [
        (env.syntax_id, env.syntax_version),
        (env.sender, env.sender_qualifier),
        (env.recipient, env.recipient_qualifier),
        (day, now.strftime("%H%M")),
        control_ref,
    ]
    if env.test:
        unb += ["", "", "", "", "", "1"]
    body = [s for message in messages for s in message]
    segments = [seg("UNB", *unb), *body, seg("UNZ", "", control_ref)]
    return render_segments(segments, syntax_id=env.syntax_id, syntax_version=env.syntax_version)


def _message(ref: str, s009: tuple[str, ...], body: list[Segment]) -> list[Segment]:
    return [seg("UNH", ref, s009), *body, seg("UNT", "", ref)]


def _stamp(now: datetime) -> Segment:
    return seg("DTM", ("137", now.strftime("%Y%m%d%H%M"), "203"))


def _ftx(qualifier: str, text: str) -> Segment:
    chunks = tuple(text[i : i + _FTX_CHUNK] for i in range(0, len(text), _FTX_CHUNK))
    return seg("FTX", qualifier, "", "", chunks[:_FTX_CHUNKS] or ("",))


# APERAK -------------------------------------------------------------------------------------


def render_aperak(
    subject: AckSubject,
    problems: Sequence[Problem] = (),
    *,
    now: datetime,
    control_ref: str,
    message_ref: str = "1",
) -> str:
    """APERAK D96A for one business message: accepted (``ERC+1``) unless `problems` hold errors.

    An accepted message's warnings follow its ``ERC+1``, one ``ERC`` + ``FTX+AAO`` group each,
    the text starting with ``warning:``."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    name, function = (APERAK_REJECTED, "27") if errors else (APERAK_ACCEPTED, "29")
    body = [seg("BGM", name, control_ref, function), _stamp(now)]
    if errors and subject.lost:
        body.append(_ftx("AAI", listed("not applied: containers ", subject.lost)))
    body.append(seg("RFF", ("ACW", subject.message_ref)))
    body.append(seg("RFF", ("ZZZ", subject.control_ref)))
    if subject.document_number:
        body.append(seg("RFF", ("ACE", subject.document_number)))
    for p in errors:
        body += [seg("ERC", p.code or "12"), _ftx("AAO", _describe(p))]
    if not errors:
        body += [seg("ERC", "1"), _ftx("AAO", "message accepted")]
        for p in warnings:
            body += [seg("ERC", p.code or "12"), _ftx("AAO", f"warning: {_describe(p)}")]
    message = _message(message_ref, ("APERAK", "D", "96A", "UN"), body)
    return _interchange(subject.reply_envelope(), now, control_ref, [message])


def listed(head: str, items: Sequence[str], room: int = _FTX_CHUNK * _FTX_CHUNKS) -> str:
    """`head` and `items` joined by commas within `room` characters; what does not fit is
    counted ("and 12 more")."""
    text = head + ", ".join(items)
    if len(text) <= room:
        return text
    shown: list[str] = []
    for item in items:
        rest = f" and {len(items) - len(shown) - 1} more"
        if len(head + ", ".join([*shown, item]) + rest) > room:
            break
        shown.append(item)
    return f"{head}{', '.join(shown)} and {len(items) - len(shown)} more"


def _describe(p: Problem) -> str:
    where = p.locator()
    return f"{where}: {p.message}" if where else p.message


# CONTRL -------------------------------------------------------------------------------------


def should_send_contrl(interchange: Interchange, profile_wants: bool) -> bool:
    """CONTRL is owed when the UNB asks (0031) or the partner profile does — never in answer
    to a CONTRL, and never without a UNB to answer."""
    if not interchange.enveloped or any(m.type == "CONTRL" for m in interchange.messages):
        return False
    return interchange.ack_requested or profile_wants


def render_contrl(
    interchange: Interchange,
    *,
    now: datetime,
    control_ref: str,
    message_ref: str = "1",
    extra: Sequence[Problem] = (),
    include_warnings: bool = False,
    received_only: bool = False,
    reply: Envelope | None = None,
) -> str:
    """CONTRL for one interchange: its own errors (plus `extra`) reject it (UCI 4); otherwise
    it is acknowledged (UCI 7) with one UCM per message (4 with UCS/UCD details, or 7).
    Check `should_send_contrl` first; answering a CONTRL raises `ValueError`. `reply`: whom
    it goes from and to, when not simply back to the interchange's own (claimed) sender."""

    if any(m.type == "CONTRL" for m in interchange.messages):
        raise ValueError("a CONTRL is never answered with a CONTRL")

    def keep(p: Problem) -> bool:
        return include_warnings or p.severity == "error"

    top = [p for p in (*interchange.errors, *interchange.warnings, *extra) if keep(p)]
    action = "8" if received_only else ("4" if top else "7")
    body = [_uci(interchange, action, top[0] if top else None)]
    if action == "7":
        for message in interchange.messages:
            body += _ucm(message, [p for p in message.problems if keep(p)])
    subject = AckSubject.of(interchange)
    version = ("4", "1") if subject.syntax_version == "4" else ("D", "3")
    unh = _message(message_ref, ("CONTRL", *version, "UN"), body)
    return _interchange(reply or subject.reply_envelope(), now, control_ref, [unh])


def _code(p: Problem) -> str:
    return p.code if p.code.isdigit() else "18"


def _uci(interchange: Interchange, action: str, first: Problem | None) -> Segment:
    """UCI: the answered interchange (its sender and recipient as it named them) and action."""
    parties: list[Element] = [
        interchange.control_ref,
        (interchange.sender, interchange.sender_qualifier),
        (interchange.recipient, interchange.recipient_qualifier),
        action,
    ]
    if first is not None:
        parties += [
            _code(first),
            first.segment_tag,
            (_nonzero(first.element), _nonzero(first.component)),
        ]
    return seg("UCI", *parties)


def _ucm(message: Message, problems: list[Problem]) -> list[Segment]:
    """UCM for one message, then UCS/UCD for each located problem."""
    s009 = (message.type, message.version, message.release, message.agency, message.association)
    if not problems:
        return [seg("UCM", message.ref, s009, "7")]
    located = [p for p in problems if p.segment_position]
    first = next((p for p in problems if not p.segment_position), None)
    out = [seg("UCM", message.ref, s009, "4", *([_code(first)] if first else []))]
    start = message.segments[0].position if message.segments else 0
    for p in located:
        position = str(p.segment_position - start + 1)
        if p.element:
            out += [
                seg("UCS", position),
                seg("UCD", _code(p), (str(p.element), _nonzero(p.component))),
            ]
        else:
            out.append(seg("UCS", position, _code(p)))
    return out


def _nonzero(n: int) -> str:
    return str(n) if n else ""


# gate messages ------------------------------------------------------------------------------


def render_gate_message(
    event: GateAuthorised | GateWithdrawn,
    *,
    envelope: Envelope,
    now: datetime,
    control_ref: str,
    message_ref: str = "1",
) -> str:
    """COREOR D95B telling a terminal that a container may (9) or may no longer (1) leave."""
    if isinstance(event, GateAuthorised):
        body = _authorisation(event, now)
    else:
        body = _withdrawal(event, now)
    message = _message(message_ref, ("COREOR", "D", "95B", "UN"), body)
    return _interchange(envelope, now, control_ref, [message])


def _authorisation(event: GateAuthorised, now: datetime) -> list[Segment]:
    pickup = event.pickup
    mode, kind = _PICKUP_TDT[pickup.mode], _PICKUP_KIND[pickup.mode]
    body = [seg("BGM", "129", f"{event.release_ref}/{event.sequence}", "9"), _stamp(now)]
    body.append(seg("RFF", ("RE", event.release_ref)))
    body += [seg("RFF", ("BM", bl)) for bl in event.bills_of_lading]
    body.append(seg("RFF", ("SQ", str(event.sequence))))
    body.append(
        seg("TDT", "30", "", mode[0], mode[1], "", "", "", (pickup.identity, "ZZZ", "", kind))
    )
    body += [seg("RFF", ("AAJ", pickup.tar))] if pickup.tar else []
    body.append(seg("LOC", "11", (event.port, "139", "6"), (event.terminal, "TER", "ZZZ")))
    body.append(seg("EQD", "CN", event.container))
    if event.expires_at is not None:
        body.append(seg("DTM", ("36", event.expires_at.strftime("%Y%m%d%H%M"), "203")))
    return body


def _withdrawal(event: GateWithdrawn, now: datetime) -> list[Segment]:
    body = [seg("BGM", "129", f"{event.release_ref}/{event.sequence}", "1"), _stamp(now)]
    body += [_ftx("AAI", event.reason)] if event.reason else []
    body.append(seg("RFF", ("RE", event.release_ref)))
    body.append(seg("RFF", ("SQ", str(event.sequence))))
    body.append(seg("LOC", "11", "", (event.terminal, "TER", "ZZZ")))
    body.append(seg("EQD", "CN", event.container))
    return body
