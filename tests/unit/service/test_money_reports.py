"""Monthly reports on a scripted month (November 2026) through the service layer and the CLI:
the port authority's bundle (per terminal, no party identity anywhere) and the billing split."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.entrypoints.cli import cli
from hub.ledger.reporting import for_uow
from hub.service_layer import reports
from tests.unit.service.test_money_support import (
    Clock,
    coreor,
    deliver,
    fund,
    make_hub,
    play,
)

DEMO = tuple(
    (f"demo/{name}", user)
    for name, user in (
        ("01_release.edi", "mscbe"),
        ("02_accept.xml", "fwdant"),
        ("03_transfer.xml", "fwdant"),
        ("04_accept.xml", "truckco"),
        ("05_customs.xml", "becustoms"),
        ("06_discharge.edi", "psat"),
        ("07_assign.xml", "truckco"),
        ("08_gate_out.edi", "psat"),
    )
)
SECRETS = ("AP1234567", "TAR-PSAT-55512", "MSCREL", "MEDUAN", "MSCU1234566", "FCIU9908030")


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Hub, Path]]:
    """November: two containers released at PSAT (one picked up, one revoked), one at MPET that
    expires; in December a new release that the November report must not count."""
    tmp = tmp_path_factory.mktemp("month")
    clock = Clock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    hub, _ = make_hub(tmp, clock)
    fund(hub, "TRUCKCO", "151.25", "low")
    assert {o.status for o in play(hub, DEMO)} == {"applied"}
    script = [
        coreor("MSC0000009", "MSCREL20261123", "1", ("FCIU9908030",)),
        coreor("MSC0000010", "MSCREL2", "9", ("MEDU1239878",), "MPET", "202611101200"),
    ]
    for i, text in enumerate(script):
        assert deliver(hub, text, "mscbe", f"script-{i}").status == "applied"
    clock.at = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
    assert hub.worker.expire_due() == 1
    clock.at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    december = coreor("MSC0000011", "MSCREL3", "9", ("FCIU9908030",))
    assert deliver(hub, december, "mscbe", "december").status == "applied"
    yield hub, tmp
    hub.close()


def authority(hub: Hub, month: str) -> list[reports.TerminalFigures]:
    with hub.uow() as uow:
        return reports.authority_report(for_uow(uow), month)


def test_the_authority_report_counts_per_terminal(month: tuple[Hub, Path]) -> None:
    hub, _ = month
    rows = {f.terminal: f.as_dict() for f in authority(hub, "2026-11")}
    counts = {
        t: {k: v for k, v in r.items() if k not in ("terminal", "lights")} for t, r in rows.items()
    }
    assert counts == {
        "MPET": {"released": 1, "transferred": 1, "picked_up": 0, "expired": 1, "revoked": 0},
        "PSAT": {"released": 2, "transferred": 2, "picked_up": 1, "expired": 0, "revoked": 1},
    }
    psat = {(x["light"], x["colour"], x["value"]): x["count"] for x in rows["PSAT"]["lights"]}
    mpet = {(x["light"], x["colour"], x["value"]): x["count"] for x in rows["MPET"]["lights"]}
    assert psat[("customs", "GREEN", "released")] == 2
    assert psat[("commercial", "GREEN", "ok")] == 2
    assert psat[("commercial", "RED", "revoked")] == 1
    assert mpet == {("commercial", "GREEN", "ok"): 1, ("commercial", "RED", "expired"): 1}


def test_the_month_window_keeps_december_out(month: tuple[Hub, Path]) -> None:
    hub, _ = month
    december = [f.as_dict() for f in authority(hub, "2026-12")]
    assert [(r["terminal"], r["released"], r["transferred"]) for r in december] == [("PSAT", 1, 1)]
    assert authority(hub, "2026-10") == []


def strings(value: Any) -> Iterator[str]:
    """Every key and string value of a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def identities(hub: Hub) -> set[str]:
    """Every party id, name, VAT, EORI, broker user and EDI id registered."""
    with hub.uow() as uow:
        found = {
            x
            for p in uow.partners.all()
            for x in (p.party_id, p.name, p.vat, p.eori, p.broker_user, *(i for i, _ in p.edi_ids))
        }
    return {x.upper() for x in found if x}


def test_the_authority_report_names_no_party(month: tuple[Hub, Path]) -> None:
    hub, tmp = month
    runner = CliRunner(env={"HUB_DATABASE_URL": f"sqlite:///{tmp}/h.db"})
    result = runner.invoke(cli, ["report", "authority", "--month", "2026-11"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    terminals = {row["terminal"] for row in doc["terminals"]}
    assert terminals == {"PSAT", "MPET"}
    texts = [s.upper() for s in strings(doc) if s not in terminals]
    leaked = {x for x in identities(hub) | set(SECRETS) if any(x in s for s in texts)}
    assert leaked == set()
    as_csv = runner.invoke(cli, ["report", "authority", "--month", "2026-11", "--format", "csv"])
    assert (
        as_csv.output.splitlines()[0] == "terminal,released,transferred,picked_up,expired,revoked"
    )


def test_the_billing_report_splits_each_release_over_three_payers(month: tuple[Hub, Path]) -> None:
    hub, tmp = month
    with hub.uow() as uow:
        rows = reports.billing_report(for_uow(uow), uow.partners, "2026-11", 1000)
    assert [(r.party, r.role, r.containers, r.amount_cents) for r in rows] == [
        ("FWDANT", "release_party", 3, 1002),
        ("MPET", "terminal_operator", 1, 333),
        ("MSCBE", "ship_agent", 3, 999),
        ("PSAT", "terminal_operator", 2, 666),
    ]
    assert sum(r.amount_cents for r in rows) == 3 * 1000
    runner = CliRunner(env={"HUB_DATABASE_URL": f"sqlite:///{tmp}/h.db"})
    as_json = runner.invoke(cli, ["billing", "report", "--month", "2026-11", "--format", "json"])
    assert json.loads(as_json.output)[0] == {  # the yearly fees' columns stay blank
        "item": "contribution",
        "party": "FWDANT",
        "role": "release_party",
        "containers": 3,
        "amount_eur": "10.02",
        "vat_eur": "",
        "gross_eur": "",
        "vat": "",
        "period": "",
    }
    bad = runner.invoke(cli, ["billing", "report", "--month", "2026-13"])
    assert bad.exit_code == 2 and "not a month" in bad.output


@pytest.mark.parametrize(
    ("month", "start", "end"),
    [("2026-11", (2026, 11), (2026, 12)), ("2026-12", (2026, 12), (2027, 1))],
)
def test_the_month_window_is_utc_and_half_open(
    month: str, start: tuple[int, int], end: tuple[int, int]
) -> None:
    first, after = reports.month_window(month)
    assert (first.year, first.month, first.day, after.year, after.month) == (*start, 1, *end)
    assert first.tzinfo is UTC
