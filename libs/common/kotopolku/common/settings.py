"""Configuration from environment variables (prefix ``KOTOPOLKU_``); nothing is read elsewhere."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Settings every process has. Services subclass it and set their own defaults."""

    model_config = SettingsConfigDict(env_prefix="KOTOPOLKU_", extra="ignore")

    log_level: str = "INFO"
    # Where local state lives on the embedded default (SQLite files, dev keys, logs).
    var_dir: Path = Path("var")
    # Verification keys of the internal caller assertions (see docs/security.md).
    gateway_public_key_file: Path = Path("var/keys/gateway.pub")
    service_public_key_file: Path = Path("var/keys/service.pub")
    # How long in-flight calls may finish after SIGTERM before they are cancelled.
    shutdown_grace_seconds: float = Field(20.0, ge=0)


class ServiceSettings(CommonSettings):
    """Settings of a gRPC backend service."""

    grpc_host: str = "127.0.0.1"
    grpc_port: int = Field(50050, ge=0, le=65535)
    # 0 disables the Prometheus endpoint (tests run many servers in one process).
    metrics_port: int = Field(0, ge=0, le=65535)
    # One URL selects the database: sqlite:///var/x.db (embedded default) or
    # postgresql+psycopg://user:password@host/db.
    database_url: str = ""
    # Dev convenience; production runs `kotopolku-<service> migrate` as a separate job.
    migrate_on_start: bool = True
    # The service's own signing key, for calls it makes on its own behalf (audit delivery).
    service_key_file: Path = Path("var/keys/service.pem")
    audit_address: str = "127.0.0.1:50052"
    # How often the outbox relay looks for undelivered audit events when not woken earlier.
    outbox_poll_seconds: float = Field(1.0, gt=0)
    outbox_batch_size: int = Field(200, ge=1, le=5000)
    # The image build (tag) this process runs, reported by the status API; set by the chart.
    build_version: str = ""
    # Database connection pool (PostgreSQL).
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(10, ge=0)


class ObjectStoreSettings(ServiceSettings):
    """Settings of a service that keeps files in object storage (kotopolku.common.objectstore)."""

    # A directory (embedded default), file:///path, or s3://bucket/prefix. Services set their
    # own default directory.
    object_store_url: str = ""
    # S3-compatible storage other than AWS (MinIO, Ceph RGW, …): its endpoint, e.g.
    # https://s3.internal:9000. Credentials come from the standard AWS_* variables.
    object_store_s3_endpoint_url: str = ""
    object_store_s3_region: str = ""
