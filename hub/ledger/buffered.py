"""`Buffered`: the one protocol of the write-behind repositories.

Container files, outbox, inbox and audit collect their writes in memory and write them in one
statement each (`flush`), at commit or when a savepoint ends. The unit of work undoes what a
rolled-back savepoint collected with `mark` / `rollback_to`, and forgets everything when the
transaction ends with `discard` — the same four calls for every such repository.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

Mark = TypeVar("Mark")


class Buffered(Protocol[Mark]):
    """A repository that buffers its writes until `flush`; `Mark` is its own savepoint token."""

    def flush(self) -> None:
        """Write what is pending, now."""

    def mark(self) -> Mark:
        """What is pending now (a savepoint begins)."""

    def rollback_to(self, mark: Mark) -> None:
        """Forget what was buffered (and cached) since `mark` (its savepoint rolled back)."""

    def discard(self) -> None:
        """The transaction ended: forget what is pending and what its locks protected."""
