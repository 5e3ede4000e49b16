"""Password hashing with argon2 (argon2-cffi) and authenticator codes (TOTP, pyotp).

The only module that imports either library; it implements
`hub.service_layer.identity_ports.Credentials`. Authenticator secrets are sealed at rest with
Fernet (cryptography: AES-128-CBC + HMAC-SHA256, authenticated) under the keys of a file
(`HUB_TOTP_KEY`, one key a line, the first seals, all open: rotation = prepend a new key), so a
copy of the database alone gives away no one's second factor.
"""

from __future__ import annotations

import hmac
import os
from datetime import datetime
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ISSUER = "Release hub"
SEALED = "fernet:"
"""Prefix of a sealed secret; a stored value without it is an older clear one (still opened)."""


class SecretBox:
    """Seals and opens short secrets with the keys in `path` (created 0600 when missing)."""

    def __init__(self, keys: list[bytes]) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @classmethod
    def from_file(cls, path: Path) -> SecretBox:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(Fernet.generate_key() + b"\n")
        os.chmod(path, 0o600)
        keys = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
        if not keys:
            raise ValueError(f"{path} holds no key")
        return cls(keys)

    def seal(self, secret: str) -> str:
        return SEALED + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret in `stored`; '' when it cannot be opened (wrong or lost key)."""
        if not stored.startswith(SEALED):
            return stored
        try:
            return self._fernet.decrypt(stored[len(SEALED) :].encode()).decode()
        except InvalidToken:
            return ""


class Argon2Credentials:
    """argon2id with the library's defaults (memory-hard); TOTP per RFC 6238, 30 s steps,
    one step of clock drift allowed either way."""

    def __init__(self, box: SecretBox | None = None) -> None:
        self._box = box or SecretBox([Fernet.generate_key()])
        self._hasher = PasswordHasher()
        self._dummy = self._hasher.hash("no user has this password")

    def hash_password(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify_password(self, stored_hash: str, password: str) -> bool:
        try:
            # an unknown user costs the same time as a known one: nothing to learn from timing
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    def new_totp_secret(self) -> str:
        return pyotp.random_base32()

    def seal_totp(self, secret: str) -> str:
        return self._box.seal(secret)

    def totp_uri(self, secret: str, account: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)

    def totp_step(self, secret: str, code: str, at: datetime) -> int:
        code = code.strip()
        secret = self._box.open(secret)
        if not secret or not code.isdigit():
            return 0
        totp = pyotp.TOTP(secret)
        now = totp.timecode(at)
        for step in (now - 1, now, now + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return 0
