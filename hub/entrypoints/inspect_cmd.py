"""`hub inspect FILE... [--json]`: parse and map files without touching the database, and say
what the live hub would do with them.

The verdict is the live hub's, as far as it can be told without a partner: a unit (interchange
or XML document) with errors — syntax, a missing UNZ, a recipient that is not this hub
(`HUB_HUB_ID` / `HUB_HUB_ALIASES`), a test interchange — is rejected with all its messages; a
message is accepted (mapped, no error), partial (mapped, its good commands applied, its
errors answered as a rejection) or rejected. Who sent it (UNB sender, NAD+MS) is checked only
by the live hub, which knows the partner. Exit 2 when anything would be rejected.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from hub.config import Settings
from hub.errors import PermanentError, Problem
from hub.mappers.base import MappedMessage, MapStatus
from hub.service_layer.intake import Limits, Unit, read_units
from hub.service_layer.screening import envelope_problems

ACCEPTED, PARTIAL, REJECTED = "accepted", "partial", "rejected"


def jsonable(value: Any) -> Any:
    """Canonical records (frozen dataclasses, enums, datetimes) as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"command": type(value).__name__, **data}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def message_verdict(m: MappedMessage, unit_rejected: bool = False) -> str:
    """What the live hub answers for one message."""
    if unit_rejected or m.status is not MapStatus.MAPPED:
        return REJECTED
    if m.errors:
        return PARTIAL if m.commands else REJECTED
    return ACCEPTED


def message_report(m: MappedMessage, unit_rejected: bool = False) -> dict[str, Any]:
    return {
        "ref": m.ref,
        "type": m.type,
        "version": m.version,
        "association": m.association,
        "status": m.status.value,
        "verdict": message_verdict(m, unit_rejected),
        "document": m.document,
        "containers": list(m.containers),
        "records": [jsonable(c) for c in m.commands],
        "errors": [p.as_dict() for p in m.errors],
        "warnings": [p.as_dict() for p in m.warnings],
    }


def unit_report(unit: Unit) -> dict[str, Any]:
    ic = unit.interchange
    syntax = f"{ic.syntax_id}:{ic.syntax_version}".strip(":") if ic else "xml"
    rejected = bool(unit.errors)
    messages = [message_report(m, rejected) for m in unit.messages]
    verdicts = {m["verdict"] for m in messages}
    return {
        "format": unit.format,
        "sender": unit.claimed_sender,
        "recipient": ic.recipient if ic else "",
        "control_ref": ic.control_ref if ic else (unit.xml.message_id if unit.xml else ""),
        "syntax": syntax,
        "enveloped": ic.enveloped if ic else True,
        "verdict": REJECTED if rejected or verdicts - {ACCEPTED} else ACCEPTED,
        "warnings": [p.as_dict() for p in unit.warnings],
        "errors": [p.as_dict() for p in unit.errors],
        "messages": messages,
    }


def inspect_file(path: Path, limits: Limits, hub_ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """One file's report; `verdict` is "rejected" when the live hub would reject anything of
    it. A file nothing could be read from carries `rejected` with the reason and problems.
    `hub_ids`: the recipients the hub answers to (empty: the recipient is not checked)."""
    try:
        units = read_units(path.read_bytes(), limits=limits)
    except PermanentError as error:
        return _unreadable(path, str(error), error.problems)
    except OSError as error:
        return _unreadable(path, f"cannot read file: {error.strerror}", ())
    reports = [unit_report(_screened(u, hub_ids)) for u in units]
    verdict = REJECTED if any(r["verdict"] != ACCEPTED for r in reports) else ACCEPTED
    return {"file": str(path), "verdict": verdict, "interchanges": reports}


def _screened(unit: Unit, hub_ids: tuple[str, ...]) -> Unit:
    found = envelope_problems(unit.interchange, hub_ids)
    return replace(unit, errors=(*unit.errors, *found)) if found else unit


def _unreadable(path: Path, reason: str, problems: tuple[Problem, ...]) -> dict[str, Any]:
    return {
        "file": str(path),
        "verdict": REJECTED,
        "rejected": reason,
        "problems": [p.as_dict() for p in problems],
        "interchanges": [],
    }


def safe(value: object) -> str:
    """`value` as one line of text: control and other unprintable characters escaped."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _print_text(report: dict[str, Any]) -> None:
    click.echo(f"== {safe(report['file'])}: {report['verdict'].upper()}")
    if "rejected" in report:
        click.echo(f"   unreadable: {safe(report['rejected'])}")
        _print_problems(report["problems"], [], "     ")
    for ic in report["interchanges"]:
        click.echo(
            f"   interchange {safe(ic['control_ref'] or '-')} from {safe(ic['sender'] or '-')} "
            f"to {safe(ic['recipient'] or '-')} ({safe(ic['syntax'])}): {ic['verdict']}"
        )
        _print_problems(ic["errors"], ic["warnings"], "     ")
        for m in ic["messages"]:
            click.echo(
                f"     message {safe(m['ref'])} {safe(m['type'])} {safe(m['version'])}: "
                f"{m['verdict']} ({m['status']}) document={safe(m['document'] or '-')} "
                f"containers={safe(','.join(m['containers']) or '-')}"
            )
            _print_problems(m["errors"], m["warnings"], "       ")


def _print_problems(errors: list[dict[str, Any]], warnings: list[dict[str, Any]], at: str) -> None:
    for label, problems in (("ERROR", errors), ("warning", warnings)):
        for p in problems:
            click.echo(f"{at}{label}: {safe(p.get('message'))} [{safe(_where(p))}]")


def _where(problem: dict[str, Any]) -> str:
    keys = ("segment_position", "segment_tag", "element", "line", "path", "code")
    return " ".join(f"{k}={problem[k]}" for k in keys if k in problem)


@click.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def inspect(files: tuple[Path, ...], as_json: bool) -> None:
    """Parse and map FILES (EDIFACT or XML) without touching the database.

    Exit 0 when the live hub would accept everything (warnings allowed), 2 when it would
    reject anything: an unreadable file, an interchange, or a message.
    """
    settings = Settings.from_env()
    hub_ids = (settings.hub_id, *settings.hub_alias_ids())
    reports = [inspect_file(path, Limits(), hub_ids) for path in files]
    if as_json:
        click.echo(json.dumps({"files": reports}, indent=2, ensure_ascii=False))
    else:
        for report in reports:
            _print_text(report)
    if any(r["verdict"] != ACCEPTED for r in reports):
        raise SystemExit(2)
