"""Audit export bundles: a stretch of the chain, the checkpoints and the public keys, signed,
for anyone to check offline (`hub audit verify-bundle`, no database).

The bundle itself is signed (its range, entry count and last hash), so an entry dropped from
the file is named, not only one dropped from the database. The public keys travel with it for
convenience; a verifier that trusts them only proves the bundle is consistent — give it the
hub's published public key to prove the bundle is the hub's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.service_layer import signed
from hub.service_layer.chain import GENESIS, Break, ChainRow, walk
from hub.service_layer.checkpoints import CheckpointBreak, anchor, check_sequence
from hub.service_layer.ports import Signer, Verifier

KIND = "hub.audit-bundle"


def build(
    rows: Iterable[ChainRow],
    checkpoints: Sequence[dict[str, Any]],
    public_keys: dict[str, str],
    signer: Signer,
    now: datetime,
) -> dict[str, Any]:
    """The bundle of `rows` (consecutive entries), signed."""
    entries = [r.as_dict() for r in rows]
    first = entries[0]["seq"] if entries else 0
    last = entries[-1]["seq"] if entries else 0
    manifest = {
        "kind": KIND,
        "exported_at": now.isoformat(),
        "first": first,
        "last": last,
        "count": len(entries),
        "last_hash": entries[-1]["hash"] if entries else GENESIS,
    }
    doc = signed.sign(manifest, signer)
    return {
        "manifest": doc,
        "entries": entries,
        "checkpoints": list(checkpoints),
        "public_keys": public_keys,
    }


@dataclass
class BundleReport:
    """What `verify` found, and how far the entries are anchored by a checkpoint."""

    findings: list[Break | CheckpointBreak | str] = field(default_factory=list)
    first: int = 0
    last: int = 0
    anchored_to: int = 0
    notes: list[str] = field(default_factory=list)


def verify(bundle: Any, verifier: Verifier) -> BundleReport:
    """Check a bundle offline: its signature, the chain inside it, the checkpoints' signatures
    and order, and the entries against every checkpoint that falls inside the range."""
    report = BundleReport()
    if not isinstance(bundle, dict) or not isinstance(bundle.get("entries"), list):
        report.findings.append("not an audit export bundle")
        return report
    problem = signed.check(bundle.get("manifest"), verifier)
    if not problem and bundle["manifest"].get("kind") != KIND:
        problem = "not an audit bundle manifest"
    if problem:
        report.findings.append(f"bundle manifest: {problem}")
    manifest: dict[str, Any] = {} if problem else bundle["manifest"]
    try:
        rows = [ChainRow.from_dict(d) for d in bundle["entries"]]
    except (KeyError, TypeError, ValueError) as exc:
        report.findings.append(f"unreadable entry: {exc!r}")
        return report
    report.findings.extend(
        _chain(rows, manifest, bundle.get("checkpoints") or [], verifier, report)
    )
    return report


def _chain(
    rows: list[ChainRow],
    manifest: dict[str, Any],
    checkpoints: list[Any],
    verifier: Verifier,
    report: BundleReport,
) -> list[Break | CheckpointBreak | str]:
    first = int(manifest.get("first", rows[0].seq if rows else 1) or 1)
    start = (first, GENESIS if first == 1 else (rows[0].prev_hash if rows else GENESIS))
    if first > 1:
        report.notes.append(
            f"entries before {first} are not in the bundle: the first link is taken as given"
        )
    trusted, bad = check_sequence(checkpoints, verifier)
    found = walk(rows, wanted=[c["entries"] for c in trusted], start=start)
    findings: list[Break | CheckpointBreak | str] = [*bad, *found.breaks]
    if manifest and (found.last_seq, found.last_hash) != (manifest["last"], manifest["last_hash"]):
        findings.append(
            Break(
                found.last_seq + 1 if found.last_seq < manifest["last"] else found.last_seq,
                f"the bundle was signed ending at entry {manifest['last']}; its entries end at "
                f"{found.last_seq}: entries were removed from or added to the file",
            )
        )
    inside = [c for c in trusted if first <= c["entries"]]
    findings.extend(anchor(found, [c for c in inside if c["entries"] <= found.last_seq]))
    report.first, report.last = first, found.last_seq
    covered = [c["entries"] for c in inside if c["entries"] <= found.last_seq]
    report.anchored_to = max(covered, default=0)
    return findings
