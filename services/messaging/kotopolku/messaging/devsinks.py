"""Local stand-ins for the remote ends of the channels, for development and tests only: a mail
catcher (a real SMTP server, aiosmtpd), an SMS gateway and a Suomi.fi Messages REST API that
record what they receive, and a small HTTP API to read it.

They speak the real protocols: SMTP for e-mail, and for SMS and Suomi.fi the HTTP contracts in
:mod:`kotopolku.messaging.channels.sms` and :mod:`.suomifi`, including the idempotency rules (a
repeated ``Idempotency-Key`` or ``externalId`` is answered 409 and not delivered again). The
mailbox shows a message once per Message-ID, as mail systems do, while ``smtp_transactions``
counts every SMTP transaction. ``POST /control/hold`` makes the next request of a channel arrive
and then hang until ``POST /control/release``, so a test can kill the worker at the worst moment.

Run: ``python scripts/dev_sinks.py --smtp-port 1025 --http-port 8025`` (``make up`` does).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import secrets
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse

CHANNELS = ("smtp", "sms", "suomifi")


@dataclass
class Hold:
    """Makes requests of one channel hang after they were recorded, until released."""

    armed: bool = False
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def pass_through(self) -> None:
        if not self.armed:
            return
        self.arrived.set()
        await self.released.wait()


@dataclass
class Sinks:
    mail: list[dict[str, Any]] = field(default_factory=list)
    smtp_transactions: int = 0
    sms_requests: list[dict[str, Any]] = field(default_factory=list)
    sms_by_key: dict[str, str] = field(default_factory=dict)
    suomifi_requests: list[dict[str, Any]] = field(default_factory=list)
    suomifi_by_external_id: dict[str, int] = field(default_factory=dict)
    suomifi_tokens: set[str] = field(default_factory=set)
    holds: dict[str, Hold] = field(default_factory=lambda: {c: Hold() for c in CHANNELS})

    def reset(self) -> None:
        fresh = Sinks()
        for name in ("mail", "sms_requests", "sms_by_key", "suomifi_requests"):
            setattr(self, name, getattr(fresh, name))
        self.suomifi_by_external_id = {}
        self.smtp_transactions = 0
        self.holds = fresh.holds


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if text is not None else "",  # type: ignore[attr-defined]
        html.get_content() if html is not None else "",  # type: ignore[attr-defined]
    )


class MailCatcher:
    """aiosmtpd handler: keeps every message, once per Message-ID and recipient."""

    def __init__(self, sinks: Sinks) -> None:
        self._sinks = sinks

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        sinks = self._sinks
        sinks.smtp_transactions += 1
        raw = envelope.original_content or envelope.content or b""
        assert isinstance(raw, bytes)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        text, html = _parts(parsed)
        for recipient in envelope.rcpt_tos:
            known = any(
                m["message_id"] == parsed["Message-ID"] and m["to"] == recipient for m in sinks.mail
            )
            if not known:
                sinks.mail.append(
                    {
                        "to": recipient,
                        "from": envelope.mail_from,
                        "message_id": parsed["Message-ID"],
                        "subject": parsed["Subject"],
                        "content_language": parsed["Content-Language"],
                        "text": text,
                        "html": html,
                    }
                )
        await sinks.holds["smtp"].pass_through()
        return "250 Message accepted for delivery"


def create_app(sinks: Sinks) -> FastAPI:
    app = FastAPI(title="Kotopolku dev sinks")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    # --- what arrived ---------------------------------------------------------------------

    @app.get("/mail")
    async def mail(to: str = "") -> dict[str, Any]:
        items = [m for m in sinks.mail if not to or m["to"] == to]
        return {"messages": items, "smtp_transactions": sinks.smtp_transactions}

    @app.get("/sms")
    async def sms(to: str = "") -> dict[str, Any]:
        requests = [r for r in sinks.sms_requests if not to or r["to"] == to]
        return {
            "requests": requests,
            "delivered": [r for r in requests if not r["duplicate"]],
        }

    @app.get("/suomifi")
    async def suomifi() -> dict[str, Any]:
        return {
            "requests": sinks.suomifi_requests,
            "delivered": [r for r in sinks.suomifi_requests if not r["duplicate"]],
        }

    @app.delete("/all", status_code=204)
    async def clear() -> Response:
        sinks.reset()
        return Response(status_code=204)

    @app.post("/control/hold")
    async def hold(channel: str) -> dict[str, str]:
        if channel not in CHANNELS:
            raise HTTPException(422, "unknown channel")
        sinks.holds[channel] = Hold(armed=True)
        return {"held": channel}

    @app.get("/control/arrived")
    async def arrived(channel: str, wait_seconds: float = 10.0) -> dict[str, bool]:
        try:
            await asyncio.wait_for(sinks.holds[channel].arrived.wait(), wait_seconds)
        except TimeoutError:
            return {"arrived": False}
        return {"arrived": True}

    @app.post("/control/release")
    async def release(channel: str) -> dict[str, str]:
        current = sinks.holds[channel]
        current.released.set()
        sinks.holds[channel] = Hold()
        return {"released": channel}

    # --- the SMS gateway -------------------------------------------------------------------

    @app.post("/sms-gateway/messages")
    async def send_sms(request: Request, idempotency_key: str = Header(default="")) -> JSONResponse:
        body = await request.json()
        if not idempotency_key or not body.get("to") or not body.get("text"):
            return JSONResponse({"error": "to, text and Idempotency-Key are required"}, 400)
        existing = sinks.sms_by_key.get(idempotency_key)
        record = {
            "to": body["to"],
            "text": body["text"],
            "sender": body.get("sender", ""),
            "idempotency_key": idempotency_key,
            "duplicate": existing is not None,
        }
        sinks.sms_requests.append(record)
        if existing is not None:
            return JSONResponse({"id": existing, "status": "duplicate"}, 409)
        message_id = f"sms-{uuid.uuid4().hex[:12]}"
        sinks.sms_by_key[idempotency_key] = message_id
        await sinks.holds["sms"].pass_through()
        return JSONResponse({"id": message_id, "status": "accepted"}, 201)

    @app.get("/sms-gateway/messages/by-reference/{key}")
    async def sms_by_reference(key: str) -> JSONResponse:
        found = sinks.sms_by_key.get(key)
        if found is None:
            return JSONResponse({"error": "not found"}, 404)
        return JSONResponse({"id": found, "status": "accepted"})

    # --- Suomi.fi Messages -----------------------------------------------------------------

    @app.post("/suomifi/v1/token")
    async def suomifi_token(request: Request) -> JSONResponse:
        body = await request.json()
        if not body.get("username") or not body.get("password"):
            return JSONResponse({"error": "invalid credentials"}, 401)
        token = secrets.token_urlsafe(24)
        sinks.suomifi_tokens.add(token)
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": 3600})

    @app.post("/suomifi/v2/messages/electronic")
    async def suomifi_send(
        request: Request, authorization: str = Header(default="")
    ) -> JSONResponse:
        token = authorization.removeprefix("Bearer ").strip()
        if token not in sinks.suomifi_tokens:
            return JSONResponse({"error": "unauthorized"}, 401)
        body = await request.json()
        external_id = body.get("externalId", "")
        electronic = body.get("electronic") or {}
        if not external_id or not (body.get("recipient") or {}).get("id") or not electronic:
            return JSONResponse({"error": "externalId, recipient.id and electronic required"}, 400)
        existing = sinks.suomifi_by_external_id.get(external_id)
        sinks.suomifi_requests.append(
            {
                "external_id": external_id,
                "recipient_id": body["recipient"]["id"],
                "service_id": (body.get("sender") or {}).get("serviceId", ""),
                "title": electronic.get("title", ""),
                "body": electronic.get("body", ""),
                "duplicate": existing is not None,
            }
        )
        if existing is not None:
            return JSONResponse({"messageId": existing, "error": "duplicate externalId"}, 409)
        message_id = len(sinks.suomifi_by_external_id) + 1000
        sinks.suomifi_by_external_id[external_id] = message_id
        await sinks.holds["suomifi"].pass_through()
        return JSONResponse({"messageId": message_id})

    return app


@dataclass
class RunningSinks:
    sinks: Sinks
    smtp_port: int
    http_port: int
    _smtp: asyncio.Server
    _http: uvicorn.Server
    _task: asyncio.Task[None]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    async def stop(self) -> None:
        for hold in self.sinks.holds.values():
            hold.released.set()
        self._http.should_exit = True
        await self._task
        self._smtp.close()
        await self._smtp.wait_closed()


async def start(host: str = "127.0.0.1", smtp_port: int = 0, http_port: int = 0) -> RunningSinks:
    """Starts both servers in the running event loop (tests use ephemeral ports)."""
    sinks = Sinks()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(MailCatcher(sinks), hostname="kotopolku-dev-sinks"), host, smtp_port
    )
    config = uvicorn.Config(
        create_app(sinks), host=host, port=http_port, log_level="warning", lifespan="off"
    )
    http = uvicorn.Server(config)
    task = asyncio.create_task(http.serve())
    while not http.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    actual_http = http.servers[0].sockets[0].getsockname()[1]
    actual_smtp = smtp.sockets[0].getsockname()[1]
    return RunningSinks(sinks, actual_smtp, actual_http, smtp, http, task)


async def _serve(host: str, smtp_port: int, http_port: int) -> None:
    running = await start(host, smtp_port, http_port)
    print(f"dev sinks: SMTP {host}:{running.smtp_port}, HTTP {running.base_url}", flush=True)
    try:
        await running._task
    finally:
        running._smtp.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    args = parser.parse_args()
    asyncio.run(_serve(args.host, args.smtp_port, args.http_port))
    return 0
