"""Hostile values at the web edge (issue 15): a NUL, a lone surrogate, an escape sequence, a
bidirectional override or an over-long value in any field of any form, in the query string or
in the path, is refused with its reason (400, or 413 for a body too large): never a 500, and
nothing changes. The routes and field names are discovered from the app and its templates, so
a new form is covered without editing this test."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select
from starlette.routing import Route

from hub.bootstrap import Hub
from hub.entrypoints.web import fields
from hub.ledger.tables import audit
from tests.unit.web.conftest import Client

CONTAINER = "MSCU1234566"
TEMPLATES = Path(fields.__file__).parent / "templates"
FIELDS = sorted(
    {n for t in TEMPLATES.glob("*.html") for n in re.findall(r'name="(\w+)"', t.read_text())}
    - {"viewport"}
)
HOSTILE = {
    "NUL": "a\x00b",
    "lone surrogate": "a\ud800b",
    "escape sequence": "\x1b[31mred",
    "newline": "one\ntwo",
    "bidi override": "abc\u202efdp.exe",
    "over-long": "x" * (fields.LIMIT + 1),
}
REFUSED = ("control character", "longer than", "larger than")


def _routes(client: Client, method: str) -> list[tuple[str, str]]:
    """(path, party) of every route for `method`, its parameters filled in."""
    found = []
    for route in client.app.routes:
        if isinstance(route, Route) and method in (route.methods or ()):
            path = route.path.replace("{container}", CONTAINER).replace("{entry_id:int}", "1")
            found.append((path, "OPS" if path.startswith("/ops") else "TRUCKCO"))
    return found


def _audit_rows(hub: Hub) -> int:
    with hub.db.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(audit)) or 0)


def _valid(name: str) -> str:
    return {"csrf": "c1", "action": "decline", "key": "k1", "reason": "no"}.get(name, "ok")


def test_a_hostile_value_in_any_form_field_is_refused_with_its_reason(
    shared_web: tuple[Hub, Client],
) -> None:
    hub, client = shared_web
    before, posts = _audit_rows(hub), _routes(client, "POST")
    assert len(posts) >= 14 and len(FIELDS) >= 30  # discovery found the forms
    for path, party in posts:
        for name in FIELDS:
            if name == "csrf":
                continue
            form = {n: _valid(n) for n in ("csrf", "action", "key")} | {name: HOSTILE["NUL"]}
            answer = client.post(path, form, party)
            assert answer.status == 400, (path, name, answer.status)
            assert f"{name} holds a control character" in answer.body
    assert _audit_rows(hub) == before  # nothing was done


def test_every_kind_of_hostile_value_is_refused_on_every_form(
    shared_web: tuple[Hub, Client],
) -> None:
    hub, client = shared_web
    before = _audit_rows(hub)
    for path, party in _routes(client, "POST"):
        for kind, value in HOSTILE.items():
            hostile = {n: value for n in FIELDS if n != "csrf"}
            answer = client.post(path, {"csrf": "c1"} | hostile, party)
            assert answer.status in (400, 413), (path, kind, answer.status)
            assert any(r in answer.body for r in REFUSED), (path, kind)
    assert _audit_rows(hub) == before


def test_a_form_too_large_or_of_unknown_length_is_refused_before_it_is_read(
    shared_web: tuple[Hub, Client],
) -> None:
    client = shared_web[1]
    big = client.post(f"/containers/{CONTAINER}", {"csrf": "c1", "q": "x" * fields.MAX_BODY})
    assert (big.status, "larger than" in big.body) == (413, True)


def test_hostile_query_strings_and_paths_are_refused(shared_web: tuple[Hub, Client]) -> None:
    client = shared_web[1]
    for path, party in _routes(client, "GET"):
        for kind, value in HOSTILE.items():
            query = "&".join(f"{n}={value}" for n in ("q", "container", "identity", "to", "token"))
            answer = client.get(f"{path}?{query}", party)
            assert answer.status == 400, (path, kind, answer.status)
            assert any(r in answer.body for r in REFUSED), (path, kind)
    for kind, value in HOSTILE.items():
        answer = client.get(f"/containers/{value}")
        assert answer.status in (400, 404), (kind, answer.status)
    wrong = client.get("/containers/MSCU1234566XYZ")  # not cut to its first 11 characters
    assert (wrong.status, "is not 4 letters" in wrong.body) == (404, True)


def test_a_value_the_database_cannot_hold_is_refused_with_its_reason(
    shared_web: tuple[Hub, Client],
) -> None:
    hub, client = shared_web
    form = {"csrf": "c1", "key": "k-long-bl", "container": "MSCU1234571", "release_ref": "R1"}
    form |= {"bills": "B" * 71, "terminal": "PSAT", "to": "FWDANT"}  # a B/L column holds 70
    answer = client.post("/containers", form, "MSCBE")
    assert answer.status == 400 and "longer than 70 characters" in answer.body
    with hub.uow() as uow:
        assert uow.files.get("MSCU1234571").right is None  # nothing released


def test_a_company_that_declined_still_sees_its_own_link(web: tuple[Hub, Client]) -> None:
    client = web[1]
    form = {"csrf": "c1", "action": "decline", "key": "k-decline", "reason": "not ours"}
    declined = client.post(f"/containers/{CONTAINER}", form)
    assert declined.status == 200 and "no longer take part" in declined.body
    listed = client.get("/containers")
    assert listed.status == 200 and CONTAINER in listed.body
    assert "data-light" not in listed.body  # it no longer learns the lights
