"""The yearly fees in `hub billing report` (issue 19): the API subscription and web use, each
invoiced in the month its partner's fee year starts (its activation), with VAT as for tokens,
beside the per-container contribution split."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.domain.partners import Partner, Role, Status
from hub.entrypoints.cli import cli
from hub.ledger.reporting import for_uow
from hub.service_layer import registry, reports
from tests.unit.service.test_money_support import Clock, make_hub, ok

ACTIVATED = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
MINE = {
    "BEAGENT1": ({Role.SHIP_AGENT}, "BE", False),
    "NLFWD1": ({Role.RELEASE_PARTY}, "NL", False),
    "CHTERM1": ({Role.TERMINAL_OPERATOR}, "CH", False),
    "DEAPI1": ({Role.RELEASE_PARTY, Role.TRANSPORT_OPERATOR}, "DE", True),
    "BETRUCK1": ({Role.TRANSPORT_OPERATOR}, "BE", False),
}


def activated(tmp_path: Path) -> Hub:
    """The sample partners, and five more approved and then activated on ACTIVATED."""
    hub, _ = make_hub(tmp_path, Clock(ACTIVATED))
    with hub.uow() as uow:
        for party, (roles, country, api) in MINE.items():
            uow.partners.save(
                Partner(
                    party,
                    party,
                    country=country,
                    roles=frozenset(roles),
                    status=Status.APPROVED,
                    api_subscriber=api,
                )
            )
            ok(registry.activate(uow, party, ACTIVATED, f"hub partners activate {party}"))
        uow.commit()
    return hub


def test_the_fees_are_due_in_the_month_the_fee_year_starts(tmp_path: Path) -> None:
    hub = activated(tmp_path)
    with hub.uow() as uow:
        due = {
            m: [r for r in reports.fee_report(for_uow(uow), uow.partners, m) if r.party in MINE]
            for m in ("2026-05", "2026-06", "2027-05")
        }
    assert due["2026-06"] == []
    assert [
        (r.party, r.fee.value, str(r.net), str(r.vat), r.vat_treatment.value)
        for r in due["2027-05"]
    ] == [
        ("BEAGENT1", "web_use", "250.00", "52.50", "be_vat_21"),
        ("CHTERM1", "web_use", "250.00", "0.00", "outside_scope"),
        ("DEAPI1", "api_subscription", "2500.00", "0.00", "reverse_charge"),
        ("NLFWD1", "web_use", "250.00", "0.00", "reverse_charge"),
    ]
    assert [r.period_start for r in due["2026-05"]] == [ACTIVATED] * 4
    hub.close()


def test_hub_billing_report_lists_the_fees_beside_the_contribution(tmp_path: Path) -> None:
    activated(tmp_path).close()
    runner = CliRunner(env={"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/h.db"})
    as_json = runner.invoke(cli, ["billing", "report", "--month", "2027-05", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    rows = {r["party"]: r for r in json.loads(as_json.output) if r["party"] in MINE}
    assert rows["BEAGENT1"] == {
        "item": "web_use",
        "party": "BEAGENT1",
        "role": "",
        "containers": "",
        "amount_eur": "250.00",
        "vat_eur": "52.50",
        "gross_eur": "302.50",
        "vat": "be_vat_21",
        "period": "2027-05-10/2028-05-10",
    }
    assert rows["DEAPI1"]["gross_eur"] == "2500.00" and rows["DEAPI1"]["vat"] == "reverse_charge"
    assert "BETRUCK1" not in rows  # pays in tokens
    as_csv = runner.invoke(cli, ["billing", "report", "--month", "2027-05"])
    table = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert {r["party"]: r["item"] for r in table if r["party"] in MINE}["CHTERM1"] == "web_use"


def test_an_api_subscription_switched_on_after_activation_runs_from_then(tmp_path: Path) -> None:
    """NLFWD1 pays for web use from its activation in May; its API subscription, switched on
    by a partners file in September, is a fee year of its own from September, not from May."""
    hub = activated(tmp_path)
    switched = datetime(2026, 9, 3, 14, 0, tzinfo=UTC)
    with hub.uow() as uow:
        nlfwd = uow.partners.get("NLFWD1")
        assert nlfwd is not None and not nlfwd.api_subscriber
        loaded = [replace(nlfwd, api_subscriber=True)]
        ok(registry.load(uow, loaded, switched, "hub partners load"))
        uow.commit()
    with hub.uow() as uow:
        due = {
            m: [
                (r.party, r.fee.value, r.period_start)
                for r in reports.fee_report(for_uow(uow), uow.partners, m)
                if r.party == "NLFWD1"
            ]
            for m in ("2026-09", "2027-05", "2027-09")
        }
    assert due["2027-05"] == [], "its API year does not start at the activation"
    assert due["2026-09"] == [("NLFWD1", "api_subscription", switched)]
    assert due["2027-09"] == [("NLFWD1", "api_subscription", switched.replace(year=2027))]
    hub.close()
