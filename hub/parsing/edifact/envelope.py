"""Step 2 of the EDIFACT flow (decode → tokenizer → envelope): segments in, `ParsedPayload` out.

A small state machine over the service segments: UNA/UNB..UNZ interchanges (several may follow
each other), UNG..UNE functional groups, UNH..UNT messages, and bare messages with no UNB at all
(kept in a synthetic `Interchange` with ``enveloped=False``). Control counts and references
(UNT, UNE, UNZ) are checked; a mismatch is a warning, or an error with ``strict=True``. Missing
trailers and segments outside any message are always errors. Nothing here raises.

Where problems land: trailer and structure problems of a message on `Message.problems`;
interchange and group ones on `Interchange.warnings` / `errors`. Problems outside every
interchange belong to a neighbour, so that they reach its answer and are never lost: content
after a UNZ (stray segments, a UNZ without UNB) to the interchange before it; a UNA's
problems and anything before the first interchange to the interchange that follows (the last
one when none follows). Only a payload without any interchange keeps them on
`ParsedPayload.problems`. Tokenizer problems follow the segment they are about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from hub.errors import Problem
from hub.parsing.edifact import headers
from hub.parsing.edifact.decoding import charset_problems
from hub.parsing.edifact.headers import problem
from hub.parsing.edifact.model import Interchange, Message, ParsedPayload, Segment, SyntaxCode
from hub.parsing.edifact.una import LEVEL_A, Separators

ENVELOPE_TAGS = frozenset({"UNA", "UNB", "UNG", "UNH", "UNT", "UNE", "UNZ"})


@dataclass
class _MessageDraft:
    header: Segment
    group_ref: str
    segments: list[Segment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _GroupDraft:
    header: Segment
    messages: int = 0


@dataclass
class _InterchangeDraft:
    header: Segment | None
    separators: tuple[str, str, str, str, str, str]
    segments: list[Segment] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    group: _GroupDraft | None = None
    groups: int = 0
    ungrouped: int = 0


def build_payload(
    segments: Iterable[Segment], problems: Iterable[Problem] = (), *, strict: bool = False
) -> ParsedPayload:
    """Assemble interchanges, groups and messages from tokenized `segments`."""
    builder = _Builder(strict, problems)
    envelope, pending = ENVELOPE_TAGS, builder.pending
    for segment in segments:
        # The common case inline: a data segment inside an open message.
        message = builder.message
        if message is not None and segment.tag not in envelope:
            message.segments.append(segment)
            if pending:
                message.problems.extend(builder.take(segment))
        else:
            builder.feed(segment)
    return builder.finish()


class _Builder:
    """Feeds segments one by one; drafts are frozen into model objects when they close."""

    def __init__(self, strict: bool, problems: Iterable[Problem]) -> None:
        self.mismatch = "error" if strict else "warning"
        self.pending: dict[int, list[Problem]] = {}
        self.payload_problems: list[Problem] = []
        for found in problems:
            self.pending.setdefault(found.segment_position, []).append(found)
        self.done: list[Interchange] = []
        self.interchange: _InterchangeDraft | None = None
        self.message: _MessageDraft | None = None
        self.separators: tuple[str, str, str, str, str, str] = LEVEL_A
        self.stray: list[Segment] = []
        self.ahead: list[Problem] = []
        """Problems for the next interchange to open (a UNA's, content before it)."""

    def feed(self, segment: Segment) -> None:
        """Place one segment: in the open message, or as a service segment, or as a stray."""
        if self.message is not None and segment.tag not in ENVELOPE_TAGS:
            self.message.segments.append(segment)
            self.message.problems.extend(self.take(segment))
            return
        handler = _HANDLERS.get(segment.tag)
        if handler is None:
            self.stray.append(segment)
            return
        self._flush_stray()
        handler(self, segment)

    def finish(self) -> ParsedPayload:
        """Close whatever is still open (reporting missing trailers) and freeze the result."""
        self._flush_stray()
        self._close_interchange(None)
        leftovers = [p for found in self.pending.values() for p in found]
        found = self._take_ahead() + leftovers
        if found and self.done:
            self.done[-1] = _with_problems(self.done[-1], found)
        elif found:
            self.payload_problems.extend(found)
        return ParsedPayload(tuple(self.done), tuple(self.payload_problems))

    # service segments -------------------------------------------------------------------

    def _una(self, una: Segment) -> None:
        chars = una.get(0).ljust(6)[:6]
        self.separators = Separators(*chars)
        found = self.take(una)
        if self.interchange is not None and self.interchange.header is not None:
            found.append(problem(una, "UNA inside an interchange", SyntaxCode.OUTSIDE_MESSAGE))
            self._report(found)
        else:
            self.ahead.extend(found)

    def _unb(self, unb: Segment) -> None:
        self._close_interchange(None)
        draft = _InterchangeDraft(unb, self.separators, [unb], problems=self._take_ahead())
        draft.problems.extend(headers.unb_problems(unb) + self.take(unb))
        self.interchange, self.separators = draft, LEVEL_A

    def _ung(self, ung: Segment) -> None:
        draft = self._open_interchange(ung)
        self._close_message(None)
        self._close_group(None)
        draft.group = _GroupDraft(ung)
        draft.groups += 1
        draft.segments.append(ung)
        draft.problems.extend(self.take(ung))

    def _unh(self, unh: Segment) -> None:
        draft = self._open_interchange(unh)
        self._close_message(None)
        group_ref = draft.group.header.get(4).strip() if draft.group else ""
        self.message = _MessageDraft(unh, group_ref, [unh], headers.unh_problems(unh))
        self.message.problems.extend(self.take(unh))

    def _unt(self, unt: Segment) -> None:
        if self.message is None:
            self._misplaced(unt, "UNT without UNH")
            return
        self.message.segments.append(unt)
        self.message.problems.extend(self.take(unt))
        self._close_message(unt)

    def _une(self, une: Segment) -> None:
        self._close_message(None)
        if self.interchange is None or self.interchange.group is None:
            self._misplaced(une, "UNE without UNG")
            return
        self.interchange.segments.append(une)
        self.interchange.problems.extend(self.take(une))
        self._close_group(une)

    def _unz(self, unz: Segment) -> None:
        if self.interchange is None or self.interchange.header is None:
            self._close_interchange(None)
            self._misplaced(unz, "UNZ without UNB")
            return
        self._close_interchange(unz)

    # opening and closing ------------------------------------------------------------------

    def _open_interchange(self, segment: Segment) -> _InterchangeDraft:
        """The open interchange, or a synthetic one for messages sent without UNB."""
        if self.interchange is None:
            self.interchange = _InterchangeDraft(None, self.separators, problems=self._take_ahead())
            self.separators = LEVEL_A
        return self.interchange

    def _take_ahead(self) -> list[Problem]:
        found, self.ahead = self.ahead, []
        return found

    def _close_message(self, unt: Segment | None) -> None:
        draft, self.message = self.message, None
        if draft is None or self.interchange is None:
            return
        if unt is None:
            last = draft.segments[-1]
            draft.problems.append(problem(last, "message has no UNT", SyntaxCode.MISSING))
        else:
            received = len(draft.segments)
            draft.problems += headers.check_count(unt, 1, received, "segments", self.mismatch)
            draft.problems += headers.check_ref(unt, 2, draft.header, 1, self.mismatch)
        self.interchange.segments.extend(draft.segments)
        self.interchange.messages.append(_message(draft))
        if self.interchange.group is not None:
            self.interchange.group.messages += 1
        else:
            self.interchange.ungrouped += 1

    def _close_group(self, une: Segment | None) -> None:
        draft = self.interchange
        if draft is None or draft.group is None:
            return
        group, draft.group = draft.group, None
        if une is None:
            draft.problems.append(problem(group.header, "group has no UNE", SyntaxCode.MISSING))
            return
        draft.problems += headers.check_count(une, 1, group.messages, "messages", self.mismatch)
        draft.problems += headers.check_ref(une, 2, group.header, 5, self.mismatch)

    def _close_interchange(self, unz: Segment | None) -> None:
        self._close_message(None)
        self._close_group(None)
        draft, self.interchange = self.interchange, None
        if draft is None:
            return
        if draft.header is not None:
            draft.problems += self._check_unz(draft, unz)
        self.done.append(_interchange(draft))

    def _check_unz(self, draft: _InterchangeDraft, unz: Segment | None) -> list[Problem]:
        assert draft.header is not None
        if unz is None:
            return [problem(draft.header, "interchange has no UNZ", SyntaxCode.MISSING)]
        draft.segments.append(unz)
        found = self.take(unz)
        if draft.groups and draft.ungrouped:
            text = "functional groups and messages outside groups mixed"
            found.append(problem(unz, text, SyntaxCode.GROUPS_AND_MESSAGES_MIXED, self.mismatch))
        counted, what = (
            (draft.groups, "groups") if draft.groups else (len(draft.messages), "messages")
        )
        if not draft.messages:
            found.append(
                problem(
                    unz, "interchange holds no message", SyntaxCode.LOWER_LEVEL_EMPTY, "warning"
                )
            )
        found += headers.check_count(unz, 1, counted, what, self.mismatch)
        return found + headers.check_ref(unz, 2, draft.header, 5, self.mismatch)

    # strays and tokenizer problems -------------------------------------------------------

    def _flush_stray(self) -> None:
        """Report a run of segments outside any message as one problem."""
        if not self.stray:
            return
        first, count = self.stray[0], len(self.stray)
        text = f"{count} segment(s) outside any message, from {first.tag} at {first.position}"
        found = [problem(first, text, SyntaxCode.OUTSIDE_MESSAGE)]
        for segment in self.stray:
            found.extend(self.take(segment))
        self.stray = []
        self._report(found)

    def _misplaced(self, segment: Segment, text: str) -> None:
        self._report([problem(segment, text, SyntaxCode.OUTSIDE_MESSAGE), *self.take(segment)])

    def _report(self, found: list[Problem]) -> None:
        """Problems outside any message: on the open interchange, else on the one that just
        closed (content after its UNZ), else held for the next one."""
        if not found:
            return
        if self.interchange is not None:
            self.interchange.problems.extend(found)
        elif self.done:
            self.done[-1] = _with_problems(self.done[-1], found)
        else:
            self.ahead.extend(found)

    def take(self, segment: Segment) -> list[Problem]:
        return self.pending.pop(segment.position, []) if self.pending else []


_HANDLERS: dict[str, Callable[[_Builder, Segment], None]] = {
    "UNA": _Builder._una, "UNB": _Builder._unb, "UNG": _Builder._ung, "UNH": _Builder._unh,
    "UNT": _Builder._unt, "UNE": _Builder._une, "UNZ": _Builder._unz,
}  # fmt: skip


def _message(draft: _MessageDraft) -> Message:
    """Freeze a message draft; its problems learn the message reference."""
    unh = draft.header
    ref = unh.get(0).strip()
    return Message(
        ref=ref,
        type=unh.get(1, 0).strip(),
        version=unh.get(1, 1).strip(),
        release=unh.get(1, 2).strip(),
        agency=unh.get(1, 3).strip(),
        association=unh.get(1, 4).strip(),
        segments=tuple(draft.segments),
        group_ref=draft.group_ref,
        problems=tuple(replace(p, message_ref=p.message_ref or ref) for p in draft.problems),
    )


def _with_problems(interchange: Interchange, found: list[Problem]) -> Interchange:
    """`interchange` with `found` added to its warnings and errors."""
    return replace(
        interchange,
        warnings=(*interchange.warnings, *(p for p in found if p.severity != "error")),
        errors=(*interchange.errors, *(p for p in found if p.severity == "error")),
    )


def _interchange(draft: _InterchangeDraft) -> Interchange:
    """Freeze an interchange draft, reading its UNB and checking its character set."""
    unb = draft.header or Segment("")
    syntax_id = unb.get(0, 0).strip().upper()
    found = draft.problems + charset_problems(draft.segments, syntax_id)
    return Interchange(
        sender=unb.get(1, 0).strip(),
        sender_qualifier=unb.get(1, 1).strip(),
        recipient=unb.get(2, 0).strip(),
        recipient_qualifier=unb.get(2, 1).strip(),
        control_ref=unb.get(4).strip(),
        syntax_id=syntax_id,
        syntax_version=unb.get(0, 1).strip(),
        prepared=headers.prepared(unb.get(3, 0), unb.get(3, 1)),
        application_ref=unb.get(6).strip(),
        ack_requested=unb.get(8).strip() == "1",
        test_indicator=unb.get(10).strip() == "1",
        enveloped=draft.header is not None,
        messages=tuple(draft.messages),
        warnings=tuple(p for p in found if p.severity != "error"),
        errors=tuple(p for p in found if p.severity == "error"),
        separators=draft.separators,
    )
