"""Campaign messages to a target group, with opt-outs honoured."""

from __future__ import annotations

import grpc
from messaging_testkit import OFFICER, OFFICER_837, Messaging, client_user, rpc_error

from kotopolku.messaging.v1 import messaging_pb2 as pb

NEWS = {
    "date": "6.4.2026",
    "time": "9.00",
    "location": "Opistotie 1",
    "organiser": "Helsingin kotoutumispalvelut",
}


async def test_a_campaign_skips_clients_who_opted_out_of_its_topic(svc: Messaging) -> None:
    reached = await svc.new_client(("uk",))
    refused = await svc.new_client(("ru",))
    # The client opts out in self-service.
    await svc.stub.SetOptOut(
        pb.SetOptOutRequest(topic="course-news", opted_out=True),
        metadata=svc.md(client_user(refused)),
    )
    campaign = await svc.stub.CreateCampaign(
        pb.CreateCampaignRequest(
            campaign=pb.Campaign(
                name="Kevään kurssit",
                topic="course-news",
                template_key="appointment-reminder",
                variables=NEWS,
                channels=[pb.CHANNEL_EMAIL],
                client_ids=[reached, refused, reached],
            ),
            idempotency_key="campaign-1",
        ),
        metadata=svc.md(OFFICER),
    )
    assert campaign.status == pb.CAMPAIGN_STATUS_DRAFT
    assert list(campaign.client_ids) == [reached, refused]
    sent = await svc.stub.SendCampaign(
        pb.SendCampaignRequest(campaign_id=campaign.id, expected_version=campaign.version),
        metadata=svc.md(OFFICER),
    )
    assert (sent.queued_count, sent.skipped_count) == (1, 1)
    await rpc_error(
        svc.stub.SendCampaign(
            pb.SendCampaignRequest(campaign_id=campaign.id, expected_version=sent.version),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    await svc.deliver()
    assert len((await svc.mail(await svc.email_of(reached)))["messages"]) == 1
    assert (await svc.mail(await svc.email_of(refused)))["messages"] == []
    listed = await svc.stub.ListNotifications(
        pb.ListNotificationsRequest(campaign_id=campaign.id), metadata=svc.md(OFFICER)
    )
    statuses = {n.client_id: n.status for n in listed.notifications}
    assert statuses == {
        reached: pb.NOTIFICATION_STATUS_SENT,
        refused: pb.NOTIFICATION_STATUS_SKIPPED,
    }
    own = await svc.stub.ListOptOuts(pb.ListOptOutsRequest(), metadata=svc.md(client_user(refused)))
    assert [(o.topic, o.opted_out) for o in own.opt_outs] == [("course-news", True)]


async def test_campaigns_are_the_municipalitys_own(svc: Messaging) -> None:
    client_id = await svc.new_client()
    campaign = await svc.stub.CreateCampaign(
        pb.CreateCampaignRequest(
            campaign=pb.Campaign(
                name="x",
                topic="news",
                template_key="appointment-reminder",
                variables=NEWS,
                client_ids=[client_id],
            )
        ),
        metadata=svc.md(OFFICER),
    )
    await rpc_error(
        svc.stub.GetCampaign(
            pb.GetCampaignRequest(campaign_id=campaign.id), metadata=svc.md(OFFICER_837)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    error = await rpc_error(
        svc.stub.CreateCampaign(
            pb.CreateCampaignRequest(
                campaign=pb.Campaign(
                    name="x", topic="Not A Topic", template_key="appointment-reminder"
                )
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "campaign.topic"
