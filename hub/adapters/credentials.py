"""Broker credentials on disk: a JSON file of user → password that only its owner may read.

Every write goes to a new file created with mode 0600 and replaces the old one, so a password
is never readable by others, not even for a moment; a file found readable by group or others
(say, created 644 by hand or by an older hub) is tightened to 0600 on read, with a warning.
Passwords never travel on a command line: `password_from` reads one from a file, an
environment variable or a prompt.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE = 0o600


def read_credentials(path: Path) -> dict[str, str]:
    """The stored passwords; {} when there is no file. A file others may read is fixed first."""
    if not path.exists():
        return {}
    tighten(path)
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def tighten(path: Path) -> None:
    """Force mode 0600 on `path`, warning when it was readable or writable by others."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s had mode %03o: others could read passwords; set to 600", path, mode)
    if mode != PRIVATE:
        path.chmod(PRIVATE)


def write_credentials(path: Path, creds: dict[str, str]) -> None:
    """Replace the file atomically with a new one created 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, PRIVATE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(creds, out, indent=2, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    path.chmod(PRIVATE)


def password_from(file: Path | None, env_var: str, env: dict[str, str] | None = None) -> str:
    """A password from `file` (first line, tightened to 0600 like a credentials file), else the
    environment variable `env_var`; '' when neither gives one."""
    if file is not None:
        tighten(file)
        return (
            file.read_text(encoding="utf-8").splitlines()[0].strip() if file.stat().st_size else ""
        )
    return (os.environ if env is None else env).get(env_var, "")
