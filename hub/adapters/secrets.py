"""Password hashing with argon2 (argon2-cffi) and authenticator codes (TOTP, pyotp).

The only module that imports either library; it implements
`hub.service_layer.identity_ports.Credentials`.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ISSUER = "Release hub"


class Argon2Credentials:
    """argon2id with the library's defaults (memory-hard); TOTP per RFC 6238, 30 s steps,
    one step of clock drift allowed either way."""

    def __init__(self) -> None:
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

    def totp_uri(self, secret: str, account: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)

    def totp_step(self, secret: str, code: str, at: datetime) -> int:
        code = code.strip()
        if not secret or not code.isdigit():
            return 0
        totp = pyotp.TOTP(secret)
        now = totp.timecode(at)
        for step in (now - 1, now, now + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return 0
