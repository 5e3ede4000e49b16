"""`hub audit export` writes a signed bundle that `hub audit verify-bundle` checks offline;
an authority's read of a container's trail is itself audited (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from hub.adapters import signing
from hub.entrypoints.cli import cli
from hub.ledger import audit
from hub.service_layer import signed
from tests.unit.service.evidence_support import Evidence, evidence

__all__ = ["evidence"]
CONTAINER = "MSCU1234566"


def _env(ev: Evidence) -> dict[str, str]:
    return {
        "HUB_DATABASE_URL": ev.settings.database_url,
        "HUB_SIGNING_KEY": str(ev.private_key),
        "HUB_PUBLIC_KEYS": ev.settings.public_keys,
        "HUB_CHECKPOINT_FILE": ev.settings.checkpoint_file,
    }


def _export(ev: Evidence, tmp_path: Path, *extra: str) -> dict[str, Any]:
    env = _env(ev)
    assert CliRunner().invoke(cli, ["audit", "checkpoint"], env=env).exit_code == 0
    out = tmp_path / "bundle.json"
    done = CliRunner().invoke(cli, ["audit", "export", "-o", str(out), *extra], env=env)
    assert done.exit_code == 0, done.output
    bundle: dict[str, Any] = json.loads(out.read_text())
    return bundle


def _verify_offline(tmp_path: Path, bundle: Any, key: Path | None) -> tuple[int, str]:
    file = tmp_path / "check.json"
    file.write_text(json.dumps(bundle))
    args = ["audit", "verify-bundle", str(file)] + (["--public-key", str(key)] if key else [])
    env = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir.db", "HUB_SIGNING_KEY": ""}
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.output


def test_an_export_verifies_offline_with_the_public_key(evidence: Evidence, tmp_path: Path) -> None:
    evidence.story()
    bundle = _export(evidence, tmp_path)
    last = bundle["manifest"]["last"]
    code, output = _verify_offline(tmp_path, bundle, evidence.public_key)
    assert code == 0, output
    assert f"bundle intact: entries 1..{last}, anchored by a checkpoint up to {last}" in output
    code, output = _verify_offline(tmp_path, bundle, None)
    assert code == 0 and "trusting the keys inside the bundle" in output


def test_a_part_of_the_chain_verifies_too(evidence: Evidence, tmp_path: Path) -> None:
    evidence.story()
    bundle = _export(evidence, tmp_path, "--from", "5", "--to", "12")
    assert [e["seq"] for e in bundle["entries"]] == list(range(5, 13))
    code, output = _verify_offline(tmp_path, bundle, evidence.public_key)
    assert code == 0, output
    assert "entries before 5 are not in the bundle" in output


def test_tampering_with_a_bundle_is_named(evidence: Evidence, tmp_path: Path) -> None:
    evidence.story()
    bundle = _export(evidence, tmp_path)
    edited = json.loads(json.dumps(bundle))
    edited["entries"][2]["actor"] = "NOBODY"
    code, output = _verify_offline(tmp_path, edited, evidence.public_key)
    assert code == 1 and "audit entry 3: content does not match its hash" in output
    cut = json.loads(json.dumps(bundle))
    last = cut["entries"].pop()["seq"]
    code, output = _verify_offline(tmp_path, cut, evidence.public_key)
    assert (
        code == 1 and f"audit entry {last}: the bundle was signed ending at entry {last}" in output
    )


def test_a_bundle_re_signed_with_a_self_made_key_is_refused(
    evidence: Evidence, tmp_path: Path
) -> None:
    evidence.story()
    bundle = _export(evidence, tmp_path)
    mine, mine_public, _kid = signing.generate(tmp_path / "forger")
    bundle["entries"] = bundle["entries"][:-2]
    manifest = {k: v for k, v in bundle["manifest"].items() if k not in ("signature", "key_id")}
    manifest.update(last=bundle["entries"][-1]["seq"], last_hash=bundle["entries"][-1]["hash"])
    manifest["count"] = len(bundle["entries"])
    bundle["manifest"] = signed.sign(manifest, signing.load_signer(mine))
    bundle["public_keys"] = {"forger": mine_public.read_text()}
    code, output = _verify_offline(tmp_path, bundle, evidence.public_key)
    assert code == 1 and "bundle manifest: signed by unknown key" in output


def test_an_authority_reads_a_containers_trail_and_the_read_is_audited(
    evidence: Evidence,
) -> None:
    evidence.story()
    env = _env(evidence)
    done = CliRunner().invoke(
        cli, ["audit", "show", CONTAINER, "--as", "PORTAUTH", "--json"], env=env
    )
    assert done.exit_code == 0, done.output
    view = json.loads(done.output)
    assert view["reader"] == "PORTAUTH" and view["entries"]
    assert {e["action"] for e in view["entries"]} >= {"GateAuthorised"}
    refused = CliRunner().invoke(cli, ["audit", "show", CONTAINER, "--as", "TRUCKCO"], env=env)
    assert refused.exit_code == 1 and "no active port authority or customs" in refused.output
    with evidence.hub.db.connect() as conn:
        reads = [(e["actor"], e["action"]) for e in audit.history(conn, CONTAINER)][-2:]
        assert audit.verify(conn) == []
    assert reads == [("PORTAUTH", "audit read"), ("TRUCKCO", "audit read refused")]
