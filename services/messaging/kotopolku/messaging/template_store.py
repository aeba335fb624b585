"""Where templates come from: a municipality's own (database) before the shipped defaults."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.messaging.default_templates import default_templates
from kotopolku.messaging.domain.templates import TemplateText
from kotopolku.messaging.tables import templates


def from_row(row: Any) -> TemplateText:
    return TemplateText(
        key=row.key,
        language=row.language,
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        sms_text=row.sms_text,
        variables=tuple(row.variables or ()),
    )


async def own_rows(connection: AsyncConnection, municipality: str, key: str = "") -> list[Any]:
    query = sa.select(templates).where(templates.c.municipality_code == municipality)
    if key:
        query = query.where(templates.c.key == key)
    return list((await connection.execute(query)).all())


async def own_row(
    connection: AsyncConnection, municipality: str, key: str, language: str
) -> Any | None:
    return (
        await connection.execute(
            sa.select(templates).where(
                templates.c.municipality_code == municipality,
                templates.c.key == key,
                templates.c.language == language,
            )
        )
    ).first()


async def available(
    connection: AsyncConnection, municipality: str, key: str
) -> dict[str, TemplateText]:
    """language → template for one key: the municipality's own over the defaults."""
    found = {lang: t for (k, lang), t in default_templates().items() if k == key}
    for row in await own_rows(connection, municipality, key):
        found[row.language] = from_row(row)
    return found


def declared_variables(found: dict[str, TemplateText]) -> tuple[str, ...]:
    """The variables of a key. Every language of a key declares the same ones (PutTemplate
    keeps it so), so any language answers."""
    for template in found.values():
        return template.variables
    return ()
