"""The hub team's `hub partners approve` / `deny` mail the company's admin through real SMTP."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hub.bootstrap import build, build_portal
from hub.config import Settings
from hub.entrypoints.cli import cli
from hub.service_layer import identity, registry
from tests.browser.conftest import Mailbox


def _registered(db_url: str, name: str, vat: str, email: str) -> str:
    home = str(Path(db_url.removeprefix("sqlite:///")).parent)
    hub = build(Settings(database_url=db_url, home=home), consume=False)
    form = registry.Registration(name, vat, vat, roles=("release_party",))
    try:
        done = build_portal(hub).run(
            lambda u, s, now: identity.register_company(u, s, form, email, "fr", now)
        )
    finally:
        hub.close()
    assert isinstance(done, registry.Registered)
    return done.partner.party_id


def test_approve_and_deny_on_the_command_line_mail_the_admin(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    db_url = f"sqlite:///{tmp_path / 'hub.db'}"
    env = {
        "HUB_DATABASE_URL": db_url,
        "HUB_HOME": str(tmp_path),
        "HUB_SMTP_PORT": str(mailbox.port),  # type: ignore[attr-defined]
        "HUB_WEB_BASE_URL": "https://portal.example",
    }
    approved = _registered(db_url, "Kempen", "BE0123456749", "a@kempen.example")
    denied = _registered(db_url, "Other", "BE0234567873", "b@other.example")
    runner = CliRunner()
    ok = runner.invoke(cli, ["partners", "approve", approved], env=env)
    assert ok.exit_code == 0, ok.output
    link = mailbox.link("a@kempen.example")
    assert link.startswith("https://portal.example/activate?token=")
    assert "Vous êtes invité" in mailbox.wait_for("a@kempen.example", "token=")  # its language
    no = runner.invoke(cli, ["partners", "deny", denied, "--reason", "unknown in VIES"], env=env)
    assert no.exit_code == 0, no.output
    assert "unknown in VIES" in mailbox.wait_for("b@other.example", "VIES")
