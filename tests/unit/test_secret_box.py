"""The key file that seals authenticator secrets: created private, rotated by prepending."""

from __future__ import annotations

import stat
from pathlib import Path

from cryptography.fernet import Fernet

from hub.adapters.secrets import SEALED, SecretBox


def test_a_missing_key_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "totp.key"
    box = SecretBox.from_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sealed = box.seal("JBSWY3DPEHPK3PXP")
    assert sealed.startswith(SEALED) and "JBSWY3DPEHPK3PXP" not in sealed
    assert SecretBox.from_file(path).open(sealed) == "JBSWY3DPEHPK3PXP"


def test_a_new_key_put_first_seals_and_the_old_one_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "totp.key"
    old = SecretBox.from_file(path).seal("OLDSECRET")
    path.write_bytes(Fernet.generate_key() + b"\n" + path.read_bytes())
    rotated = SecretBox.from_file(path)
    assert rotated.open(old) == "OLDSECRET"
    path.write_bytes(path.read_bytes().splitlines()[0] + b"\n")
    assert SecretBox.from_file(path).open(rotated.seal("NEW")) == "NEW"
    assert SecretBox.from_file(path).open(old) == "", "a retired key opens nothing"


def test_a_clear_secret_of_an_older_hub_is_still_read(tmp_path: Path) -> None:
    assert SecretBox.from_file(tmp_path / "k").open("JBSWY3DPEHPK3PXP") == "JBSWY3DPEHPK3PXP"
