"""Signed JSON documents: the form of all evidence the hub sends out (backups, checkpoints).

The signed bytes are the document's canonical JSON (sorted keys, no spaces, UTF-8) without
its `signature` member; the signature member names the algorithm and the key id, and the
key id is also inside the signed content, so it cannot be swapped for another key's.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hub.service_layer.ports import Signer, Verifier


def canonical(content: dict[str, Any]) -> bytes:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode()


def digest(doc: dict[str, Any]) -> str:
    """SHA-256 of a whole signed document (signature included): what the next one chains to."""
    return hashlib.sha256(canonical(doc)).hexdigest()


def sign(content: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """`content` with the signer's key id, and its signature."""
    body = {**content, "key_id": signer.key_id}
    signature = {"algorithm": signer.algorithm, "value": signer.sign(canonical(body))}
    return {**body, "signature": signature}


def check(doc: Any, verifier: Verifier) -> str:
    """'' when `doc` is a document signed by a key `verifier` knows, else what is wrong."""
    if not isinstance(doc, dict):
        return "not a signed document (JSON object expected)"
    signature = doc.get("signature")
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        return "not signed (no signature), or a checksum-only document from an older hub"
    if signature.get("algorithm") != "Ed25519":
        return f"unsupported signature algorithm {signature.get('algorithm')!r}"
    kid = doc.get("key_id")
    if not isinstance(kid, str):
        return "no key id"
    body = {k: v for k, v in doc.items() if k != "signature"}
    return verifier.verify(kid, canonical(body), signature["value"])
