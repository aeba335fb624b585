"""Message templates (viestipohjat): validation and rendering with Jinja2 in a sandbox.

A template declares the variables it uses; a message must give exactly those, as strings, so a
typo in a caller's variable name is refused instead of rendering an empty gap. Rendering uses
Jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment` (templates are written by municipality
staff, so they must not reach Python internals) with ``StrictUndefined`` (an undeclared name
fails loudly). The HTML part escapes every value; a right-to-left language gets ``dir="rtl"``
and ``lang`` on the document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from kotopolku.messaging.domain.errors import TemplateError, VariableError
from kotopolku.messaging.domain.languages import TextDirection, direction

TEMPLATE_KEY = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")
MAX_KEY_LENGTH = 60
MAX_VARIABLE_NAME_LENGTH = 40
MAX_VARIABLES = 30
MAX_VALUE_LENGTH = 500
MAX_SUBJECT_LENGTH = 300
MAX_BODY_LENGTH = 20_000
MAX_SMS_LENGTH = 1_000
# Tab and newline are fine in values; other control characters (and a lone CR, which could split
# an e-mail header) are refused.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WHITESPACE_RUN = re.compile(r"\s+")

_TEXT_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
_HTML_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)


@dataclass(frozen=True, slots=True)
class TemplateText:
    """One template in one language."""

    key: str
    language: str
    subject: str
    body_text: str
    body_html: str = ""
    sms_text: str = ""
    variables: tuple[str, ...] = ()

    @property
    def direction(self) -> TextDirection:
        return direction(self.language)


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    key: str
    language: str
    direction: TextDirection
    subject: str
    body_text: str
    # A complete HTML document with lang and dir.
    body_html: str
    sms_text: str


def validate_key(key: str, *, field: str = "template_key") -> str:
    value = key.strip()
    if not value:
        raise TemplateError(field, "is required")
    if len(value) > MAX_KEY_LENGTH or not TEMPLATE_KEY.fullmatch(value):
        raise TemplateError(
            field, "must be lower-case words of letters and digits joined by '-', e.g. 'reminder'"
        )
    return value


def validate_variable_names(names: Sequence[str], *, field: str = "template.variables") -> None:
    if len(names) > MAX_VARIABLES:
        raise TemplateError(field, f"at most {MAX_VARIABLES} variables")
    for index, name in enumerate(names):
        if len(name) > MAX_VARIABLE_NAME_LENGTH or not VARIABLE_NAME.fullmatch(name):
            raise TemplateError(
                f"{field}[{index}]",
                "must start with a lower-case letter and hold only a-z, 0-9 and '_'",
            )
    if len(set(names)) != len(names):
        raise TemplateError(field, "names a variable twice")


def validate_template(template: TemplateText, *, field: str = "template") -> None:
    """Each part parses, is within its length, and uses only the declared variables."""
    validate_variable_names(template.variables, field=f"{field}.variables")
    declared = set(template.variables)
    parts = {
        "subject": (template.subject, MAX_SUBJECT_LENGTH, True, _TEXT_ENV),
        "body_text": (template.body_text, MAX_BODY_LENGTH, True, _TEXT_ENV),
        "body_html": (template.body_html, MAX_BODY_LENGTH, False, _HTML_ENV),
        "sms_text": (template.sms_text, MAX_SMS_LENGTH, False, _TEXT_ENV),
    }
    for name, (source, limit, required, environment) in parts.items():
        path = f"{field}.{name}"
        if not source.strip():
            if required:
                raise TemplateError(path, "is required")
            continue
        if len(source) > limit:
            raise TemplateError(path, f"at most {limit} characters")
        try:
            used = meta.find_undeclared_variables(environment.parse(source))
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(path, f"template syntax error on line {error.lineno}") from None
        unknown = sorted(used - declared)
        if unknown:
            raise TemplateError(
                path, "uses variables the template does not declare: " + ", ".join(unknown)
            )


def validate_variables(
    declared: Sequence[str], given: Mapping[str, str], *, field: str = "variables"
) -> dict[str, str]:
    """Exactly the declared variables, each a short string without control characters."""
    wanted = set(declared)
    for name in sorted(given):
        if name not in wanted:
            expected = ", ".join(sorted(wanted)) or "none"
            raise VariableError(
                f"{field}.{name}", f"is not a variable of this template (expected: {expected})"
            )
    for name in sorted(wanted):
        if name not in given:
            raise VariableError(f"{field}.{name}", "is required by the template")
    values: dict[str, str] = {}
    for name in sorted(given):
        value = given[name]
        if len(value) > MAX_VALUE_LENGTH:
            raise VariableError(f"{field}.{name}", f"at most {MAX_VALUE_LENGTH} characters")
        if _CONTROL.search(value):
            raise VariableError(f"{field}.{name}", "must not contain control characters")
        values[name] = value
    return values


@lru_cache(maxsize=512)
def _compiled(source: str, html: bool) -> jinja2.Template:
    return (_HTML_ENV if html else _TEXT_ENV).from_string(source)


def _render(source: str, variables: Mapping[str, str], *, html: bool = False) -> str:
    try:
        return _compiled(source, html).render(**variables)
    except jinja2.UndefinedError as error:
        # Validation normally stops this earlier; a template changed in between still fails
        # clearly instead of sending a gap.
        raise VariableError("variables", f"the template needs a variable: {error}") from None
    except jinja2.TemplateError as error:
        raise TemplateError("template", f"the template cannot be rendered: {error}") from None


def text_to_html(text: str) -> Markup:
    """Paragraphs from blank-line separated blocks, line breaks kept, everything escaped."""
    paragraphs = [block for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(escape(line) for line in block.split("\n"))
        )
        for block in paragraphs
    )


def html_document(content: str, *, language: str, subject: str) -> str:
    text_direction = direction(language).value
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(language)}" dir="{text_direction}">\n'
        '<head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>\n"
        f'<body dir="{text_direction}">\n{content}\n</body>\n</html>\n'
    )


def render(
    template: TemplateText, variables: Mapping[str, str], *, field: str = "variables"
) -> RenderedMessage:
    """Renders every part; the variables must be exactly the declared ones."""
    values = validate_variables(template.variables, variables, field=field)
    # A subject is one header line: newlines in a value must not break it.
    subject = _WHITESPACE_RUN.sub(" ", _render(template.subject, values)).strip()
    body_text = _render(template.body_text, values).strip() + "\n"
    if template.body_html.strip():
        content = _render(template.body_html, values, html=True)
    else:
        content = str(text_to_html(body_text))
    sms = _render(template.sms_text, values).strip() if template.sms_text.strip() else ""
    return RenderedMessage(
        key=template.key,
        language=template.language,
        direction=template.direction,
        subject=subject,
        body_text=body_text,
        body_html=html_document(content, language=template.language, subject=subject),
        sms_text=sms or body_text.strip(),
    )
