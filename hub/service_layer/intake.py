"""From raw payload to mapped business messages: syntax, then semantics, format by format.

A payload becomes one or more `Unit`s: an EDIFACT interchange, or one XML document. A unit is
what deduplication, sender checks and CONTRL work on; its messages are what APERAK answers.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from dataclasses import dataclass, field, fields, replace

from hub.errors import (
    InputTooLarge,
    Problem,
    SyntaxRejected,
    UnsupportedMessage,
)
from hub.mappers.base import MappedMessage, MapStatus
from hub.mappers.edifact import map_edifact_message
from hub.mappers.xml import map_xml_document
from hub.parsing.edifact import EdifactLimits, looks_like_edifact, parse_edifact
from hub.parsing.edifact.model import Interchange, Message, Segment, SyntaxCode
from hub.parsing.xml import XmlDocument, XmlLimits, looks_like_xml, parse_xml


@dataclass(frozen=True)
class Limits:
    """Input limits, one per shape; past one a payload is rejected with `InputTooLarge` and a
    `Problem` naming the limit and where it was crossed, before the work it bounds is done.
    `hub.config.Settings` has each as a ``HUB_*`` variable (README, configuration)."""

    max_bytes: int = 10_000_000
    max_segments: int = 200_000
    max_segment_length: int = 100_000
    max_elements: int = 99
    max_components: int = 99
    max_repetitions: int = 99
    max_release_characters: int = 100_000
    max_problems: int = 1_000
    max_messages: int = 5_000
    max_interchanges: int = 1_000
    max_containers: int = 25_000
    """Container lines (EQD segments) and commands in one payload (0085 code 36)."""
    max_xml_bytes: int = 1_000_000
    max_xml_depth: int = 64
    max_xml_elements: int = 10_000
    max_xml_attributes: int = 50
    max_xml_text: int = 65_536
    max_xml_namespaces: int = 50

    @property
    def edifact(self) -> EdifactLimits:
        """The limits the EDIFACT parser checks."""
        return EdifactLimits(**{f.name: getattr(self, f.name) for f in fields(EdifactLimits)})

    @property
    def xml(self) -> XmlLimits:
        """The limits the XML parser checks."""
        return XmlLimits(
            max_bytes=self.max_xml_bytes,
            max_depth=self.max_xml_depth,
            max_elements=self.max_xml_elements,
            max_attributes=self.max_xml_attributes,
            max_text=self.max_xml_text,
            max_namespaces=self.max_xml_namespaces,
        )


@dataclass(frozen=True)
class Unit:
    """One interchange or one XML document, parsed and mapped."""

    format: str
    dedup_key: str
    claimed_sender: str
    messages: tuple[MappedMessage, ...] = ()
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    interchange: Interchange | None = None
    xml: XmlDocument | None = None
    on_behalf_of: str = ""
    extra: dict[str, str] = field(default_factory=dict)


_last_digest: tuple[bytes, str] = (b"", hashlib.sha256(b"").hexdigest())


def sha256(payload: bytes) -> str:
    """The SHA-256 hex digest of `payload`. The last payload's digest is remembered (by
    identity; that payload is kept until the next call): the pipeline asks for its delivery's
    digest once per unit, and a payload of a thousand interchanges must not be hashed a
    thousand times."""
    global _last_digest
    last = _last_digest
    if last[0] is payload:
        return last[1]
    digest = hashlib.sha256(payload).hexdigest()
    _last_digest = (payload, digest)
    return digest


def read_units(payload: bytes, *, strict: bool = False, limits: Limits = Limits()) -> list[Unit]:
    """Parse and map a payload; raises `PermanentError` when nothing in it can be read."""
    if len(payload) > limits.max_bytes:
        raise InputTooLarge(f"payload of {len(payload)} bytes exceeds {limits.max_bytes}")
    if looks_like_xml(payload):
        try:
            doc = parse_xml(payload, limits=limits.xml)
        except UnsupportedMessage as error:
            return [_unsupported_xml(payload, error)]
        return [_xml_unit(doc)]
    if looks_like_edifact(payload):
        _pause_gc()
        try:
            return _edifact_units(payload, strict, limits)
        finally:
            _resume_gc()
    raise SyntaxRejected(
        "payload is neither EDIFACT nor XML",
        (Problem("expected UNA, UNB or UNH (EDIFACT) or an XML document", code="2"),),
    )


def _edifact_units(payload: bytes, strict: bool, limits: Limits) -> list[Unit]:
    """One unit per interchange. Problems of the payload as a whole (its bytes not valid in
    the character set, ...) belong to every interchange in it and to its answer: they are
    never dropped."""
    parsed = parse_edifact(payload, strict=strict, limits=limits.edifact)
    budget = _Containers(limits.max_containers)
    units = [_edifact_unit(ic, payload, budget, parsed.problems) for ic in parsed.interchanges]
    if not units:
        raise SyntaxRejected("no interchange or message found", tuple(parsed.problems))
    return units


# The garbage collector is paused while EDIFACT is parsed and mapped. Parsing allocates many
# small objects and frees none, so every collection in between finds nothing; yet each full
# collection walks every segment read so far again, which made a large interchange quadratic.
# A counter keeps concurrent callers (threads) from resuming it while another still parses;
# the state found before the first pause is restored, so a disabled collector stays disabled.
_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


def _pause_gc() -> None:
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1


def _resume_gc() -> None:
    global _gc_pauses
    with _gc_lock:
        _gc_pauses -= 1
        if _gc_pauses == 0 and _gc_was_enabled:
            gc.enable()


class _Containers:
    """Container lines and commands counted over a payload, against `max_containers`: the EQD
    segments of a message before it is mapped, its commands after."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lines = 0
        self.commands = 0

    def before(self, message: Message) -> None:
        for segment in message.segments:
            if segment.tag == "EQD":
                self.lines += 1
                if self.lines > self.limit:
                    self._reject("container lines (EQD segments)", message.ref, segment)

    def after(self, message: Message, mapped: MappedMessage) -> None:
        self.commands += len(mapped.commands)
        if self.commands > self.limit:
            self._reject("commands", message.ref, message.segments[0])

    def _reject(self, what: str, ref: str, at: Segment) -> None:
        text = f"more than {self.limit:,} {what} in one payload: the limit is {self.limit:,}"
        problem = Problem(
            text,
            SyntaxCode.TOO_MANY_GROUP_REPETITIONS,
            message_ref=ref,
            segment_tag=at.tag,
            segment_position=at.position,
        )
        raise InputTooLarge(text, (problem,))


