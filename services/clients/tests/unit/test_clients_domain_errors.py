"""Unit tests for the domain error hierarchy and the package's public surface."""

from __future__ import annotations

import importlib
import pathlib

import pytest

import kotopolku.clients.domain as domain
from kotopolku.clients.domain import errors


@pytest.mark.parametrize(
    "error_type",
    [
        errors.InvalidLanguageCode,
        errors.InvalidMunicipalityCode,
        errors.InvalidEmail,
        errors.InvalidPhone,
        errors.InvalidConsent,
        errors.InvalidTransition,
    ],
)
def test_error_types(error_type: type[errors.ClientDomainError]) -> None:
    error = error_type("languages[1]", "something is wrong")
    assert isinstance(error, errors.ClientDomainError)
    assert isinstance(error, ValueError)
    assert error.field == "languages[1]"
    assert error.message == "something is wrong"
    assert str(error) == "something is wrong"
    assert repr(error) == (
        f"{error_type.__name__}(field='languages[1]', message='something is wrong')"
    )


def test_henkilotunnus_error() -> None:
    error = errors.InvalidHenkilotunnus("bad", kind="checksum")
    assert error.field == "henkilotunnus"
    assert error.reason == "bad"
    assert error.kind == "checksum"
    assert str(error) == "invalid henkilötunnus: bad"
    assert error.kind in errors.InvalidHenkilotunnus.KINDS


def test_package_exports_resolve() -> None:
    for name in domain.__all__:
        assert getattr(domain, name) is not None


def test_domain_has_no_framework_or_io_imports() -> None:
    forbidden = (
        "sqlalchemy",
        "fastapi",
        "grpc",
        "pydantic",
        "httpx",
        "kotopolku.common",
        "open(",
        "os.environ",
        "logging",
    )
    package_dir = pathlib.Path(domain.__file__).parent
    for source in package_dir.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for word in forbidden:
            assert word not in text, (source.name, word)


@pytest.mark.parametrize(
    "module", ["errors", "henkilotunnus", "names", "languages", "contact", "model"]
)
def test_modules_import(module: str) -> None:
    assert importlib.import_module(f"kotopolku.clients.domain.{module}")
