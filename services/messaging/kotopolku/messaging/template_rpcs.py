"""RPCs of message templates: the shipped defaults and the municipality's own versions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kotopolku.clients.domain import ClientDomainError, validate_language_code
from kotopolku.common import pagination
from kotopolku.common.errors import AlreadyExists, InvalidArgument, NotFound, StaleVersion
from kotopolku.common.identity import current_caller
from kotopolku.messaging import access, convert, template_store
from kotopolku.messaging.default_templates import default_templates
from kotopolku.messaging.domain.errors import MessagingDomainError
from kotopolku.messaging.domain.languages import choose_language, template_language
from kotopolku.messaging.domain.templates import (
    TemplateText,
    render,
    validate_key,
    validate_template,
)
from kotopolku.messaging.rpc_support import Context, RpcBase, invalid
from kotopolku.messaging.tables import templates
from kotopolku.messaging.v1 import messaging_pb2 as pb


def language_of(code: str, field: str) -> str:
    """A valid ISO 639 code, in the form templates are stored under."""
    try:
        return template_language(validate_language_code(code, field=field))
    except ClientDomainError as error:
        raise InvalidArgument.field(field, error.message) from None


class TemplateRpcs(RpcBase):
    async def ListTemplates(
        self, request: pb.ListTemplatesRequest, context: Context
    ) -> pb.ListTemplatesResponse:
        municipality = access.template_reader(current_caller())
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (str(position.get("k", "")), str(position.get("l", ""))) if position else ("", "")
        async with self._db.transaction() as connection:
            own = await template_store.own_rows(connection, municipality, request.key.strip())
        merged: dict[tuple[str, str], pb.Template] = {
            (k, lang): convert.template_message(t)
            for (k, lang), t in default_templates().items()
            if not request.key.strip() or k == request.key.strip()
        }
        for row in own:
            merged[(row.key, row.language)] = convert.template_message(
                template_store.from_row(row), municipality, row
            )
        ordered = [merged[k] for k in sorted(merged) if k > after]
        page = ordered[:size]
        token = (
            pagination.encode_token({"k": page[-1].key, "l": page[-1].language})
            if len(ordered) > size
            else ""
        )
        return pb.ListTemplatesResponse(templates=page, next_page_token=token)

    async def GetTemplate(self, request: pb.GetTemplateRequest, context: Context) -> pb.Template:
        municipality = access.template_reader(current_caller())
        language = language_of(request.language, "language")
        async with self._db.transaction() as connection:
            row = await template_store.own_row(
                connection, municipality, request.key.strip(), language
            )
        if row is not None:
            return convert.template_message(template_store.from_row(row), municipality, row)
        found = default_templates().get((request.key.strip(), language))
        if found is None:
            raise NotFound("No such template in this language")
        return convert.template_message(found)

    async def PutTemplate(self, request: pb.PutTemplateRequest, context: Context) -> pb.Template:
        caller = current_caller()
        municipality = access.template_writer(caller)
        given = request.template
        language = language_of(given.language, "template.language")
        try:
            key = validate_key(given.key, field="template.key")
            template = TemplateText(
                key=key,
                language=language,
                subject=given.subject.strip(),
                body_text=given.body_text.strip(),
                body_html=given.body_html.strip(),
                sms_text=given.sms_text.strip(),
                variables=tuple(given.variables),
            )
            validate_template(template)
        except MessagingDomainError as error:
            raise invalid(error) from None
        now = self._now()
        async with self._db.transaction() as connection:
            found = await template_store.available(connection, municipality, key)
            others = {lang: t for lang, t in found.items() if lang != language}
            declared = template_store.declared_variables(others)
            if others and set(declared) != set(template.variables):
                raise InvalidArgument.field(
                    "template.variables",
                    "every language of a template has the same variables: "
                    + (", ".join(sorted(declared)) or "none"),
                )
            row = await template_store.own_row(connection, municipality, key, language)
            values: dict[str, Any] = {
                "subject": template.subject,
                "body_text": template.body_text,
                "body_html": template.body_html,
                "sms_text": template.sms_text,
                "variables": list(template.variables),
                "updated_by": caller.subject,
                "updated_at": now,
            }
            if row is None:
                if request.expected_version:
                    raise NotFound("The municipality has no own version of this template yet")
                await connection.execute(
                    sa.insert(templates).values(
                        municipality_code=municipality,
                        key=key,
                        language=language,
                        version=1,
                        **values,
                    )
                )
            else:
                if not request.expected_version:
                    raise AlreadyExists(
                        "The municipality already has this template; send expected_version"
                    )
                changed = await connection.execute(
                    sa.update(templates)
                    .where(
                        templates.c.municipality_code == municipality,
                        templates.c.key == key,
                        templates.c.language == language,
                        templates.c.version == request.expected_version,
                    )
                    .values(version=templates.c.version + 1, **values)
                )
                if changed.rowcount != 1:
                    raise StaleVersion(
                        f"The template is at version {row.version}, not {request.expected_version}"
                    )
            stored = await template_store.own_row(connection, municipality, key, language)
        return convert.template_message(template_store.from_row(stored), municipality, stored)

    async def RenderTemplate(
        self, request: pb.RenderTemplateRequest, context: Context
    ) -> pb.RenderedMessage:
        municipality = access.template_reader(current_caller())
        requested = language_of(request.language, "language") if request.language else ""
        async with self._db.transaction() as connection:
            found = await template_store.available(
                connection, municipality, request.template_key.strip()
            )
        if not found:
            raise InvalidArgument.field("template_key", "no such template")
        language = choose_language(requested, (), municipality, found)
        if language is None:
            raise InvalidArgument.field("language", "no template in the language or its fallbacks")
        try:
            rendered = render(found[language], dict(request.variables))
        except MessagingDomainError as error:
            raise invalid(error) from None
        return convert.rendered_message(rendered, requested)
