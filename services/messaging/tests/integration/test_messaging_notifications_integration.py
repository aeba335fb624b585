"""Notifications end to end inside the service: accepted into the outbox, sent by the worker
over real SMTP and the HTTP stand-ins, in the client's language, with delivery status."""

from __future__ import annotations

from datetime import timedelta

import grpc
from messaging_testkit import OFFICER, OFFICER_837, Messaging, rpc_error

from kotopolku.common.clock import to_timestamp, utcnow
from kotopolku.messaging.v1 import messaging_pb2 as pb


async def test_a_reminder_reaches_every_channel_in_the_clients_language(svc: Messaging) -> None:
    client_id = await svc.new_client(("ar", "fi"))
    address = await svc.email_of(client_id)
    sent = await svc.send(client_id, key="reminder-1")
    assert sent.status == pb.NOTIFICATION_STATUS_SCHEDULED
    assert {d.channel for d in sent.deliveries} == {
        pb.CHANNEL_EMAIL,
        pb.CHANNEL_SMS,
        pb.CHANNEL_SUOMIFI,
    }

    assert await svc.deliver() == 3

    mail = (await svc.mail(address))["messages"]
    assert len(mail) == 1
    assert mail[0]["content_language"] == "ar"
    assert mail[0]["subject"].startswith("تذكير بموعدك")
    assert '<html lang="ar" dir="rtl">' in mail[0]["html"]
    assert "Kamppi" in mail[0]["text"]
    sms = (await svc.sms("+358401234567"))["delivered"]
    assert len(sms) == 1
    assert sms[0]["text"].startswith("تذكير")
    suomifi = (await svc.suomifi())["delivered"]
    assert len(suomifi) == 1
    assert suomifi[0]["service_id"] == "kotopolku-dev"

    found = await svc.get(sent.id)
    assert found.status == pb.NOTIFICATION_STATUS_SENT
    assert found.language == "ar"
    assert found.direction == pb.TEXT_DIRECTION_RTL
    assert all(d.status == pb.DELIVERY_STATUS_SENT and d.attempts == 1 for d in found.deliveries)
    email = next(d for d in found.deliveries if d.channel == pb.CHANNEL_EMAIL)
    assert mail[0]["message_id"] == f"<{email.idempotency_key}@hel.example.fi>"
    # The service's own reads and sends of personal data are recorded; no contact detail is.
    events = await svc.audit_events()
    assert {e.action for e in events} >= {"notification.create", "notification.deliver"}
    assert all(address not in e.SerializeToString().decode(errors="ignore") for e in events)


