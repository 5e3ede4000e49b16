"""Sharing the inbound partitions between hub processes: the pure decision and its SQL store
(SQLite here; PostgreSQL in tests/integration/test_partitions_amqp.py through `hub run`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.domain.partitions import Lease, renew
from hub.ledger.db import make_engine, upgrade
from hub.ledger.leases import SqlPartitionLeases

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=10)


def test_a_lone_process_takes_every_partition() -> None:
    got = renew(dict.fromkeys(range(8)), "a", 1, NOW)
    assert got.consume == got.held == frozenset(range(8)) and not got.released


def test_a_second_process_gets_its_share_only_once_the_first_has_settled_the_extras() -> None:
    a_holds = {p: Lease("a", LATER) for p in range(8)}
    b = renew(a_holds, "b", 2, NOW)
    assert b.held == frozenset(), "nothing is free yet"
    a = renew(a_holds, "a", 2, NOW, releasable=())
    assert a.consume == frozenset(range(4)), "a stops consuming its extras"
    assert a.held == frozenset(range(8)) and not a.released, "but keeps them until settled"
    a = renew(a_holds, "a", 2, NOW, releasable={4, 5, 6, 7})
    assert a.released == frozenset({4, 5, 6, 7}) and a.held == frozenset(range(4))
    after = {p: (Lease("a", LATER) if p < 4 else None) for p in range(8)}
    assert renew(after, "b", 2, NOW).consume == frozenset({4, 5, 6, 7})


def test_an_expired_lease_is_free_for_another_process() -> None:
    dead = {p: Lease("dead", NOW - timedelta(seconds=1)) for p in range(4)}
    assert renew(dead, "b", 1, NOW).consume == frozenset(range(4))


@pytest.fixture()
def leases(tmp_path: Path) -> SqlPartitionLeases:
    engine = make_engine(f"sqlite:///{tmp_path / 'leases.db'}")
    upgrade(engine)
    return SqlPartitionLeases(engine)


def test_processes_converge_on_disjoint_shares_and_a_dead_ones_move(
    leases: SqlPartitionLeases,
) -> None:
    settled: dict[str, frozenset[int]] = {"a": frozenset(), "b": frozenset(), "c": frozenset()}
    consumed: dict[str, frozenset[int]] = dict.fromkeys(settled, frozenset())

    def tick(who: str, at: datetime) -> None:
        r = leases.renew(who, 8, 5.0, at, frozenset(range(8)) - consumed[who])
        consumed[who] = r.consume  # settles at once: this "transport" holds nothing unacked

    for second in range(4):
        for who in ("a", "b", "c"):
            tick(who, NOW + timedelta(seconds=second))
    shares = [consumed[w] for w in ("a", "b", "c")]
    assert sorted(len(s) for s in shares) == [2, 3, 3]
    assert frozenset().union(*shares) == frozenset(range(8))
    assert sum(len(s) for s in shares) == 8, "no partition is consumed twice"
    # c dies: after its leases expire, a and b take its partitions between them
    for second in range(4, 16):
        for who in ("a", "b"):
            tick(who, NOW + timedelta(seconds=second))
    assert consumed["a"] | consumed["b"] == frozenset(range(8))
    assert not consumed["a"] & consumed["b"]
    leases.leave("a")
    tick("b", NOW + timedelta(seconds=17))
    assert consumed["b"] == frozenset(range(8)), "a leaving frees its partitions at once"
