"""The portal's service layer on PostgreSQL (issue 15): two submissions of one form racing
have one effect, and "my containers" finds a company's files through the JSON documents."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.domain import commands as c
from hub.domain.users import User, UserRole, UserState
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer import accounts, portal_views
from hub.service_layer.portal_actions import APPLIED, DUPLICATE, ActionAnswer, perform
from tests.conftest import SAMPLES
from tests.unit.service.test_money_support import STORY, Clock, fund, play

pytestmark = pytest.mark.integration
CONTAINER, REF = "MSCU1234566", "MSCREL20261123"


@pytest.fixture()
def hub(own_pg_url: str) -> Iterator[Hub]:
    made = build(Settings(database_url=own_pg_url), transport=InProcessTransport(), clock=Clock())
    with made.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.commit()
    fund(made, "TRUCKCO", "200.00", "low")
    play(made, STORY[:3])
    yield made
    made.close()


def test_two_submissions_of_one_form_racing_have_one_effect(hub: Hub) -> None:
    alice = User("u-a", "TRUCKCO", "a@x.example", UserRole.ADMIN, UserState.ACTIVE, "alice")
    answers: list[ActionAnswer] = []
    start = threading.Barrier(2)

    def submit() -> None:
        start.wait()
        answers.append(
            perform(hub.uow, hub.worker.hub, alice, "k-1", c.AcceptRight(CONTAINER, REF))
        )

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(a.status for a in answers) == [APPLIED, DUPLICATE]
    with hub.uow() as uow:
        left = accounts.token_account(uow, "TRUCKCO", hub.clock()).balance
        mine = portal_views.my_containers(uow, "TRUCKCO", hub.clock())
        none = portal_views.my_containers(uow, "BARGECO", hub.clock())
    assert left is not None and left.remaining == 24
    assert [r.container for r in mine] == [CONTAINER] and none == []
