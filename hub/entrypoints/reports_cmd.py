"""`hub report authority`: the port authority's monthly bundle, without party identities."""

from __future__ import annotations

import json
from typing import Any

import click

from hub.config import Settings
from hub.entrypoints.money_cmd import emit, run_service
from hub.ledger.reporting import for_uow
from hub.service_layer import reports

COLUMNS = ["terminal", *reports.COUNTED.values()]
LIGHT_COLUMNS = ["terminal", "light", "colour", "value", "count"]


@click.group()
def report() -> None:
    """Reports for authorities."""


@report.command("authority")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.pass_obj
def report_authority(settings: Settings, month: str, fmt: str) -> None:
    """Per terminal: containers released, transferred, picked up, expired, revoked, and the
    distribution of light values in MONTH — aggregates only, no party identities.

    CSV gives the container counts, then (after a blank line) the light distribution."""
    try:
        reports.month_window(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from exc
    figures = run_service(settings, "", lambda u, _: reports.authority_report(for_uow(u), month))
    rows = [f.as_dict() for f in figures]
    if fmt == "json":
        click.echo(json.dumps({"month": month, "terminals": rows}, indent=2))
        return
    emit([{k: r[k] for k in COLUMNS} for r in rows], "csv", COLUMNS)
    click.echo("")
    emit(_light_rows(rows), "csv", LIGHT_COLUMNS)


def _light_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"terminal": r["terminal"], **light} for r in rows for light in r["lights"]]
