"""Template validation and sandboxed rendering: variables, escaping, RTL."""

from __future__ import annotations

import pytest

from kotopolku.messaging.default_templates import default_templates
from kotopolku.messaging.domain.errors import TemplateError, VariableError
from kotopolku.messaging.domain.languages import DEFAULT_TEMPLATE_LANGUAGES
from kotopolku.messaging.domain.templates import (
    TemplateText,
    render,
    text_to_html,
    validate_key,
    validate_template,
    validate_variables,
)

REMINDER = TemplateText(
    key="reminder",
    language="fi",
    subject="Tapaaminen {{ date }}",
    body_text="Hei,\n\ntapaaminen {{ date }} paikassa {{ place }}.",
    variables=("date", "place"),
)


def test_every_default_template_exists_in_every_required_language() -> None:
    found = default_templates()
    for key in ("appointment-reminder", "plan-signature-request", "feedback-invitation"):
        assert {lang for k, lang in found if k == key} >= set(DEFAULT_TEMPLATE_LANGUAGES)


@pytest.mark.parametrize(("key", "language"), sorted(default_templates()))
def test_every_default_template_renders(key: str, language: str) -> None:
    template = default_templates()[(key, language)]
    rendered = render(template, {name: f"<{name}>" for name in template.variables})
    assert rendered.subject
    assert rendered.sms_text
    assert f'lang="{language}"' in rendered.body_html
    for name in template.variables:
        assert f"&lt;{name}&gt;" in rendered.body_html


def test_values_are_escaped_in_html_but_not_in_text() -> None:
    rendered = render(REMINDER, {"date": "1.4.", "place": '<a href="x">Kamppi</a> & co'})
    assert "&lt;a href=&#34;x&#34;&gt;Kamppi&lt;/a&gt; &amp; co" in rendered.body_html
    assert '<a href="x">Kamppi</a> & co' in rendered.body_text
    assert rendered.body_html.count("<p>") == 2


def test_an_own_html_part_is_autoescaped() -> None:
    template = TemplateText(
        key="k",
        language="en",
        subject="s",
        body_text="t {{ v }}",
        body_html="<p><b>{{ v }}</b></p>",
        variables=("v",),
    )
    assert "<b>&lt;i&gt;</b>" in render(template, {"v": "<i>"}).body_html


def test_rtl_languages_get_dir_rtl_and_lang() -> None:
    arabic = TemplateText(
        key="k", language="ar", subject="موعد {{ v }}", body_text="نص {{ v }}", variables=("v",)
    )
    rendered = render(arabic, {"v": "1"})
    assert rendered.direction.value == "rtl"
    assert '<html lang="ar" dir="rtl">' in rendered.body_html
    assert '<body dir="rtl">' in rendered.body_html


def test_unknown_and_missing_variables_are_refused_by_name() -> None:
    with pytest.raises(VariableError) as unknown:
        render(REMINDER, {"date": "1", "place": "x", "plcae": "y"})
    assert unknown.value.field == "variables.plcae"
    with pytest.raises(VariableError) as missing:
        render(REMINDER, {"date": "1"})
    assert missing.value.field == "variables.place"


def test_values_with_control_characters_or_too_long_are_refused() -> None:
    with pytest.raises(VariableError) as bad:
        validate_variables(("a",), {"a": "x\ry"})
    assert bad.value.field == "variables.a"
    with pytest.raises(VariableError):
        validate_variables(("a",), {"a": "x" * 501})
    assert validate_variables(("a",), {"a": "line\nline\ttab"}) == {"a": "line\nline\ttab"}


def test_a_newline_in_a_value_cannot_break_the_subject() -> None:
    rendered = render(REMINDER, {"date": "1.4.\nBcc: x@example.fi", "place": "p"})
    assert "\n" not in rendered.subject


def test_templates_use_only_declared_variables_and_must_parse() -> None:
    validate_template(REMINDER)
    with pytest.raises(TemplateError) as undeclared:
        validate_template(TemplateText(key="k", language="fi", subject="{{ x }}", body_text="y"))
    assert undeclared.value.field == "template.subject"
    with pytest.raises(TemplateError) as syntax:
        validate_template(TemplateText(key="k", language="fi", subject="s", body_text="{% if %}"))
    assert syntax.value.field == "template.body_text"
    with pytest.raises(TemplateError) as empty:
        validate_template(TemplateText(key="k", language="fi", subject="", body_text="b"))
    assert empty.value.field == "template.subject"
    with pytest.raises(TemplateError):
        validate_template(
            TemplateText(key="k", language="fi", subject="s", body_text="b", variables=("Bad",))
        )


def test_the_sandbox_keeps_templates_away_from_python_internals() -> None:
    template = TemplateText(
        key="k",
        language="en",
        subject="s",
        body_text="{{ v.__class__.__mro__[1].__subclasses__() }}",
        variables=("v",),
    )
    with pytest.raises(TemplateError):
        render(template, {"v": "x"})


@pytest.mark.parametrize("key", ["reminder", "plan-signature-request", "a1"])
def test_valid_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", ["", "Reminder", "-x", "x-", "a b", "x" * 61])
def test_invalid_keys(key: str) -> None:
    with pytest.raises(TemplateError):
        validate_key(key)


def test_plain_text_becomes_paragraphs_and_line_breaks() -> None:
    assert str(text_to_html("a\nb\n\nc")) == "<p>a<br>\nb</p>\n<p>c</p>"
