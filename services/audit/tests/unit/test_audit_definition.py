"""How the shared host sees the audit service."""

from __future__ import annotations

import pytest

from kotopolku.audit.__main__ import main
from kotopolku.audit.service import DEFINITION, MIGRATIONS, AuditSettings


def test_the_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KOTOPOLKU_GRPC_PORT", "KOTOPOLKU_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert DEFINITION.name == "audit"
    assert DEFINITION.settings_class is AuditSettings
    # No outbox: the audit service writes its own entries straight into the chain.
    assert DEFINITION.outbox is None
    assert DEFINITION.migrations == MIGRATIONS
    assert (MIGRATIONS / "0001_audit_entries.py").is_file()
    settings = AuditSettings()
    assert settings.grpc_port == 50052
    assert settings.database_url == "sqlite:///var/data/audit.db"
    assert AuditSettings(grpc_port=0).grpc_port == 0
    assert callable(main)
