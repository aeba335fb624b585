"""RPCs of campaign messages (viestintä) to a target group of clients, and of opt-outs."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.clock import from_timestamp
from kotopolku.common.errors import (
    AlreadyExists,
    InvalidArgument,
    InvalidState,
    NotFound,
    StaleVersion,
)
from kotopolku.common.identity import current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.messaging import access, convert, delivery_store, template_store
from kotopolku.messaging.domain.delivery import Channel
from kotopolku.messaging.domain.errors import MessagingDomainError
from kotopolku.messaging.domain.optout import scope_of, topic_scope, validate_topic
from kotopolku.messaging.domain.templates import validate_key, validate_variables
from kotopolku.messaging.domain.threads import validate_subject
from kotopolku.messaging.rpc_support import (
    Context,
    RpcBase,
    fingerprint,
    idempotency_key,
    invalid,
    time_position,
    time_token,
)
from kotopolku.messaging.tables import campaigns, opt_outs
from kotopolku.messaging.v1 import messaging_pb2 as pb

MAX_TARGET_GROUP = 1000


def _campaign_entry(row: Any, action: str) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"campaigns/{row.id}",
        municipality=row.municipality_code,
        fields=("client_ids",),
    )


async def _campaign(connection: AsyncConnection, campaign_id: str) -> Any | None:
    return (
        await connection.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id))
    ).first()


class CampaignRpcs(RpcBase):
    async def CreateCampaign(
        self, request: pb.CreateCampaignRequest, context: Context
    ) -> pb.Campaign:
        caller = current_caller()
        municipality = access.campaign_staff(caller)
        given = request.campaign
        try:
            name = validate_subject(given.name, field="campaign.name")
            topic = validate_topic(given.topic, field="campaign.topic")
            template_key = validate_key(given.template_key, field="campaign.template_key")
        except MessagingDomainError as error:
            raise invalid(error) from None
        channels = convert.channels_from_proto(given.channels, "campaign.channels")
        for index, channel in enumerate(channels):
            if channel not in self._configured:
                raise InvalidArgument.field(
                    f"campaign.channels[{index}]", "this channel is not configured"
                )
        if not given.client_ids:
            raise InvalidArgument.field("campaign.client_ids", "the target group is empty")
        if len(given.client_ids) > MAX_TARGET_GROUP:
            raise InvalidArgument.field(
                "campaign.client_ids", f"at most {MAX_TARGET_GROUP} clients per campaign"
            )
        client_ids: list[str] = []
        for index, value in enumerate(given.client_ids):
            try:
                normalised = str(uuid.UUID(value))
            except ValueError:
                raise InvalidArgument.field(
                    f"campaign.client_ids[{index}]", "is not a client id"
                ) from None
            if normalised not in client_ids:
                client_ids.append(normalised)
        send_at = from_timestamp(given.send_at) if given.HasField("send_at") else None
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        now = self._now()
        async with self._db.transaction() as connection:
            existing = await self._replay(connection, caller.subject, key, "CreateCampaign", digest)
            if existing is not None:
                row = await _campaign(connection, existing)
                if row is None:
                    raise NotFound("The campaign created with this key is gone")
                return convert.campaign_message(row)
            found = await template_store.available(connection, municipality, template_key)
            if not found:
                raise InvalidArgument.field("campaign.template_key", "no such template")
            try:
                variables = validate_variables(
                    template_store.declared_variables(found),
                    dict(given.variables),
                    field="campaign.variables",
                )
            except MessagingDomainError as error:
                raise invalid(error) from None
            campaign_id = str(uuid.uuid4())
            try:
                await connection.execute(
                    sa.insert(campaigns).values(
                        id=campaign_id,
                        version=1,
                        municipality_code=municipality,
                        name=name,
                        topic=topic,
                        template_key=template_key,
                        variables=variables,
                        channels=[c.value for c in channels],
                        client_ids=client_ids,
                        status="draft",
                        send_at=send_at,
                        queued_count=0,
                        skipped_count=0,
                        created_by=caller.subject,
                        created_at=now,
                        updated_at=now,
                    )
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateCampaign", digest, campaign_id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The campaign was created concurrently") from error
            row = await _campaign(connection, campaign_id)
            await self._audit.record(connection, caller, [_campaign_entry(row, "campaign.create")])
            return convert.campaign_message(row)

    async def GetCampaign(self, request: pb.GetCampaignRequest, context: Context) -> pb.Campaign:
        caller = current_caller()
        municipality = access.campaign_staff(caller)
        async with self._db.transaction() as connection:
            row = await _campaign(
                connection, resource_id(request.campaign_id, "campaign_id", "campaign")
            )
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such campaign")
            await self._audit.record(connection, caller, [_campaign_entry(row, "campaign.read")])
            return convert.campaign_message(row)

    async def ListCampaigns(
        self, request: pb.ListCampaignsRequest, context: Context
    ) -> pb.ListCampaignsResponse:
        caller = current_caller()
        municipality = access.campaign_staff(caller)
        size = pagination.page_size(request.page_size)
        position = time_position(request.page_token)
        query = sa.select(campaigns).where(campaigns.c.municipality_code == municipality)
        if position is not None:
            query = query.where(
                sa.or_(
                    campaigns.c.created_at < position["at"],
                    sa.and_(
                        campaigns.c.created_at == position["at"], campaigns.c.id < position["id"]
                    ),
                )
            )
        query = query.order_by(campaigns.c.created_at.desc(), campaigns.c.id.desc()).limit(size + 1)
        async with self._db.transaction() as connection:
            rows = list((await connection.execute(query)).all())
            page = rows[:size]
            await self._audit.record(
                connection, caller, [_campaign_entry(r, "campaign.list") for r in page]
            )
        return pb.ListCampaignsResponse(
            campaigns=[convert.campaign_message(r) for r in page],
            next_page_token=time_token(rows, size, "created_at"),
        )

    async def SendCampaign(self, request: pb.SendCampaignRequest, context: Context) -> pb.Campaign:
        caller = current_caller()
        municipality = access.campaign_staff(caller)
        version = expected_version(request.expected_version)
        now = self._now()
        async with self._db.transaction() as connection:
            row = await _campaign(
                connection, resource_id(request.campaign_id, "campaign_id", "campaign")
            )
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such campaign")
            if row.version != version:
                raise StaleVersion(f"The campaign is at version {row.version}, not {version}")
            if row.status != "draft":
                raise InvalidState("The campaign was already sent")
            opted = {
                r.client_id
                for r in await connection.execute(
                    sa.select(opt_outs.c.client_id).where(
                        opt_outs.c.client_id.in_(list(row.client_ids)),
                        opt_outs.c.scope == topic_scope(row.topic),
                        opt_outs.c.opted_out.is_(True),
                    )
                )
            }
            channels = [Channel(c) for c in row.channels] or list(self._configured)
            send_at = max(row.send_at, now) if row.send_at is not None else now
            entries = []
            for client_id in row.client_ids:
                skipped = client_id in opted
                notification_id = await delivery_store.insert_notification(
                    connection,
                    values={
                        "municipality_code": municipality,
                        "client_id": client_id,
                        "template_key": row.template_key,
                        "requested_language": "",
                        "variables": dict(row.variables or {}),
                        "send_at": send_at,
                        "requested_by": caller.subject,
                        "campaign_id": row.id,
                        "topic": row.topic,
                    },
                    channels=channels,
                    now=now,
                    skipped=skipped,
                )
                entries.append(
                    AuditEntry(
                        action="campaign.send-to" if not skipped else "campaign.skip-opted-out",
                        resource=f"notifications/{notification_id}",
                        subject_client_id=client_id,
                        municipality=municipality,
                    )
                )
            await connection.execute(
                sa.update(campaigns)
                .where(campaigns.c.id == row.id, campaigns.c.version == version)
                .values(
                    status="sent",
                    version=version + 1,
                    queued_count=len(row.client_ids) - len(opted),
                    skipped_count=len(opted),
                    updated_at=now,
                )
            )
            await self._audit.record(connection, caller, entries)
            sent = await _campaign(connection, row.id)
        self._on_queued()
        return convert.campaign_message(sent)

    # --- opt-outs -------------------------------------------------------------------------

    async def _opt_out_client(self, actor: access.OptOutActor, client_id: str) -> tuple[str, str]:
        """(client id, municipality) of the client whose opt-outs the actor handles."""
        if actor.own_client_id is not None:
            if client_id and client_id != actor.own_client_id:
                raise NotFound("No such client")
            contact = await self._client_in(actor.own_client_id, None)
            return actor.own_client_id, contact.municipality_code
        wanted = resource_id(client_id, "client_id", "client")
        contact = await self._client_in(wanted, actor.municipality)
        return wanted, contact.municipality_code

    async def SetOptOut(self, request: pb.SetOptOutRequest, context: Context) -> pb.OptOut:
        caller = current_caller()
        actor = access.opt_out_actor(caller, write=True)
        channel = (
            convert.channels_from_proto([request.channel])[0]
            if request.channel != pb.CHANNEL_UNSPECIFIED
            else None
        )
        try:
            scope = scope_of(channel, request.topic)
        except MessagingDomainError as error:
            raise invalid(error) from None
        client_id, municipality = await self._opt_out_client(actor, request.client_id)
        now = self._now()
        async with self._db.transaction() as connection:
            changed = await connection.execute(
                sa.update(opt_outs)
                .where(opt_outs.c.client_id == client_id, opt_outs.c.scope == scope)
                .values(opted_out=request.opted_out, recorded_by=caller.subject, updated_at=now)
            )
            if changed.rowcount == 0:
                await connection.execute(
                    sa.insert(opt_outs).values(
                        client_id=client_id,
                        scope=scope,
                        municipality_code=municipality,
                        opted_out=request.opted_out,
                        recorded_by=caller.subject,
                        updated_at=now,
                    )
                )
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="opt-out.set",
                        resource=f"clients/{client_id}/opt-outs",
                        subject_client_id=client_id,
                        municipality=municipality,
                        fields=(scope,),
                    )
                ],
            )
            row = (
                await connection.execute(
                    sa.select(opt_outs).where(
                        opt_outs.c.client_id == client_id, opt_outs.c.scope == scope
                    )
                )
            ).one()
            return convert.opt_out_message(row)

    async def ListOptOuts(
        self, request: pb.ListOptOutsRequest, context: Context
    ) -> pb.ListOptOutsResponse:
        caller = current_caller()
        actor = access.opt_out_actor(caller, write=False)
        client_id, municipality = await self._opt_out_client(actor, request.client_id)
        async with self._db.transaction() as connection:
            rows = (
                await connection.execute(
                    sa.select(opt_outs)
                    .where(opt_outs.c.client_id == client_id)
                    .order_by(opt_outs.c.scope)
                )
            ).all()
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="opt-out.read",
                        resource=f"clients/{client_id}/opt-outs",
                        subject_client_id=client_id,
                        municipality=municipality,
                    )
                ],
            )
        return pb.ListOptOutsResponse(opt_outs=[convert.opt_out_message(r) for r in rows])
