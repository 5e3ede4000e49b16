"""The console's waiting room in a real browser: an accept that came before its release is
listed for the hub team (sender, container, why it waits, deadline) and gone once the release
has come; anyone else gets 403."""

from __future__ import annotations

from typing import Any

from hub.domain.partners import Status
from tests.browser.conftest import Site, shot
from tests.browser.test_ops_console import SAMPLES, _deliver, _operator_page, _partners


def _rows(page: Any) -> list[list[str]]:
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        "#waiting tbody tr", "rows => rows.map(r => Array.from(r.cells, c => c.innerText))"
    )


def test_the_team_sees_what_waits_and_for_what(site: Site, browser: Any) -> None:
    _partners(site, fwdant=Status.ACTIVE)
    _deliver(site, (SAMPLES / "demo" / "02_accept.xml").read_bytes(), user="fwdant")

    anonymous = browser.new_page()
    assert anonymous.goto(f"{site.url}/ops/waiting").status == 403

    page = _operator_page(site, browser)
    page.click("text=Waiting room")
    [row] = _rows(page)
    assert row[1:3] == ["FWDANT", "MSCU1234566"]
    assert "no release for container MSCU1234566" in row[3]
    shot(page, "ops-waiting")

    _deliver(site, (SAMPLES / "demo" / "01_release.edi").read_bytes())
    page.reload()
    assert _rows(page) == [["Nothing waits."]]
