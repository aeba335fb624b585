"""Pseudonyms: keyed hashes that relate records about one person without naming them.

A pseudonym is HMAC-SHA-256 over ``"<namespace>:<value>"`` with a key derived for one *scope*
(HKDF-SHA-256 of a secret with ``info = "<purpose>:<scope>"``). Reporting facts use the
municipality code as the scope, so each municipality's pseudonyms are unrelated to every other
municipality's; the national extract re-keys them with a second, separate secret. Without the
secret a pseudonym can be neither reversed nor recomputed from a known client id, which a plain
hash of a UUID or an identity code could be.

The secret is a file of 64 hexadecimal characters (32 random bytes), mounted from a Kubernetes
Secret in production; :func:`ensure_key_file` writes one for development.
"""

from __future__ import annotations

import hmac
import secrets
from functools import lru_cache
from hashlib import sha256
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_BYTES: Final = 32


class PseudonymKey:
    """One secret and what it is for; derives a key per scope and hashes values with it."""

    def __init__(self, secret: bytes, purpose: str) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"a pseudonym secret needs at least {MIN_SECRET_BYTES} bytes")
        if not purpose:
            raise ValueError("a pseudonym key needs a purpose")
        self._secret = secret
        self._purpose = purpose

    @classmethod
    def from_file(cls, path: Path, purpose: str) -> PseudonymKey:
        text = path.read_text(encoding="ascii").strip()
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"{path} does not hold a hexadecimal secret") from None
        return cls(secret, purpose)

    def __repr__(self) -> str:
        return f"PseudonymKey(purpose={self._purpose!r})"

    @lru_cache(maxsize=512)  # noqa: B019 - keys live as long as the process anyway
    def scope_key(self, scope: str) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"{self._purpose}:{scope}".encode(),
        ).derive(self._secret)

    def pseudonym(self, scope: str, namespace: str, value: str) -> str:
        """64 hexadecimal characters; the same inputs always give the same pseudonym."""
        if not scope:
            raise ValueError("a pseudonym needs a scope")
        message = f"{namespace}:{value}".encode()
        return hmac.new(self.scope_key(scope), message, sha256).hexdigest()


def generate_secret() -> str:
    return secrets.token_hex(MIN_SECRET_BYTES)


def ensure_key_file(path: Path) -> None:
    """Writes a new random secret unless the file exists (development and tests)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(generate_secret() + "\n", encoding="ascii")
    path.chmod(0o600)
