"""Sharing the inbound partitions between hub processes: the pure decision of one renewal.

Inbound is split into `count` partitions by sender (one queue each, single active consumer).
Every process renews, every few seconds, a lease on the partitions it consumes; this module
decides, from the leases and the live processes seen in one transaction, which partitions a
process holds afterwards. Each live process aims for ``ceil(count / live)``: it claims free or
expired partitions up to that share and gives up its extras, but only extras it has already
stopped consuming and settled (`releasable`): a partition changes hands only once everything its
old holder received from it is committed and acknowledged, so the new holder starts exactly
after the last message the old one applied, and one sender's order survives the handover.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Lease:
    """Who holds a partition, until when (an expired lease is free)."""

    holder: str
    expires_at: datetime


@dataclass(frozen=True)
class Renewal:
    """The outcome of one renewal for one process."""

    held: frozenset[int]
    """Partitions whose lease this process holds after the renewal (renewed)."""
    consume: frozenset[int]
    """The subset to consume; the rest are extras it must stop consuming and settle first."""
    released: frozenset[int]
    """Partitions given up in this renewal (their lease is freed)."""


def share(count: int, live: int) -> int:
    """How many partitions one of `live` processes aims to hold."""
    return math.ceil(count / max(1, live))


def renew(
    leases: Mapping[int, Lease | None],
    holder: str,
    live: int,
    now: datetime,
    releasable: Collection[int] = (),
) -> Renewal:
    """Decide what `holder` holds after this renewal. `leases` has every partition (None: never
    leased); `live` counts the processes alive now, this one included; `releasable` are the
    partitions this process does not consume and has nothing unsettled of (it may free them)."""
    target = share(len(leases), live)
    mine = sorted(p for p, lease in leases.items() if lease is not None and lease.holder == holder)
    free = sorted(
        p
        for p, lease in leases.items()
        if lease is None or (lease.holder != holder and lease.expires_at <= now)
    )
    keep, extras = mine[:target], mine[target:]
    released = frozenset(p for p in extras if p in releasable)
    still = [p for p in extras if p not in released]  # held until settled, not consumed
    claimed = free[: max(0, target - len(keep))]
    consume = frozenset(keep) | frozenset(claimed)
    return Renewal(consume | frozenset(still), consume, released)
