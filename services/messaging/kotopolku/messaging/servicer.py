"""MessagingService: RPCs to domain rules, queries and audit records. Kept thin on purpose;
the handlers live in the ``*_rpcs`` modules."""

from __future__ import annotations

from kotopolku.messaging.campaign_rpcs import CampaignRpcs
from kotopolku.messaging.notification_rpcs import NotificationRpcs
from kotopolku.messaging.template_rpcs import TemplateRpcs
from kotopolku.messaging.thread_rpcs import ThreadRpcs
from kotopolku.messaging.v1 import messaging_pb2_grpc


class MessagingServicer(
    ThreadRpcs,
    TemplateRpcs,
    NotificationRpcs,
    CampaignRpcs,
    messaging_pb2_grpc.MessagingServiceServicer,
):
    pass
