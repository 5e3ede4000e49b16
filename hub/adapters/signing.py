"""Ed25519 signatures for the evidence that leaves the hub (terminal backups, audit
checkpoints), via `cryptography` — the only module that imports it.

A key pair is two PEM files: the private key (PKCS#8, mode 0600, where `HUB_SIGNING_KEY`
points) and its public key (SubjectPublicKeyInfo), which anyone may have. A key's id is the
first 16 hex digits of the SHA-256 of its raw 32-byte public key: every signed document names
the key id, so after a rotation a key ring of old and new public keys still verifies old
documents.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.errors import ConfigurationError
from hub.service_layer.ports import Signer, Verifier

ALGORITHM = "Ed25519"


class SigningKeyError(ConfigurationError):
    """A key file that is missing, unreadable or not an Ed25519 key."""


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


class Ed25519Signer(Signer):
    """Signs with the hub's private key."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.key_id = key_id(private.public_key())
        self.algorithm = ALGORITHM

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self._private.sign(data)).decode()

    def public_pem(self) -> str:
        return public_pem(self._private.public_key())


class KeyRing(Verifier):
    """Public keys by key id: the current one and those it replaced."""

    def __init__(self, keys: Iterable[Ed25519PublicKey] = ()) -> None:
        self._keys = {key_id(k): k for k in keys}

    def add_pem(self, text: str, origin: str = "") -> None:
        key = public_key_from_pem(text, origin)
        self._keys[key_id(key)] = key

    def key_ids(self) -> list[str]:
        return sorted(self._keys)

    def pems(self) -> dict[str, str]:
        return {kid: public_pem(k) for kid, k in sorted(self._keys.items())}

    def verify(self, kid: str, data: bytes, signature: str) -> str:
        key = self._keys.get(kid)
        if key is None:
            return f"signed by unknown key {kid!r} (known: {', '.join(self.key_ids()) or 'none'})"
        try:
            key.verify(base64.b64decode(signature, validate=True), data)
        except (InvalidSignature, ValueError):
            return f"signature does not verify with key {kid}: forged or altered"
        return ""


def generate(directory: Path) -> tuple[Path, Path, str]:
    """A new key pair in `directory`: `hub-signing-<id>.pem` (0600) and `….pub.pem`."""
    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / f"hub-signing-{kid}.pem"
    public_path = directory / f"hub-signing-{kid}.pub.pem"
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public_path.write_text(public_pem(private.public_key()))
    return private_path, public_path, kid


def load_signer(path: Path) -> Ed25519Signer:
    """The hub's signer from its private key file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 private key")
    return Ed25519Signer(key)


def public_key_from_pem(text: str, origin: str = "") -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(text.encode())
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the public key {origin}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{origin} is not an Ed25519 public key")
    return key


def load_key_ring(paths: Iterable[Path]) -> KeyRing:
    """A key ring from public key files, or directories of `*.pub.pem` files."""
    keys: list[Ed25519PublicKey] = []
    for path in paths:
        files = sorted(path.glob("*.pub.pem")) if path.is_dir() else [path]
        for file in files:
            try:
                text = file.read_text()
            except OSError as exc:
                raise SigningKeyError(f"cannot read the public key {file}: {exc}") from exc
            keys.append(public_key_from_pem(text, str(file)))
    return KeyRing(keys)


def ring_of_pems(pems: Iterable[str]) -> KeyRing:
    """A key ring from PEM texts (as carried in an audit export bundle)."""
    return KeyRing(public_key_from_pem(p, "in the bundle") for p in pems)
