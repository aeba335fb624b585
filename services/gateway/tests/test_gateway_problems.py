"""A body the gateway cannot read is bad input like any other: 422 naming ``body``, the status the
OpenAPI document promises, not FastAPI's undocumented 400 (found by Schemathesis)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from kotopolku.gateway.problems import install_handlers


class Body(BaseModel):
    name: str


def _app() -> FastAPI:
    app = FastAPI()
    install_handlers(app)

    @app.post("/echo")
    async def echo(body: Body) -> Body:
        return body

    return app


async def test_a_body_that_is_not_json_or_not_utf8_is_a_422_naming_the_body() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        for content in (b"{not json", b"[1, 2", b"\xff\xfe\x00\x81 not utf-8"):
            response = await http.post(
                "/echo", content=content, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            problem = response.json()
            assert problem["type"] == "urn:kotopolku:problem:validation-error"
            assert [e["field"] for e in problem["errors"]] == ["body"]
        # A well-formed body with a wrong field still names that field.
        response = await http.post("/echo", json={"name": 5})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["name"]
