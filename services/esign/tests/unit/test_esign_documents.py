"""The plan document: languages, deterministic rendering, shaped Arabic text, PAdES signatures
with a dev certificate chain and their verification."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from kotopolku.esign.certificates import SigningCertificates, generate_dev_certificates
from kotopolku.esign.domain.model import Signer, SignerParty, SigningOrder
from kotopolku.esign.pades import sha256, sign_pdf, verify_pdf
from kotopolku.esign.rendering import labels
from kotopolku.esign.rendering.document import AgreedService, Goal, PlanDocument
from kotopolku.esign.rendering.pdf import Fonts, format_date, render_plan, starts_right_to_left

FONTS = Fonts.in_directory(Path("/usr/share/fonts/truetype/dejavu"))


def _document(language: str = "ar", official: str = "fi") -> PlanDocument:
    return PlanDocument(
        signing_request_id="5b8c1f7e-0000-4000-8000-000000000001",
        created_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        municipality_code="091",
        plan_id="plan-1",
        plan_version=3,
        kind="INDIVIDUAL",
        responsible_authority="MUNICIPALITY",
        start_date=date(2026, 3, 2),
        end_date=date(2027, 2, 28),
        client_name="Amina Hassan",
        date_of_birth=date(1994, 3, 12),
        welfare_area="",
        goals=(Goal("EMPLOYMENT_OR_ENTREPRENEURSHIP", "Työ logistiikka-alalla", None),),
        services=(AgreedService("Kotoutumiskoulutus", date(2026, 3, 2), None, False),),
        participation_obligatory=True,
        signers=(Signer(1, SignerParty.OFFICER), Signer(2, SignerParty.CLIENT)),
        order=SigningOrder.SEQUENTIAL,
        deadline=date(2026, 3, 16),
        official_language=official,
        client_language=language,
    )


def _glyph_names(content: bytes) -> set[str]:
    """The glyphs of every font embedded in the PDF."""
    reader = PdfFileReader(io.BytesIO(content))
    names: set[str] = set()
    for page in reader.root["/Pages"]["/Kids"]:
        for font in page.get_object()["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            stream = descendant["/FontDescriptor"]["/FontFile2"].get_object()
            names.update(TTFont(io.BytesIO(stream.data)).getGlyphOrder())
    return names


def test_every_language_has_every_text() -> None:
    keys = set(labels.TEXTS["fi"])
    for language, texts in labels.TEXTS.items():
        assert set(texts) == keys, language
        assert all(texts.values()), language
    assert set(labels.OFFICIAL_LANGUAGES) <= labels.SUPPORTED_LANGUAGES


def test_the_client_language_is_the_first_one_the_document_exists_in() -> None:
    assert labels.document_language("", ["ti", "ar", "fi"]) == "ar"
    assert labels.document_language("", ["ti"]) == "en"
    assert labels.document_language("uk", ["ar"]) == "uk"
    assert _document("fi").languages == ("fi",)
    assert _document("ru", "sv").languages == ("sv", "ru")


def test_dates_read_as_in_the_language() -> None:
    assert format_date(date(2026, 3, 2), "fi") == "2.3.2026"
    assert format_date(date(2026, 3, 2), "en") == "2026-03-02"
    # Isolated left to right inside Arabic script text.
    assert format_date(date(2026, 3, 2), "ar") == "\u20662026-03-02\u2069"
    assert format_date(None, "fi") == "–"
    assert starts_right_to_left("  12. أريد")
    assert not starts_right_to_left("Työ: أريد")


def test_rendering_is_deterministic_and_two_language() -> None:
    first = render_plan(_document(), FONTS)
    assert first == render_plan(_document(), FONTS)
    assert first.startswith(b"%PDF-")
    reader = PdfFileReader(io.BytesIO(first))
    assert len(reader.root["/Pages"]["/Kids"]) == 2
    assert render_plan(_document("fi"), FONTS) != first


def test_arabic_is_shaped_into_joined_letter_forms() -> None:
    # Joined Arabic letters are the font's contextual forms (Arabic Presentation Forms-B
    # glyphs); an unshaped rendering would use the isolated letters only.
    arabic = _glyph_names(render_plan(_document("ar"), FONTS))
    assert len({n for n in arabic if n.startswith("uniFE")}) > 10
    finnish = _glyph_names(render_plan(_document("fi"), FONTS))
    assert not {n for n in finnish if n.startswith("uniFE")}
    cyrillic = _glyph_names(render_plan(_document("uk"), FONTS))
    assert "uni0456" in cyrillic  # і


def test_missing_fonts_are_named() -> None:
    with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
        Fonts.in_directory(Path("/nonexistent"))


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> SigningCertificates:
    directory = tmp_path_factory.mktemp("signing")
    assert generate_dev_certificates(directory, ["091"]) == ["091"]
    assert generate_dev_certificates(directory, ["091", "837"]) == ["837"]
    assert (directory / "091-key.pem").stat().st_mode & 0o777 == 0o600
    return SigningCertificates(directory)


def test_signatures_verify_and_tampering_does_not(certificates: SigningCertificates) -> None:
    content = render_plan(_document(), FONTS)
    signed = sign_pdf(
        content,
        certificates.signer("091"),
        field_name="Signature1",
        reason="Kotopolku approval; party=OFFICER; subject=o; signed_at=2026-03-02T10:00:00Z",
        location="091",
        name="Virkailija",
    )
    assert signed.startswith(content)  # an incremental update
    check = verify_pdf(signed, certificates.trust_roots())
    assert check.intact
    assert check.sha256 == sha256(signed)
    (signature,) = check.signatures
    assert signature.approval is not None
    assert signature.approval.party is SignerParty.OFFICER
    assert "Helsinki (091)" in signature.certificate_subject

    flipped = bytearray(signed)
    flipped[100] ^= 0x20
    assert not verify_pdf(bytes(flipped), certificates.trust_roots()).intact
    assert "trusted" in verify_pdf(signed, []).problem
    # Tampere's certificate is as trusted, but it is not what signed this document.
    assert certificates.signer("837") is not certificates.signer("091")


def test_a_municipality_without_a_certificate_cannot_sign(
    certificates: SigningCertificates,
) -> None:
    from kotopolku.esign.certificates import MissingCertificate

    assert not certificates.has_signer("092")
    with pytest.raises(MissingCertificate):
        certificates.signer("092")
    with pytest.raises(MissingCertificate):
        certificates.signer("../091")
