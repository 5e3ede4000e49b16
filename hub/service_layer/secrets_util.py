"""Random one-time secrets and the hashes they are stored as.

Tokens (links, sessions, login challenges) carry 256 random bits, so a plain SHA-256 is enough
to store them: nobody who reads the database can use one. A six-digit login code is stored as
the SHA-256 of its challenge token and the code, so it is useless without the token, which only
the browser holds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    """32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(1_000_000):06d}"


def digest(*parts: str) -> str:
    """SHA-256 (hex) of the parts, separated so that no two splits collide."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(a.encode(), b.encode())
