"""The ledger invariants of issue 6 after a round trip through the database: any sequence of
accepts and revokes charged by the token gate, stored in SQLite and read back, keeps
balance = grants + upgrades - consumptions + refunds - expiries, never negative, and refunds
each consumption at most once."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.bootstrap import Hub
from hub.domain import commands as c
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner, Role, Status
from hub.domain.tokens import EntryKind, TokenEntry, balance, consumption_key
from hub.service_layer.tokens import charge_token, release_key
from tests.unit.service.test_money_support import T0, Clock, fund, make_hub

OPS = st.lists(st.tuples(st.sampled_from(["accept", "revoke"]), st.integers(0, 30)), max_size=60)
_parties = itertools.count(1)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """One database for every example; each example uses a new operator."""
    hub, _ = make_hub(tmp_path_factory.mktemp("ledger"), Clock())
    yield hub
    hub.close()


def new_operator(hub: Hub) -> Partner:
    """An active transport operator with a Low subscription (25 tokens)."""
    roles = frozenset({Role.TRANSPORT_OPERATOR})
    partner = Partner(f"OP{next(_parties)}", "Op", country="BE", status=Status.ACTIVE, roles=roles)
    with hub.uow() as uow:
        uow.partners.save(partner)
        uow.commit()
    fund(hub, partner.party_id, "151.25", "low")
    return partner


def run(hub: Hub, partner: Partner, ops: list[tuple[str, int]]) -> list[TokenEntry]:
    """Each op in its own unit of work through the token gate; the ledger as stored."""
    for i, (op, n) in enumerate(ops):
        container = f"CONT{n:07d}"
        cmd: c.Command = c.AcceptRight(container, "R")
        if op == "revoke":
            cmd = c.RevokeRelease(container, "R")
        with hub.uow() as uow:
            charge_token(uow, ContainerFile(container), cmd, partner, f"msg{i}", T0)
            uow.commit()
    with hub.uow() as uow:
        return uow.tokens.entries(partner.party_id)


def total(entries: list[TokenEntry], kind: EntryKind) -> int:
    return sum(e.tokens for e in entries if e.kind is kind)


@settings(max_examples=25, deadline=None)
@given(ops=OPS)
def test_the_stored_ledger_keeps_its_invariants(shared: Hub, ops: list[tuple[str, int]]) -> None:
    partner = new_operator(shared)
    entries = run(shared, partner, ops)
    left = balance(entries, T0 + timedelta(seconds=1)).remaining
    formula = (
        total(entries, EntryKind.GRANT)
        + total(entries, EntryKind.UPGRADE)
        - total(entries, EntryKind.CONSUME)
        + total(entries, EntryKind.REFUND)
        - total(entries, EntryKind.EXPIRE)
    )
    assert left == formula and left is not None and left >= 0
    charged = Counter(e.key for e in entries if e.kind is EntryKind.CONSUME)
    refunded = Counter(e.key for e in entries if e.kind is EntryKind.REFUND)
    assert all(refunded[key] <= charged[key] for key in refunded)
    open_keys = {k for k in charged if charged[k] > refunded[k]}
    assert left == 25 - len(open_keys)
    assert all(k == consumption_key(release_key(k.split(":")[0], "R"), "accept") for k in charged)
