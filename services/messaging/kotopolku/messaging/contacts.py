"""Contact details and languages of clients, fetched from the clients service when a message is
sent, as the messaging service itself (role internal-service; the clients service gives it only
these fields and audits every read). Never logged, never stored here."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc

from kotopolku.clients.v1 import clients_pb2, clients_pb2_grpc
from kotopolku.common.errors import DomainError
from kotopolku.messaging.channels.base import Recipient


class DependencyUnavailable(DomainError):
    status = grpc.StatusCode.UNAVAILABLE
    type = "dependency-unavailable"
    title = "A service this call needs is not available"


@dataclass(frozen=True, slots=True)
class ClientContact:
    client_id: str
    municipality_code: str
    languages: tuple[str, ...]
    active: bool
    recipient: Recipient = field(repr=False)


class ContactDirectory:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = clients_pb2_grpc.ClientsServiceStub(channel)
        self._timeout = timeout

    async def contact(self, client_id: str) -> ClientContact | None:
        """The client's contact details; None when there is no such client."""
        try:
            client = await self._stub.GetClient(
                clients_pb2.GetClientRequest(client_id=client_id), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                return None
            raise DependencyUnavailable(
                f"The clients service did not answer ({error.code().name})"
            ) from error
        return ClientContact(
            client_id=client.id,
            municipality_code=client.municipality_code,
            languages=tuple(client.languages),
            active=client.status == clients_pb2.CLIENT_STATUS_ACTIVE,
            recipient=Recipient(
                email=client.contact.email,
                phone=client.contact.phone,
                henkilotunnus=client.henkilotunnus,
            ),
        )
