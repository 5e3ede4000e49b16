"""The operator's CLI says what it did and what to do: `db upgrade` names the revision it
reached, a missing broker password names the file it looked in and the fix, listings never
cut a column, `release show` fails when the party may see nothing (issue 18)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result

from hub.adapters.broker_admin import partner_url
from hub.config import Settings
from hub.entrypoints.cli import cli
from hub.errors import HubError
from hub.ledger.db import MIGRATIONS, Database
from hub.service_layer.ports import AuditEntry

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
BOX = "MSCU1234566"


def _hub(tmp_path: Path, *args: str, **env: str) -> Result:
    environment = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db", "HUB_AMQP_URL": "", **env}
    return CliRunner().invoke(cli, list(args), env=environment, catch_exceptions=False)


def _head() -> str:
    """The chain's head as Alembic reads it (not the highest file number: revisions built
    on parallel branches are chained in merge order, 0011 before 0009)."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def test_db_upgrade_says_it_created_the_schema_then_that_it_is_current(tmp_path: Path) -> None:
    first = _hub(tmp_path, "db", "upgrade")
    again = _hub(tmp_path, "db", "upgrade")
    assert first.exit_code == 0 and first.output.strip() == f"created schema at revision {_head()}"
    assert again.output.strip() == f"schema already at revision {_head()}"


def test_db_upgrade_names_the_revisions_it_went_from_and_to(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/hub.db")
    db.upgrade("0002")
    db.dispose()
    done = _hub(tmp_path, "db", "upgrade")
    assert done.output.strip() == f"upgraded schema from revision 0002 to {_head()}"


def test_a_relative_credentials_path_is_taken_from_hub_home_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "hub-home"
    monkeypatch.chdir(tmp_path)
    settings = Settings(home=str(home))
    assert settings.credentials_path() == home / "var/broker-credentials.json"
    absolute = tmp_path / "elsewhere.json"
    assert Settings(home=str(home), broker_credentials=str(absolute)).credentials_path() == (
        absolute
    )


def test_a_missing_password_names_the_file_looked_in_and_the_fix(tmp_path: Path) -> None:
    settings = Settings(amqp_url="amqp://hub:pw@127.0.0.1/hub", home=str(tmp_path))
    with pytest.raises(HubError) as missing:
        partner_url(settings, "mscbe", "")
    said = str(missing.value)
    assert str(tmp_path / "var/broker-credentials.json") in said and "does not exist" in said
    assert "HUB_BROKER_CREDENTIALS" in said and "HUB_HOME" in said
    (tmp_path / "var").mkdir()
    (tmp_path / "var/broker-credentials.json").write_text(json.dumps({"other": "x"}))
    with pytest.raises(HubError) as absent:
        partner_url(settings, "mscbe", "")
    assert "has no password for 'mscbe'" in str(absent.value)
    assert "hub broker setup" in str(absent.value)


def test_release_show_fails_when_the_party_may_see_nothing(tmp_path: Path) -> None:
    _hub(tmp_path, "db", "upgrade")
    _hub(tmp_path, "partners", "load", str(SAMPLES / "partners.yaml"))
    _hub(tmp_path, "send", str(SAMPLES / "demo/01_release.edi"), "--as", "MSCBE")
    hidden = _hub(tmp_path, "release", "show", "MSCU1234566", "--as", "TRUCKCO")
    seen = _hub(tmp_path, "release", "show", "MSCU1234566", "--as", "FWDANT")
    assert hidden.exit_code == 1 and "no release right visible" in hidden.output
    assert seen.exit_code == 0 and json.loads(seen.output)["container"] == "MSCU1234566"


def test_audit_show_prints_every_column_whole(tmp_path: Path) -> None:
    _hub(tmp_path, "db", "upgrade")
    _hub(tmp_path, "partners", "load", str(SAMPLES / "partners.yaml"))
    _hub(tmp_path, "send", str(SAMPLES / "demo/01_release.edi"), "--as", "MSCBE")
    reason = "refused: " + "a reason an operator must read to its end, " * 5 + "THE END"
    db = Database(f"sqlite:///{tmp_path}/hub.db")
    with db.uow() as uow:
        at = datetime.now(UTC)
        uow.audit.append(
            AuditEntry(
                at, "SCR via FWDANT/jane.doe", "ActionRefused", BOX, "m1", {"reason": reason}
            )
        )
        uow.commit()
    db.dispose()
    lines = _hub(tmp_path, "audit", "show", BOX, "--as", "PORTAUTH").output.splitlines()
    refused = next(line for line in lines if "ActionRefused" in line)
    assert "SCR via FWDANT/jane.doe" in refused and refused.endswith('THE END"}')
    columns = {line.index(" {") for line in lines if " {" in line}
    assert len(columns) == 1, "details start in one column"


def test_quarantine_subcommands_have_whole_help_lines(tmp_path: Path) -> None:
    listing = _hub(tmp_path, "quarantine", "--help").output
    for name in ("list", "show", "replay"):
        line = next(x for x in listing.splitlines() if x.strip().startswith(name + " "))
        assert "..." not in line, line
