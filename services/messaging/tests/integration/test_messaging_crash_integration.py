"""The delivery worker as a separate process, killed (SIGKILL) at the worst moment: after the
channel took the message and before the worker could record it. The recipient still gets the
message exactly once.

The sinks hold the request of a channel after recording it, so the test knows the remote side
has the message while the worker is still waiting for the answer; then it kills the worker.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from messaging_testkit import Messaging, channel_settings

from kotopolku.messaging.v1 import messaging_pb2 as pb

LEASE_SECONDS = 1.0


def _worker_env(svc: Messaging) -> dict[str, str]:
    settings = svc.host.settings
    env = dict(os.environ)
    env.update(
        {
            "KOTOPOLKU_DATABASE_URL": settings.database_url,
            "KOTOPOLKU_CLIENTS_ADDRESS": settings.clients_address,  # type: ignore[attr-defined]
            "KOTOPOLKU_SERVICE_KEY_FILE": str(svc.keys.service_private),
            "KOTOPOLKU_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
            "KOTOPOLKU_DELIVERY_POLL_SECONDS": "0.1",
            "KOTOPOLKU_LOG_LEVEL": "WARNING",
        }
    )
    for name, value in channel_settings(svc.sinks).items():
        env[f"KOTOPOLKU_{name.upper()}"] = str(value)
    return env


@pytest.fixture
def start_worker(svc: Messaging, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Starts worker processes (output in the test's tmp dir); none outlives the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / "worker.log").open("ab") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "kotopolku.messaging", "worker"],
                env=_worker_env(svc),
                stdout=subprocess.DEVNULL,
                stderr=output,
            )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)


async def _hold(svc: Messaging, channel: str) -> None:
    (await svc.http.post("/control/hold", params={"channel": channel})).raise_for_status()


async def _kill_when_held(svc: Messaging, worker: subprocess.Popen[bytes], channel: str) -> None:
    """Waits until the channel has the message and the worker waits for its answer; kills it."""
    answer = await svc.http.get(
        "/control/arrived", params={"channel": channel, "wait_seconds": 30}, timeout=35
    )
    if not answer.json()["arrived"]:
        worker.kill()
        raise AssertionError(f"the {channel} request never arrived")
    worker.send_signal(signal.SIGKILL)
    await asyncio.to_thread(worker.wait)
    await svc.http.post("/control/release", params={"channel": channel})


async def _wait_sent(svc: Messaging, notification_id: str, within: float = 30) -> pb.Notification:
    deadline = time.monotonic() + within
    while True:
        found = await svc.get(notification_id)
        if found.status == pb.NOTIFICATION_STATUS_SENT or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)


def _by_channel(found: pb.Notification) -> dict[int, Any]:
    return {d.channel: d for d in found.deliveries}


async def test_killed_mid_send_the_recipient_gets_each_message_once(
    svc: Messaging, start_worker: Callable[[], subprocess.Popen[bytes]]
) -> None:
    client_id = await svc.new_client(("so",))
    address = await svc.email_of(client_id)
    sent = await svc.send(client_id, channels=[pb.CHANNEL_EMAIL, pb.CHANNEL_SMS])

    # 1. The worker hands the e-mail to the SMTP server and dies before hearing "250".
    await _hold(svc, "smtp")
    first = start_worker()
    await _kill_when_held(svc, first, "smtp")
    state = _by_channel(await svc.get(sent.id))
    assert state[pb.CHANNEL_EMAIL].status == pb.DELIVERY_STATUS_SENDING

    # 2. The next worker takes both deliveries over in doubt once the lease runs out. The
    #    e-mail goes again with the same Message-ID; the SMS gateway gets the SMS and this
    #    worker dies too, before it hears the gateway's answer.
    await _hold(svc, "sms")
    second = start_worker()
    await _kill_when_held(svc, second, "sms")

    # 3. A third worker asks the gateway about the SMS by its idempotency key instead of
    #    sending it again.
    third = start_worker()
    found = await _wait_sent(svc, sent.id)
    third.send_signal(signal.SIGTERM)
    await asyncio.to_thread(third.wait, 10)
    assert found.status == pb.NOTIFICATION_STATUS_SENT, found
    state = _by_channel(found)
    assert state[pb.CHANNEL_EMAIL].status == pb.DELIVERY_STATUS_SENT
    assert state[pb.CHANNEL_SMS].status == pb.DELIVERY_STATUS_SENT
    assert state[pb.CHANNEL_SMS].last_error == "duplicate-recognised"

    sms = await svc.sms("+358401234567")
    assert len(sms["requests"]) == 1, "the SMS gateway got one send request"
    assert len(sms["delivered"]) == 1
    mail = await svc.mail(address)
    assert len(mail["messages"]) == 1, "the mailbox shows the e-mail once"
    assert mail["messages"][0]["subject"].startswith("Xusuusin")
    # SMTP cannot be asked what it already has: the in-doubt e-mail crossed SMTP twice, with the
    # same Message-ID (the documented at-least-once boundary of e-mail).
    assert mail["smtp_transactions"] == 2
    assert state[pb.CHANNEL_EMAIL].attempts == 2