async def test_a_retry_with_the_same_key_returns_the_first_notification(svc: Messaging) -> None:
    client_id = await svc.new_client()
    first = await svc.send(client_id, key="same")
    again = await svc.send(client_id, key="same")
    assert again.id == first.id
    error = await rpc_error(
        svc.send(
            client_id,
            key="same",
            template_key="plan-signature-request",
            variables={"sign_url": "https://x", "deadline": "1.4.2026", "organiser": "Helsinki"},
        ),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert error.type == "idempotency-key-reused"


async def test_variables_must_be_exactly_the_templates(svc: Messaging) -> None:
    client_id = await svc.new_client()
    unknown = await rpc_error(
        svc.send(
            client_id,
            variables={
                "date": "1.1.2026",
                "time": "9",
                "location": "x",
                "organiser": "y",
                "dtae": "z",
            },
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert unknown.violations[0].field == "variables.dtae"
    missing = await rpc_error(
        svc.send(client_id, variables={"date": "1.1.2026", "time": "9", "location": "x"}),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert missing.violations[0].field == "variables.organiser"
    no_template = await rpc_error(
        svc.send(client_id, template_key="no-such-template", variables={}),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert no_template.violations[0].field == "template_key"
    no_key = await rpc_error(
        svc.stub.SendNotification(
            pb.SendNotificationRequest(
                client_id=client_id, municipality_code="091", template_key="appointment-reminder"
            ),
            metadata=svc.service_md(),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert no_key.violations[0].field == "idempotency_key"
    assert await svc.delivery_rows() == []


async def test_a_cancelled_or_future_notification_is_not_sent(svc: Messaging) -> None:
    client_id = await svc.new_client()
    later = await svc.send(client_id, send_at=to_timestamp(utcnow() + timedelta(hours=2)))
    cancelled = await svc.send(client_id, send_at=to_timestamp(utcnow() + timedelta(hours=1)))
    result = await svc.stub.CancelNotification(
        pb.CancelNotificationRequest(notification_id=cancelled.id), metadata=svc.service_md()
    )
    assert result.status == pb.NOTIFICATION_STATUS_CANCELLED
    assert all(d.status == pb.DELIVERY_STATUS_CANCELLED for d in result.deliveries)
    assert await svc.deliver() == 0
    assert (await svc.get(later.id)).status == pb.NOTIFICATION_STATUS_SCHEDULED
    # Another service cannot see, let alone cancel, this service's notification.
    await rpc_error(
        svc.stub.CancelNotification(
            pb.CancelNotificationRequest(notification_id=later.id),
            metadata=svc.service_md("esign"),
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_failures_are_retried_with_backoff_then_given_up(
    svc: Messaging, keys, database_url: str, clients_service, sinks
) -> None:
    from messaging_testkit import start_messaging

    broken = await start_messaging(
        keys,
        database_url,
        clients_service.port,
        sinks,
        smtp_port=1,
        delivery_max_attempts=3,
        delivery_retry_base_seconds=0.05,
        delivery_retry_cap_seconds=0.05,
    )
    try:
        client_id = await broken.new_client(("fi",))
        sent = await broken.send(client_id, channels=[pb.CHANNEL_EMAIL])
        assert await broken.worker.run_once() == 1
        first = (await broken.get(sent.id)).deliveries[0]
        assert first.status == pb.DELIVERY_STATUS_RETRYING
        assert first.attempts == 1
        assert first.last_error.startswith("smtp ")
        assert first.next_attempt_at.ToDatetime() > utcnow().replace(tzinfo=None)
        assert await broken.worker.run_once() == 0  # not due yet
        import asyncio

        for _ in range(2):
            await asyncio.sleep(0.06)
            assert await broken.worker.run_once() == 1
        final = await broken.get(sent.id)
        assert final.status == pb.NOTIFICATION_STATUS_FAILED
        assert final.deliveries[0].status == pb.DELIVERY_STATUS_FAILED
        assert final.deliveries[0].attempts == 3
    finally:
        await broken.stop()


async def test_channel_opt_out_and_missing_contact_skip_that_channel(svc: Messaging) -> None:
    client_id = await svc.new_client(("fi",), email="")
    await svc.stub.SetOptOut(
        pb.SetOptOutRequest(client_id=client_id, channel=pb.CHANNEL_SMS, opted_out=True),
        metadata=svc.md(OFFICER),
    )
    sent = await svc.send(
        client_id, channels=[pb.CHANNEL_EMAIL, pb.CHANNEL_SMS, pb.CHANNEL_SUOMIFI]
    )
    await svc.deliver()
    found = {d.channel: d for d in (await svc.get(sent.id)).deliveries}
    assert found[pb.CHANNEL_EMAIL].status == pb.DELIVERY_STATUS_SKIPPED
    assert found[pb.CHANNEL_EMAIL].last_error == "no-email-address"
    assert found[pb.CHANNEL_SMS].status == pb.DELIVERY_STATUS_SKIPPED
    assert found[pb.CHANNEL_SMS].last_error == "opted-out"
    assert found[pb.CHANNEL_SUOMIFI].status == pb.DELIVERY_STATUS_SENT
    assert (await svc.get(sent.id)).status == pb.NOTIFICATION_STATUS_SENT
    assert (await svc.sms())["requests"] == []
    # Finnish: the client's only language.
    assert (await svc.suomifi())["delivered"][0]["title"].startswith("Muistutus")


async def test_a_language_without_template_falls_back_to_the_municipalitys(svc: Messaging) -> None:
    # Tigrinya has no template; Helsinki's majority language is Finnish.
    client_id = await svc.new_client(("ti",))
    sent = await svc.send(client_id, channels=[pb.CHANNEL_EMAIL])
    await svc.deliver()
    found = await svc.get(sent.id)
    assert found.language == "fi"
    overridden = await svc.send(client_id, channels=[pb.CHANNEL_EMAIL], language="uk")
    await svc.deliver()
    assert (await svc.get(overridden.id)).language == "uk"


async def test_officers_send_for_their_own_municipality_only(svc: Messaging) -> None:
    client_id = await svc.new_client()
    sent = await svc.send(client_id, md=svc.md(OFFICER), municipality_code="")
    assert sent.requested_by == OFFICER.subject
    await rpc_error(svc.get(sent.id, OFFICER_837), grpc.StatusCode.NOT_FOUND)
    await rpc_error(
        svc.send(client_id, md=svc.md(OFFICER_837), municipality_code=""),
        grpc.StatusCode.NOT_FOUND,
    )
    # A service naming the wrong municipality does not reach the client either.
    await rpc_error(svc.send(client_id, municipality_code="837"), grpc.StatusCode.NOT_FOUND)
    listed = await svc.stub.ListNotifications(
        pb.ListNotificationsRequest(client_id=client_id), metadata=svc.md(OFFICER)
    )
    assert [n.id for n in listed.notifications] == [sent.id]
