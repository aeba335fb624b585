"""The plan document as a PDF (fpdf2), with shaped text in any script the fonts cover.

Text is shaped with HarfBuzz (uharfbuzz), so Arabic and Persian letters join and run right to
left, and the Unicode bidirectional algorithm orders mixed text. The layout is deterministic:
the same :class:`PlanDocument` gives the same bytes (the creation date is the request's, and
nothing else varies), which is what makes the rendering reproducible and its hash meaningful.

The fonts are DejaVu Sans from Debian's ``fonts-dejavu-core`` (Latin, Cyrillic, Arabic).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kotopolku.esign.rendering.document import PlanDocument
from kotopolku.esign.rendering.labels import is_right_to_left, texts

FONT: Final = "DejaVu"
REGULAR_FILE: Final = "DejaVuSans.ttf"
BOLD_FILE: Final = "DejaVuSans-Bold.ttf"
LINE: Final = 5.5
_DOT_DATES: Final = frozenset({"fi", "sv", "ru", "uk"})
_SCRIPT: Final = {"ar": "arab", "fa": "arab"}
_OPENTYPE_LANGUAGE: Final = {"ar": "ARA", "fa": "FAR"}


@dataclass(frozen=True, slots=True)
class Fonts:
    regular: Path
    bold: Path

    @classmethod
    def in_directory(cls, directory: Path) -> Fonts:
        fonts = cls(directory / REGULAR_FILE, directory / BOLD_FILE)
        for path in (fonts.regular, fonts.bold):
            if not path.is_file():
                raise FileNotFoundError(
                    f"{path} is missing: install Debian's fonts-dejavu-core "
                    "or set KOTOPOLKU_PDF_FONT_DIR"
                )
        return fonts


def format_date(value: date | None, language: str) -> str:
    if value is None:
        return "–"
    if language in _DOT_DATES:
        return f"{value.day}.{value.month}.{value.year}"
    if is_right_to_left(language):
        # Isolated left to right: in Arabic script text the bidirectional algorithm would
        # otherwise turn 2026-03-02 into 02-03-2026.
        return f"\u2066{value.isoformat()}\u2069"
    return value.isoformat()


def starts_right_to_left(text: str) -> bool:
    """Whether the first letter with a direction is right-to-left (free text of any language)."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


