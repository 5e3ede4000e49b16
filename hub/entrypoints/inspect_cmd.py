"""`hub inspect FILE... [--json]`: parse and map files without touching the database."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from hub.errors import PermanentError
from hub.mappers.base import MappedMessage
from hub.service_layer.intake import Limits, Unit, read_units


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


def message_report(m: MappedMessage) -> dict[str, Any]:
    return {
        "ref": m.ref,
        "type": m.type,
        "version": m.version,
        "association": m.association,
        "status": m.status.value,
        "containers": list(m.containers),
        "records": [jsonable(c) for c in m.commands],
        "errors": [p.as_dict() for p in m.errors],
        "warnings": [p.as_dict() for p in m.warnings],
    }


def unit_report(unit: Unit) -> dict[str, Any]:
    ic = unit.interchange
    syntax = f"{ic.syntax_id}:{ic.syntax_version}".strip(":") if ic else "xml"
    return {
        "format": unit.format,
        "sender": unit.claimed_sender,
        "recipient": ic.recipient if ic else "",
        "control_ref": ic.control_ref if ic else (unit.xml.message_id if unit.xml else ""),
        "syntax": syntax,
        "enveloped": ic.enveloped if ic else True,
        "warnings": [p.as_dict() for p in unit.warnings],
        "errors": [p.as_dict() for p in unit.errors],
        "messages": [message_report(m) for m in unit.messages],
    }


def inspect_file(path: Path, limits: Limits) -> dict[str, Any]:
    """One file's report; a rejected file carries `rejected` with the reason and problems."""
    try:
        units = read_units(path.read_bytes(), limits=limits)
    except PermanentError as error:
        return {
            "file": str(path),
            "rejected": str(error),
            "problems": [p.as_dict() for p in error.problems],
            "interchanges": [],
        }
    except OSError as error:
        return {
            "file": str(path),
            "rejected": f"cannot read file: {error.strerror}",
            "problems": [],
            "interchanges": [],
        }
    return {"file": str(path), "interchanges": [unit_report(u) for u in units]}


def _print_text(report: dict[str, Any]) -> None:
    click.echo(f"== {report['file']}")
    if "rejected" in report:
        click.echo(f"   REJECTED: {report['rejected']}")
    for ic in report["interchanges"]:
        click.echo(
            f"   interchange {ic['control_ref'] or '-'} from {ic['sender'] or '-'} "
            f"to {ic['recipient'] or '-'} ({ic['syntax']})"
        )
        for w in ic["warnings"] + ic["errors"]:
            click.echo(f"     ! {w.get('message')} [{_where(w)}]")
        for m in ic["messages"]:
            click.echo(
                f"     message {m['ref']} {m['type']} {m['version']}: {m['status']}"
                f" containers={','.join(m['containers']) or '-'}"
            )
            for e in m["errors"] + m["warnings"]:
                click.echo(f"       ! {e.get('message')} [{_where(e)}]")


def _where(problem: dict[str, Any]) -> str:
    keys = ("segment_position", "segment_tag", "element", "line", "path")
    return " ".join(f"{k}={problem[k]}" for k in keys if k in problem)


@click.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def inspect(files: tuple[Path, ...], as_json: bool) -> None:
    """Parse and map FILES (EDIFACT or XML) without touching the database.

    Exit 0 when every file was read (warnings allowed), 2 when a file is rejected.
    """
    reports = [inspect_file(path, Limits()) for path in files]
    if as_json:
        doc = {"files": reports, "interchanges": [ic for r in reports for ic in r["interchanges"]]}
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for report in reports:
            _print_text(report)
    if any("rejected" in r for r in reports):
        raise SystemExit(2)
