"""Mechanisms shared by every Kotopolku service: settings, server start-up, database, caller
identity, errors, audit outbox, telemetry and logging. A service holds only its domain."""
