"""The operations console's services over SQLite: who is an operator, what an operator may do
(and a company user may not), the quarantine filter, replay in bounded batches, decisions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.bootstrap import build, build_portal
from hub.config import Settings
from hub.domain.containers import check_digit
from hub.domain.partners import Partner, Status
from hub.domain.refusals import Refusal
from hub.domain.users import User, UserRole, UserState
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer import approvals, identity, login, operations, registry
from hub.service_layer.identity_ports import Mail
from hub.service_layer.pipeline import handle_inbound
from hub.service_layer.portal import Portal
from hub.service_layer.ports import Delivery, QuarantineEntry, QuarantineFilter
from tests.unit.service.conftest import FixedClock

PASSWORD = "correct horse battery"
SAMPLES = Path(__file__).resolve().parents[3] / "samples"


class Outbox:
    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)


@pytest.fixture()
def portal(tmp_path: Path, clock: FixedClock) -> Iterator[Portal]:
    hub = build(
        Settings(database_url=f"sqlite:///{tmp_path}/hub.db", home=str(tmp_path)),
        clock=clock,
        consume=False,
    )
    built = build_portal(hub)
    built.mailer = Outbox()
    yield built
    hub.close()


def _operator(portal: Portal) -> User:
    added = portal.run(
        lambda u, s, now: operations.add_operator(u, s, "ops@hub.example", "en", now, "http://h")
    )
    assert isinstance(added, User)
    mail = portal.mailer.sent[-1]  # type: ignore[attr-defined]
    token = re.search(r"token=(\S+)", mail.body)[1]  # type: ignore[index]
    c = portal.credentials
    user = portal.run(
        lambda u, s, now: identity.activate_user(u, s, c, token, "ops1", PASSWORD, now)
    )
    assert isinstance(user, User), user
    return user


def _company_admin(portal: Portal) -> User:
    user = User(
        "u1",
        "MSCBE",
        "a@m.example",
        UserRole.ADMIN,
        UserState.ACTIVE,
        "mscbe",
        created_at=portal.clock(),
    )
    portal.do(lambda _u, store, _n: store.save_user(user))
    return user


def _partners(portal: Portal, fwdant: Status) -> None:
    def save(uow: Any, _s: Any, _n: Any) -> None:
        for p in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(replace(p, status=fwdant) if p.party_id == "FWDANT" else p)

    portal.do(save)


def _quarantine(portal: Portal, body: bytes) -> None:
    context = portal.context
    assert context is not None
    portal.do(lambda u, _s, _n: handle_inbound(Delivery(body, "mscbe", "m", "x"), u, context))


def _release(n: int) -> bytes:
    """The sample release to FWDANT as its own interchange, for one container of its own."""
    first = f"MSCU{800 + n:06d}"
    edi = (SAMPLES / "demo" / "01_release.edi").read_text()
    edi = edi.replace("MSC0000001", f"MSC000020{n}").replace("MSCREL20261123", f"R{n}")
    edi = edi.replace("EQD+CN+MSCU1234566+45G1:102:5+++5'\n", "").replace("CNT+16:2", "CNT+16:1")
    return edi.replace("FCIU9908030", first + str(check_digit(first))).encode()


def test_an_operator_is_of_the_hub_team_and_logs_in_without_a_company(portal: Portal) -> None:
    user = _operator(portal)
    assert user.role is UserRole.OPERATOR and user.party_id == operations.OPERATORS_PARTY
    c, p = portal.credentials, portal.policy
    started = portal.run(
        lambda u, s, now: login.start_login(u, s, c, p, "ops1", PASSWORD, "1.2.3.4", now),
        keep_refused=True,
    )
    assert isinstance(started, login.Challenge), started
    assert portal.read(lambda u, _s, _n: u.partners.get(operations.OPERATORS_PARTY)) is None


def test_a_company_admin_cannot_invite_an_operator(portal: Portal) -> None:
    _partners(portal, Status.ACTIVE)
    admin = _company_admin(portal)
    refused = portal.run(
        lambda u, s, now: identity.invite_user(
            u, s, admin, "x@m.example", "operator", "en", now, "http://h"
        )
    )
    assert isinstance(refused, Refusal) and refused.code == "bad-role"


def test_the_filter_reads_kind_sender_reason_problems_and_dates_in_sql(
    portal: Portal, clock: FixedClock
) -> None:
    at, day = clock(), timedelta(days=1)
    entries = [
        QuarantineEntry(at, b"a", "1 message rejected", ({"message": "party X is not active"},),
                        "mscbe", "MSCBE"),
        QuarantineEntry(at - 3 * day, b"b", "50% off_", (), "fwdant", "FWDANT", kind="refused"),
        QuarantineEntry(at, b"c", "replayed one", (), "mscbe", "MSCBE", status="replayed"),
    ]  # fmt: skip

    def add(u: Any, _s: Any, _n: Any) -> None:
        for entry in entries:
            u.quarantine.add(entry)

    portal.do(add)

    def ids(**query: Any) -> list[int]:
        f = QuarantineFilter(**query)
        page = portal.read(lambda u, _s, _n: operations.held(u, f))
        return [q.id for q in page.entries]

    assert ids() == [1, 2]  # held only
    assert ids(kind="unreadable", sender="mscbe", text="NOT ACTIVE") == [1]
    assert ids(sender="fwdant") == [2] and ids(sender="FWDANT") == [2]
    assert ids(text="50%") == [2] and ids(text="%") == [2] and ids(text="f_") == [2]
    assert ids(text="0% o") == [2] and ids(text="x%") == []  # wildcards are plain characters
    assert ids(since=at - day, until=at + day) == [1]
    assert ids(until=at - 2 * day) == [2]
    assert ids(kind="refused", sender="MSCBE") == []
    assert ids(upto=1) == [1]


def test_the_console_pages_through_many_held_entries(portal: Portal, clock: FixedClock) -> None:
    def add(u: Any, _s: Any, _n: Any) -> None:
        for n in range(7):
            u.quarantine.add(QuarantineEntry(clock(), b"x", f"reason {n}", (), "m", "MSCBE"))

    portal.do(add)
    f, pages, after = QuarantineFilter(sender="MSCBE"), [], 0
    while True:
        page = portal.read(lambda u, _s, _n, a=after: operations.held(u, f, a, size=3))
        pages.append([q.id for q in page.entries])
        assert page.total == 7
        if not page.after:
            break
        after = page.after
    assert pages == [[1, 2, 3], [4, 5, 6], [7]]


def test_replay_all_goes_in_bounded_batches_and_only_for_an_operator(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operations, "BATCH", 2)
    _partners(portal, Status.APPROVED)
    for n in range(3):
        _quarantine(portal, _release(n))
    portal.do(lambda u, _s, now: approvals.activate(u, "FWDANT", now, "test"))
    operator, admin = _operator(portal), _company_admin(portal)
    query = QuarantineFilter(text="is not active")
    context = portal.context
    assert context is not None

    def replay(user: User) -> Any:
        return portal.run(
            lambda u, _s, now: operations.replay_matching(u, context, user, query, now)
        )

    refused = replay(admin)
    assert isinstance(refused, Refusal) and refused.code == "not-operator"
    first = replay(operator)
    assert first == operations.Batch(done=2, again=0, left=1, upto=3)
    query = replace(query, upto=first.upto)
    assert replay(operator) == operations.Batch(done=1, again=0, left=0, upto=3)
    assert portal.read(lambda u, _s, _n: operations.held(u, query)).entries == []


def test_an_operator_approves_and_denies_registrations(portal: Portal) -> None:
    operator = _operator(portal)
    form = registry.Registration("Kempen", "BE0123456749", "BE0123456749", roles=("release_party",))
    done = portal.run(
        lambda u, s, now: identity.register_company(u, s, form, "a@k.example", "en", now)
    )
    assert isinstance(done, registry.Registered)
    party = done.partner.party_id
    waiting, _ = portal.read(lambda u, _s, _n: operations.pending(u))
    assert [p.party_id for p in waiting] == [party]

    def decide(decision: str, reason: str = "") -> Any:
        return portal.run(
            lambda u, s, now: operations.decide(
                u, s, operator, party, decision, reason, now, "http://h"
            )
        )

    no_reason = decide("deny")
    assert isinstance(no_reason, Refusal) and no_reason.code == "reason-required"
    approved = decide("approve")
    assert isinstance(approved, Partner) and approved.status is Status.APPROVED
    assert "token=" in portal.mailer.sent[-1].body  # type: ignore[attr-defined]
    assert portal.read(lambda u, _s, _n: operations.pending(u)) == ([], [])


def test_replay_all_ends_even_when_every_entry_is_quarantined_again(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(operations, "BATCH", 2)
    _partners(portal, Status.APPROVED)  # FWDANT stays inactive: each replay is refused again
    for n in range(3):
        _quarantine(portal, _release(n))
    operator, context = _operator(portal), portal.context
    assert context is not None
    query = QuarantineFilter(text="is not active")
    batches = []
    while not batches or batches[-1].left:
        assert len(batches) < 3, batches  # without the bound the run would never end
        batch = portal.run(
            lambda u, _s, now, q=query: operations.replay_matching(u, context, operator, q, now)
        )
        assert isinstance(batch, operations.Batch)
        batches.append(batch)
        query = replace(query, upto=batch.upto)
    assert [(b.done, b.again) for b in batches] == [(2, 2), (1, 1)]
    again = portal.read(lambda u, _s, _n: operations.held(u, QuarantineFilter()))
    assert [q.id for q in again.entries] == [4, 5, 6]
