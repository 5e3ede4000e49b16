"""Evidence that holds outside the hub: keys, signed terminal backups, the anchored audit
trail and its export. The verifying commands need no database: only the public key(s)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hub.adapters import signing
from hub.bootstrap import build, key_ring, load_signer
from hub.config import Settings
from hub.ledger import audit as audit_trail
from hub.service_layer import backups, bundles, checkpoints, trail

PUBLIC_KEY = click.option(
    "--public-key",
    "public_keys",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="The hub's public key file (or a directory of *.pub.pem); repeat for old keys. "
    "Default: HUB_PUBLIC_KEYS and the current signing key.",
)


@click.group()
def keys() -> None:
    """The hub's Ed25519 signing keys."""


@keys.command("generate")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=Path("var/keys"))
def keys_generate(directory: Path) -> None:
    """Make a key pair in DIR: the private key (mode 0600) and its public key."""
    private, public, kid = signing.generate(directory)
    click.echo(f"key id {kid}\nprivate key {private} (mode 0600)\npublic key  {public}")
    click.echo(f"use it: HUB_SIGNING_KEY={private}; give {public.name} to terminals/authorities")


def _signer(settings: Settings) -> signing.Ed25519Signer:
    signer = load_signer(settings)
    if signer is None:
        raise click.ClickException("no signing key: run `hub keys generate`, set HUB_SIGNING_KEY")
    return signer


@click.group()
def backup() -> None:
    """Signed backups of terminals' authorisations (for when the hub is unreachable)."""


@backup.command("export")
@click.option("--terminal", required=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None)
@click.pass_obj
def backup_export(settings: Settings, terminal: str, output: Path | None) -> None:
    """Write the terminal's current authorisations, signed (with the next sequence)."""
    signer = _signer(settings)
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        doc = backups.snapshot(uow, terminal, signer, hub.clock())
        uow.commit()
    hub.close()
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if output:
        output.write_text(text)
        click.echo(f"wrote {len(doc['authorisations'])} authorisation(s) to {output}")
    else:
        click.echo(text)


@backup.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@PUBLIC_KEY
@click.pass_obj
def backup_verify(settings: Settings, file: Path, public_keys: tuple[Path, ...]) -> None:
    """Check a snapshot's signature with the hub's public key (no database needed)."""
    doc = _read_json(file)
    problem = backups.verify(doc, key_ring(settings, public_keys))
    if problem:
        click.echo(f"INVALID: {problem}")
        raise SystemExit(1)
    click.echo(f"{backups.name(doc)}: signature valid (key {doc['key_id']})")


@click.group()
def audit() -> None:
    """The tamper-evident audit trail, anchored by signed checkpoints."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Checkpoints kept outside the hub (JSON lines). Default: HUB_CHECKPOINT_FILE if it "
    "exists, else the checkpoints the database holds.",
)
@PUBLIC_KEY
@click.pass_obj
def audit_verify(
    settings: Settings, checkpoint_file: Path | None, public_keys: tuple[Path, ...]
) -> None:
    """Check the hash chain against the latest checkpoint; name every break."""
    hub = build(settings, consume=False)
    with hub.sql.connect() as conn:
        docs = _checkpoints(settings, checkpoint_file, conn)
        ring = key_ring(settings, public_keys) if docs else None
        findings = audit_trail.verify(conn, docs, ring)
    hub.close()
    for f in findings:
        click.echo(str(f))
    if findings:
        raise SystemExit(1)
    anchored = f", anchored by {len(docs)} checkpoint(s)" if docs else ", no checkpoint given"
    click.echo(f"audit trail intact{anchored}")


def _checkpoints(settings: Settings, given: Path | None, conn: Any) -> list[Any]:
    path = given or Path(settings.checkpoint_file)
    if given or path.is_file():
        return read_lines(path)
    return audit_trail.stored_checkpoints(conn)


def read_lines(path: Path) -> list[Any]:
    """JSON lines; a line that is not JSON is kept as a string (and reported, unsigned)."""
    docs: list[Any] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError:
                docs.append(line)
    return docs


@audit.command("checkpoint")
@click.pass_obj
def audit_checkpoint(settings: Settings) -> None:
    """Sign a checkpoint of the chain now (as `hub run` does periodically)."""
    from hub.bootstrap import append_checkpoint, last_checkpoint

    signer = _signer(settings)
    hub = build(settings, consume=False)
    path = Path(settings.checkpoint_file)
    with hub.uow() as uow:
        doc = checkpoints.make(uow, signer, hub.clock(), last_checkpoint(path))
        append_checkpoint(path, doc)
        uow.commit()
    hub.worker.drain()
    hub.close()
    click.echo(f"checkpoint {doc['number']}: {doc['entries']} entries, head {doc['head_hash']}")


@audit.command("export")
@click.option("--from", "first", type=int, default=1, help="First entry (sequence number).")
@click.option("--to", "last", type=int, default=None, help="Last entry (default: the newest).")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True)
@click.pass_obj
def audit_export(settings: Settings, first: int, last: int | None, output: Path) -> None:
    """Write a signed bundle (entries, checkpoints, public keys) to check offline."""
    signer = _signer(settings)
    hub = build(settings, consume=False)
    with hub.sql.connect() as conn:
        rows = list(audit_trail.rows(conn, first, last))
        stored = audit_trail.stored_checkpoints(conn)
    hub.close()
    ring = key_ring(settings)
    bundle = bundles.build(rows, stored, ring.pems(), signer, hub.clock())
    output.write_text(json.dumps(bundle, ensure_ascii=False, sort_keys=True))
    click.echo(f"wrote entries {first}..{bundle['manifest']['last']} to {output}")


@audit.command("verify-bundle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@PUBLIC_KEY
def audit_verify_bundle(file: Path, public_keys: tuple[Path, ...]) -> None:
    """Check an export bundle offline (no database, no hub configuration)."""
    bundle = _read_json(file)
    if public_keys:
        ring = signing.load_key_ring(public_keys)
    else:
        pems = bundle.get("public_keys", {}) if isinstance(bundle, dict) else {}
        ring = signing.ring_of_pems(pems.values())
        click.echo("note: trusting the keys inside the bundle; pass --public-key to prove origin")
    report = bundles.verify(bundle, ring)
    for note in report.notes:
        click.echo(f"note: {note}")
    for f in report.findings:
        click.echo(str(f))
    if report.findings:
        raise SystemExit(1)
    click.echo(
        f"bundle intact: entries {report.first}..{report.last}, "
        f"anchored by a checkpoint up to {report.anchored_to or 'none'}"
    )


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file} is not JSON: {exc}") from exc


@audit.command("show")
@click.argument("container")
@click.option("--as", "reader", required=True, help="The authority or customs party reading.")
@click.option("--json", "as_json", is_flag=True, help="The whole export as JSON.")
@click.pass_obj
def audit_show(settings: Settings, container: str, reader: str, as_json: bool) -> None:
    """A container's whole history, for the port authority or customs (the read is audited)."""
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        view = trail.read_trail(uow, container.upper(), reader, hub.clock(), "hub audit show")
        uow.commit()
    hub.close()
    if "error" in view:
        raise click.ClickException(view["error"])
    if as_json:
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    entries = view["entries"]
    actor = max((len(e["actor"]) for e in entries), default=0)
    action = max((len(e["action"]) for e in entries), default=0)
    for e in entries:  # every column whole, aligned to the longest
        click.echo(
            f"{e['seq']:6} {e['at']} {e['actor']:{actor}} {e['action']:{action}} "
            f"{json.dumps(e['details'], ensure_ascii=False)}"
        )
