"""A business "no" as a value: the one refusal type of the token, billing and partner rules.

Decision functions return either what happened (new ledger entries, a new status, a wallet
movement) or a `Refusal` saying why not. A refusal is an outcome to record and report to the
sender, never an exception; the service layer turns it into an `ActionRefused` event.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """Why a decision said no.

    `reason` is a sentence for people (the APERAK text, the audit trail, the CLI); `code` is a
    stable machine-readable slug (``not-enough-tokens``, ``party-not-active``, ...) for callers
    that branch on the kind of refusal.
    """

    reason: str
    code: str = "refused"

    def __str__(self) -> str:
        return self.reason
