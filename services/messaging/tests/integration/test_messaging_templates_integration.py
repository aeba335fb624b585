"""Templates: defaults, a municipality's own versions, rendering with fallback."""

from __future__ import annotations

import grpc
from messaging_testkit import AUDITOR, MANAGER, OFFICER, OFFICER_837, Messaging, rpc_error

from kotopolku.messaging.v1 import messaging_pb2 as pb

VARIABLES = ["date", "time", "location", "organiser"]


async def test_defaults_ship_in_every_required_language(svc: Messaging) -> None:
    listed = await svc.stub.ListTemplates(
        pb.ListTemplatesRequest(key="plan-signature-request"), metadata=svc.md(OFFICER)
    )
    assert {t.language for t in listed.templates} >= {
        "fi",
        "sv",
        "en",
        "ar",
        "uk",
        "ru",
        "so",
        "fa",
    }
    farsi = next(t for t in listed.templates if t.language == "fa")
    assert farsi.direction == pb.TEXT_DIRECTION_RTL
    page = await svc.stub.ListTemplates(
        pb.ListTemplatesRequest(page_size=5), metadata=svc.md(OFFICER)
    )
    rest = await svc.stub.ListTemplates(
        pb.ListTemplatesRequest(page_size=50, page_token=page.next_page_token),
        metadata=svc.md(OFFICER),
    )
    assert len(page.templates) == 5
    # Three defaults (appointment-reminder, plan-signature-request, feedback-invitation) in the
    # eight required languages.
    assert len(page.templates) + len(rest.templates) == 3 * 8


async def test_a_municipalitys_own_template_wins_for_its_messages(svc: Messaging) -> None:
    own = pb.Template(
        key="appointment-reminder",
        language="fi",
        subject="Tapaaminen {{ date }}",
        body_text="Tervetuloa {{ date }} klo {{ time }}: {{ location }}. {{ organiser }}",
        body_html="<p>Tervetuloa <b>{{ date }}</b> – {{ location }}</p>",
        variables=VARIABLES,
    )
    stored = await svc.stub.PutTemplate(
        pb.PutTemplateRequest(template=own), metadata=svc.md(MANAGER)
    )
    assert (stored.version, stored.municipality_code) == (1, "091")
    await rpc_error(
        svc.stub.PutTemplate(pb.PutTemplateRequest(template=own), metadata=svc.md(MANAGER)),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    await rpc_error(
        svc.stub.PutTemplate(
            pb.PutTemplateRequest(template=own, expected_version=7), metadata=svc.md(MANAGER)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    rendered = await svc.stub.RenderTemplate(
        pb.RenderTemplateRequest(
            template_key="appointment-reminder",
            language="fi",
            variables={
                "date": "1.4.",
                "time": "9",
                "location": "<script>x</script>",
                "organiser": "H",
            },
        ),
        metadata=svc.md(OFFICER),
    )
    assert rendered.subject == "Tapaaminen 1.4."
    assert "&lt;script&gt;" in rendered.body_html
    assert "<script>" not in rendered.body_html
    assert '<html lang="fi" dir="ltr">' in rendered.body_html
    # Tampere still gets the default.
    tampere = await svc.stub.GetTemplate(
        pb.GetTemplateRequest(key="appointment-reminder", language="fi"),
        metadata=svc.md(OFFICER_837),
    )
    assert tampere.subject.startswith("Muistutus")


async def test_a_template_must_use_only_its_variables(svc: Messaging) -> None:
    wrong = await rpc_error(
        svc.stub.PutTemplate(
            pb.PutTemplateRequest(
                template=pb.Template(
                    key="appointment-reminder",
                    language="sv",
                    subject="{{ datum }}",
                    body_text="x",
                    variables=VARIABLES,
                )
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert wrong.violations[0].field == "template.subject"
    other_set = await rpc_error(
        svc.stub.PutTemplate(
            pb.PutTemplateRequest(
                template=pb.Template(
                    key="appointment-reminder", language="sv", subject="x", body_text="y"
                )
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert other_set.violations[0].field == "template.variables"
    syntax = await rpc_error(
        svc.stub.PutTemplate(
            pb.PutTemplateRequest(
                template=pb.Template(key="news", language="en", subject="{{ x ", body_text="y")
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert syntax.violations[0].field == "template.subject"
    await rpc_error(
        svc.stub.ListTemplates(pb.ListTemplatesRequest(), metadata=svc.md(AUDITOR)),
        grpc.StatusCode.PERMISSION_DENIED,
    )


async def test_rendering_falls_back_and_says_so(svc: Messaging) -> None:
    rendered = await svc.stub.RenderTemplate(
        pb.RenderTemplateRequest(
            template_key="plan-signature-request",
            language="ti",
            variables={"sign_url": "https://x.example/s/1", "deadline": "1.4.", "organiser": "H"},
        ),
        metadata=svc.md(OFFICER_837),
    )
    assert (rendered.language, rendered.fell_back) == ("fi", True)