class _PlanPdf(FPDF):
    def __init__(self, document: PlanDocument, fonts: Fonts) -> None:
        super().__init__(format="A4", unit="mm")
        self.document = document
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(FONT, "", str(fonts.regular))
        self.add_font(FONT, "B", str(fonts.bold))
        self.set_creation_date(document.created_at)
        self.set_lang(document.official_language)
        titles = [texts(lang)["title"] for lang in document.languages]
        self.set_title(" / ".join(titles))
        self.set_author(document.municipality_name(document.official_language))
        self.set_creator("Kotopolku")
        self.alias_nb_pages()

    # --- text ------------------------------------------------------------------------------

    def _shaping(self, language: str | None, rtl: bool) -> None:
        script = _SCRIPT.get(language or "") if rtl else None
        self.set_text_shaping(
            use_shaping_engine=True,
            direction="rtl" if rtl else "ltr",
            script=script,
            language=_OPENTYPE_LANGUAGE.get(language or "") if rtl else None,
        )

    def paragraph(
        self,
        text: str,
        language: str,
        *,
        size: float = 10,
        bold: bool = False,
        free_text: bool = False,
        gap: float = 0.0,
    ) -> None:
        """One paragraph: right-aligned and right-to-left in Arabic script languages. Free text
        (what an officer wrote) takes its direction from its own first letter."""
        rtl = starts_right_to_left(text) if free_text else is_right_to_left(language)
        self._shaping(language, rtl)
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(
            0,
            LINE * size / 10,
            text,
            align="R" if rtl else "L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        if gap:
            self.ln(gap)

    # --- page furniture --------------------------------------------------------------------

    def header(self) -> None:
        document = self.document
        self.set_text_color(90, 90, 90)
        official = document.official_language
        self.paragraph(
            f"{document.municipality_name(official)} · {texts(official)['title']}",
            official,
            size=8,
        )
        self.set_draw_color(160, 160, 160)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_text_color(90, 90, 90)
        official = self.document.official_language
        # The page count last: its placeholder is wider than the number that replaces it.
        self.paragraph(
            f"{texts(official)['document']} {self.document.signing_request_id} · "
            f"{texts(official)['page']} {self.page_no()}/{{nb}}",
            official,
            size=7,
        )
        self.set_text_color(0, 0, 0)


def _part(pdf: _PlanPdf, document: PlanDocument, language: str) -> None:
    t = texts(language)
    pdf.add_page()
    pdf.paragraph(t["language_name"], language, size=8)
    pdf.paragraph(t["title"], language, size=16, bold=True)
    pdf.paragraph(t[f"kind.{document.kind}"], language, size=11, gap=3)

    def field(label: str, value: str) -> None:
        pdf.paragraph(f"{t[label]}: {value}", language)

    field("client", document.client_name)
    if document.date_of_birth is not None:
        field("date_of_birth", format_date(document.date_of_birth, language))
    field("municipality", document.municipality_name(language))
    field(
        "period",
        f"{format_date(document.start_date, language)} – "
        f"{format_date(document.end_date, language)}",
    )
    field("responsible", t[f"authority.{document.responsible_authority}"])
    if document.welfare_area:
        field("welfare_area", document.welfare_area)
    pdf.ln(3)

    pdf.paragraph(t["goals"], language, size=12, bold=True, gap=1)
    for number, goal in enumerate(document.goals, start=1):
        heading = f"{number}. {t[f'category.{goal.category}']}"
        if goal.target_date is not None:
            heading += f" ({t['target_date']}: {format_date(goal.target_date, language)})"
        pdf.paragraph(heading, language, bold=True)
        pdf.paragraph(goal.text, language, free_text=True, gap=1.5)
    pdf.ln(2)

    pdf.paragraph(t["services"], language, size=12, bold=True, gap=1)
    for number, service in enumerate(document.services, start=1):
        pdf.paragraph(f"{number}. {service.name}", language, bold=True, free_text=True)
        schedule = (
            f"{format_date(service.planned_start, language)} – "
            f"{format_date(service.planned_end, language)}"
        )
        if service.welfare_area_service:
            schedule += f" · {t['welfare_service']}"
        pdf.paragraph(schedule, language, gap=1.5)
    pdf.ln(2)

    pdf.paragraph(t["obligations"], language, size=12, bold=True, gap=1)
    pdf.paragraph(
        t["obligatory"] if document.participation_obligatory else t["voluntary"],
        language,
        gap=3,
    )

    pdf.paragraph(t["signatures"], language, size=12, bold=True, gap=1)
    pdf.paragraph(t["signatures_note"], language, gap=1.5)
    for signer in sorted(document.signers, key=lambda s: s.position):
        label = f"{signer.position}. {t[f'party.{signer.party.value}']}"
        if signer.welfare_area:
            label += f" ({signer.welfare_area})"
        pdf.paragraph(label, language)
    pdf.paragraph(t[f"order.{document.order.value}"], language)
    pdf.paragraph(f"{t['deadline']}: {format_date(document.deadline, language)}", language)
    pdf.paragraph(
        f"{t['document']}: {document.signing_request_id} · "
        f"{t['plan_version']}: {document.plan_version}",
        language,
        size=8,
    )


def render_plan(document: PlanDocument, fonts: Fonts) -> bytes:
    """The PDF of ``document``: one part in the official language, one in the client's."""
    pdf = _PlanPdf(document, fonts)
    for language in document.languages:
        _part(pdf, document, language)
    return bytes(pdf.output())
