"""The hub's exceptions, one tree.

    HubError
    ├── ConfigurationError        the hub cannot run as configured (a server refused its login)
    ├── PermanentError            never retried: rejected, acknowledged to the sender, quarantined
    │   ├── InputTooLarge         a configured input limit was exceeded
    │   ├── SyntaxRejected        not well-formed EDIFACT / XML (carries `Problem`s)
    │   ├── SchemaRejected        well-formed, but not valid against its schema
    │   ├── UnsupportedMessage    a message type or version the hub does not handle
    │   ├── SenderMismatch        the claimed sender is not the authenticated partner
    │   ├── NotAllowed            the sender may not act for the party it names
    │   └── Unstorable            the database cannot store what the message carries
    └── TransientError            retried with bounded backoff, the message is not acked
        ├── BrokerUnavailable
        └── DatabaseUnavailable
            └── ConcurrencyConflict   another process changed the same rows; retry

Business refusals (no tokens, not the holder, unknown party, ...) are *not* exceptions: they are
events returned by the domain (see `hub.domain.events.ActionRefused`).

Every permanent error carries structured `Problem`s: which message, which segment, which element,
what was expected, and a code from the CONTRL syntax error list (UN/EDIFACT 0085) where one fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One structured finding about an inbound message.

    `segment_tag`/`segment_position` locate an EDIFACT segment (position counted from 1 within
    the interchange); `element`/`component` locate data inside it. For XML, `line` and `path`
    locate the element. `code` is a UN/EDIFACT 0085 syntax error code or an APERAK ERC code.
    """

    message: str
    code: str = ""
    severity: str = "error"  # "error" or "warning"
    message_ref: str = ""
    segment_tag: str = ""
    segment_position: int = 0
    element: int = 0
    component: int = 0
    line: int = 0
    path: str = ""

    def locator(self) -> str:
        """Human-readable position, e.g. ``segment 12 EQD, element 2``."""
        parts: list[str] = []
        if self.message_ref:
            parts.append(f"message {self.message_ref}")
        if self.segment_tag or self.segment_position:
            position = f"segment {self.segment_position or ''} {self.segment_tag}"
            parts.append(" ".join(position.split()))
        if self.element:
            parts.append(f"element {self.element}")
        if self.component:
            parts.append(f"component {self.component}")
        if self.line:
            parts.append(f"line {self.line}")
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.locator()
        code = f" [{self.code}]" if self.code else ""
        return f"{where}: {self.message}{code}" if where else f"{self.message}{code}"

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form, empty fields left out."""
        return {k: v for k, v in self.__dict__.items() if v not in ("", 0)}


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


class ConfigurationError(HubError):
    """The hub cannot run as configured: waiting will not help, a person must fix it."""


@dataclass
class PermanentError(HubError):
    """A message that will never succeed as it is: reject it, tell the sender, keep it."""

    reason: str
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        super().__init__(self.reason)

    def __str__(self) -> str:
        if not self.problems:
            return self.reason
        return f"{self.reason}: " + "; ".join(str(p) for p in self.problems[:5])


class InputTooLarge(PermanentError):
    """Payload size, segment count, XML depth or similar limit exceeded."""


class SyntaxRejected(PermanentError):
    """Not well-formed EDIFACT or XML."""


class SchemaRejected(PermanentError):
    """Well-formed but not valid against its schema or message structure."""


class UnsupportedMessage(PermanentError):
    """A message type the hub does not handle."""


class SenderMismatch(PermanentError):
    """The sender named in the message is not the authenticated partner."""


class NotAllowed(PermanentError):
    """The sender may not act as the party it names (e.g. an unlinked organisation)."""


class Unstorable(PermanentError):
    """The database cannot store a value of this message (too long for its column, a NUL or
    another character it refuses, out of range): a problem of that message, never retried."""


class TransientError(HubError):
    """A fault that may pass: broker or database unavailable. Retry, do not ack."""


class BrokerUnavailable(TransientError):
    """RabbitMQ cannot be reached or refused the operation."""


class DatabaseUnavailable(TransientError):
    """The database cannot be reached or the transaction could not be committed."""


class ConcurrencyConflict(DatabaseUnavailable):
    """A unique-key race or serialisation failure with another hub process: retry."""
