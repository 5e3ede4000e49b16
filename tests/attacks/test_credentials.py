"""Credentials hygiene (issue 13): no password on a command line (`ps` shows it to every user
of the machine), credential files 0600 whatever mode they had."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.adapters.credentials import password_from, read_credentials, write_credentials
from hub.entrypoints.cli import cli


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_existing_world_readable_credentials_file_is_rewritten_0600(tmp_path: Path) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text("{}")
    creds.chmod(0o644)
    write_credentials(creds, {"fwdant": "s3cret"})
    assert mode(creds) == 0o600
    assert json.loads(creds.read_text()) == {"fwdant": "s3cret"}
    assert [p.name for p in tmp_path.iterdir()] == ["creds.json"]  # no temporary file left


def test_a_new_credentials_file_is_0600_even_with_a_lax_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0)
    try:
        write_credentials(tmp_path / "sub" / "creds.json", {"a": "b"})
    finally:
        os.umask(old)
    assert mode(tmp_path / "sub" / "creds.json") == 0o600


def test_reading_a_world_readable_file_warns_and_fixes_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text('{"truckco": "pw"}')
    creds.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        assert read_credentials(creds) == {"truckco": "pw"}
    assert mode(creds) == 0o600
    assert "644" in caplog.text and "pw" not in caplog.text


def test_a_password_comes_from_a_file_or_the_environment_never_an_argument(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    secret.chmod(0o640)
    assert password_from(secret, "HUB_SEND_PASSWORD", {"HUB_SEND_PASSWORD": "env"}) == "from-file"
    assert mode(secret) == 0o600
    assert password_from(None, "HUB_SEND_PASSWORD", {"HUB_SEND_PASSWORD": "env"}) == "env"
    assert password_from(None, "HUB_SEND_PASSWORD", {}) == ""


def test_hub_send_takes_no_password_option(tmp_path: Path) -> None:
    body = tmp_path / "m.xml"
    body.write_text("<x/>")
    env = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/h.db", "HUB_AMQP_URL": ""}
    args = ["send", str(body), "--as", "FWDANT", "--password", "pw"]
    done = CliRunner().invoke(cli, args, env=env)
    assert done.exit_code == 2 and "No such option" in done.output
    listed = CliRunner().invoke(cli, ["send", "--help"]).output
    assert "--password-file" in listed and "--password " not in listed
