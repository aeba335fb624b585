"""Configuration of the welfare service (environment variables, prefix ``KOTOPOLKU_``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from kotopolku.common.settings import ServiceSettings

# Dev and test defaults; production sets both maps (deploy/helm/kotopolku/values.yaml).
# Helsinki organises its social and health services itself (it belongs to no welfare area), so it
# is its own "welfare area" here.
DEV_WELFARE_AREAS = {"091": "helsinki", "092": "vantaa-kerava", "837": "pirkanmaa"}
# X-Road client subsystems (INSTANCE/CLASS/MEMBER/SUBSYSTEM) of the welfare areas' systems. The
# instance KOTOPOLKU-DEV exists nowhere, so these can never match a real security server.
DEV_XROAD_CLIENTS = {
    "KOTOPOLKU-DEV/GOV/HEL/kotopolku-client": "helsinki",
    "KOTOPOLKU-DEV/GOV/PIRHA/kotopolku-client": "pirkanmaa",
    "KOTOPOLKU-DEV/GOV/VAKEHYVA/kotopolku-client": "vantaa-kerava",
}


class WelfareSettings(ServiceSettings):
    grpc_port: int = 50056
    database_url: str = "sqlite:///var/data/welfare.db"
    # Asked as the calling officer: the client record (cooperation, reception transfer), and the
    # multi-sector assessment and plan a transfer sends.
    clients_address: str = "127.0.0.1:50051"
    assessment_address: str = "127.0.0.1:50053"
    plans_address: str = "127.0.0.1:50054"
    dependency_timeout_seconds: float = Field(5.0, gt=0)
    # Kuntanumero → the welfare area (hyvinvointialue) that organises its social and health
    # services: where consultations and, by default, cooperation requests go. JSON object.
    welfare_areas: dict[str, str] = Field(default_factory=lambda: dict(DEV_WELFARE_AREAS))
    # Allow-list of X-Road client subsystems → the welfare area each belongs to. A call that
    # carries X-Road-Client is refused unless the subsystem is here (and, for a welfare area's
    # caller, belongs to that area). JSON object.
    xroad_clients: dict[str, str] = Field(default_factory=lambda: dict(DEV_XROAD_CLIENTS))
    # Long-polling feed readers look at the database this often for appends of other replicas.
    feed_poll_seconds: float = Field(0.5, gt=0)
    # Feed events older than this are pruned; a consumer away longer must resynchronise.
    feed_retention_days: int = Field(365, ge=1)

    @field_validator("welfare_areas")
    @classmethod
    def _municipality_codes(cls, value: dict[str, str]) -> dict[str, str]:
        for code, area in value.items():
            if len(code) != 3 or not code.isdigit() or not area.strip():
                raise ValueError("map three-digit municipality codes to welfare area codes")
        return value

    @property
    def known_welfare_areas(self) -> frozenset[str]:
        return frozenset(self.welfare_areas.values())
