"""The templates that ship with the messaging service, one TOML file per template key with a
table per language. Loaded and validated once at start; a broken file stops the service."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from kotopolku.messaging.domain.languages import DEFAULT_TEMPLATE_LANGUAGES
from kotopolku.messaging.domain.templates import TemplateText, validate_key, validate_template

_PARTS = ("subject", "body_text", "body_html", "sms_text")


@cache
def default_templates() -> dict[tuple[str, str], TemplateText]:
    """(key, language) → template."""
    found: dict[tuple[str, str], TemplateText] = {}
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        key = validate_key(entry.name.removesuffix(".toml"))
        document = tomllib.loads(entry.read_text(encoding="utf-8"))
        variables = tuple(document.get("variables", ()))
        missing = [lang for lang in DEFAULT_TEMPLATE_LANGUAGES if lang not in document]
        if missing:
            raise ValueError(f"default template {key} lacks languages {missing}")
        for language, parts in document.items():
            if language == "variables":
                continue
            template = TemplateText(
                key=key,
                language=language,
                variables=variables,
                **{part: str(parts.get(part, "")).strip() for part in _PARTS},
            )
            validate_template(template, field=f"{key}.{language}")
            found[(key, language)] = template
    return found
