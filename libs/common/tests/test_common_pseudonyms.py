"""Pseudonyms: keyed, scoped, deterministic, and not computable without the secret."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kotopolku.common.pseudonyms import PseudonymKey, ensure_key_file, generate_secret

CLIENT = "3f1c2a8e-5b7d-4c1e-9a2b-6d8e0f1a2b3c"


def key(secret: str | None = None, purpose: str = "kotopolku-reporting-municipal") -> PseudonymKey:
    return PseudonymKey(bytes.fromhex(secret or "11" * 32), purpose)


def test_the_same_input_gives_the_same_pseudonym_of_64_hex_characters() -> None:
    first = key().pseudonym("091", "client", CLIENT)
    assert first == key().pseudonym("091", "client", CLIENT)
    assert len(first) == 64
    assert set(first) <= set("0123456789abcdef")


def test_scope_namespace_secret_and_purpose_each_change_the_pseudonym() -> None:
    base = key().pseudonym("091", "client", CLIENT)
    assert key().pseudonym("837", "client", CLIENT) != base
    assert key().pseudonym("091", "plan", CLIENT) != base
    assert key("22" * 32).pseudonym("091", "client", CLIENT) != base
    assert key(purpose="kotopolku-reporting-national").pseudonym("091", "client", CLIENT) != base


def test_a_pseudonym_is_not_a_plain_hash_of_the_id() -> None:
    pseudonym = key().pseudonym("091", "client", CLIENT)
    for text in (CLIENT, f"client:{CLIENT}", f"091:client:{CLIENT}"):
        assert hashlib.sha256(text.encode()).hexdigest() != pseudonym


def test_short_secrets_and_empty_scopes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        PseudonymKey(b"short", "purpose")
    with pytest.raises(ValueError, match="scope"):
        key().pseudonym("", "client", CLIENT)
    bad = tmp_path / "bad.key"
    bad.write_text("not hex")
    with pytest.raises(ValueError, match="hexadecimal"):
        PseudonymKey.from_file(bad, "purpose")


def test_a_key_file_is_written_once_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "reporting-pseudonym.key"
    ensure_key_file(path)
    written = path.read_text()
    ensure_key_file(path)
    assert path.read_text() == written
    assert path.stat().st_mode & 0o077 == 0
    loaded = PseudonymKey.from_file(path, "purpose")
    assert loaded.pseudonym("091", "client", CLIENT) == PseudonymKey(
        bytes.fromhex(written.strip()), "purpose"
    ).pseudonym("091", "client", CLIENT)
    assert generate_secret() != generate_secret()