def _edifact_unit(
    ic: Interchange, payload: bytes, budget: _Containers, shared: tuple[Problem, ...] = ()
) -> Unit:
    key = (
        f"edifact:{ic.sender}:{ic.recipient}:{ic.control_ref}"
        if ic.enveloped
        else f"edifact-bare:{sha256(payload)}"
    )
    if ic.test_indicator:  # a test must not make its live twin (same reference) a duplicate
        key += ":test"
    messages = tuple(_map_counted(m, budget) for m in ic.messages)
    return Unit(
        format="edifact",
        dedup_key=key,
        claimed_sender=ic.sender,
        messages=messages,
        errors=(*ic.errors, *(p for p in shared if p.severity == "error")),
        warnings=(*ic.warnings, *(p for p in shared if p.severity != "error")),
        interchange=ic,
    )


def _map_counted(message: Message, budget: _Containers) -> MappedMessage:
    budget.before(message)
    mapped = _map_message(message)
    budget.after(message, mapped)
    return mapped


def _map_message(message: Message) -> MappedMessage:
    """Map one message; the parser's own findings on it (counts, bad characters) come along,
    and a syntax error in the message (e.g. a count mismatch for a strict partner) rejects it.
    Its document number and, when no command names them, its containers come along too."""
    mapped = _with_subjects(map_edifact_message(message), message)
    if not message.problems:
        return mapped
    problems = (*message.problems, *mapped.problems)
    if any(p.severity == "error" for p in message.problems):
        return replace(mapped, status=MapStatus.REJECTED, commands=(), problems=problems)
    return replace(mapped, problems=problems)


def _with_subjects(mapped: MappedMessage, message: Message) -> MappedMessage:
    """`mapped` with its BGM document number, and the EQD+CN numbers as written when its
    commands name no container."""
    bgm = next((s for s in message.segments if s.tag == "BGM"), None)
    document = bgm.get(1).strip()[:70] if bgm is not None else ""
    containers = mapped.containers or tuple(
        dict.fromkeys(
            s.get(1).strip()[:17]
            for s in message.segments
            if s.tag == "EQD" and s.get(0).strip() == "CN" and s.get(1).strip()
        )
    )
    return replace(mapped, document=document, containers=containers)


def _unsupported_xml(payload: bytes, error: UnsupportedMessage) -> Unit:
    problems = error.problems or (Problem(error.reason, code="2"),)
    root = problems[0].path.strip("/").split("/")[0] or "XML"
    message = MappedMessage(
        ref=problems[0].message_ref,  # the document's own messageId, when it has one
        document=problems[0].message_ref,
        type=root,
        status=MapStatus.UNSUPPORTED,
        problems=tuple(problems),
    )
    return Unit(
        format="xml",
        dedup_key=f"xml-unsupported:{sha256(payload)}",
        claimed_sender="",
        messages=(message,),
    )


def _xml_unit(doc: XmlDocument) -> Unit:
    mapped = replace(map_xml_document(doc), document=doc.message_id)
    return Unit(
        format="xml",
        dedup_key=f"xml:{doc.message_id}",
        claimed_sender=doc.sender.code if doc.sender else "",
        messages=(mapped,),
        xml=doc,
        on_behalf_of=doc.on_behalf_of.code if doc.on_behalf_of else "",
    )
