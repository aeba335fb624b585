"""Charts are real images: a PNG that an image library opens, an SVG that parses as XML, the
same bytes for the same report; and CSV has one line per row."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from kotopolku.reporting import charts, export
from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.table import Measure, Table, Value


def table() -> Table:
    made = Table(
        "assessments", ("period", "kind"), (Measure("started", "count"), Measure("mean", "days"))
    )
    made.add(("2026-01", "BASIC"), 3, 40.5)
    made.add(("2026-01", "MULTI_SECTOR"), 1, None)
    made.add(("2026-02", "BASIC"), 5, Value(None, suppressed=True))
    return made


def test_a_png_chart_is_a_valid_image() -> None:
    content = charts.render(table(), "started", "png", "Arvioinnit")
    image = Image.open(io.BytesIO(content))
    image.verify()
    assert image.format == "PNG"
    assert image.size[0] >= 600


def test_an_svg_chart_is_valid_xml_and_the_same_every_time() -> None:
    content = charts.render(table(), "started", "svg", "Arvioinnit")
    root = ET.fromstring(content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"Arvioinnit" in content or b"Arvioinnit" in content.replace(b"\n", b"")
    assert charts.render(table(), "started", "svg", "Arvioinnit") == content


def test_an_unknown_measure_or_format_names_the_field() -> None:
    with pytest.raises(ReportingDomainError) as raised:
        charts.render(table(), "salary", "png", "x")
    assert raised.value.field == "measure"
    with pytest.raises(ReportingDomainError) as raised:
        charts.render(table(), "started", "gif", "x")
    assert raised.value.field == "format"


def test_csv_has_a_header_and_one_line_per_row_with_withheld_values_named() -> None:
    lines = list(csv.reader(io.StringIO(export.report_csv(table()).decode())))
    assert lines[0] == ["period", "kind", "started", "mean", "suppressed"]
    assert lines[1] == ["2026-01", "BASIC", "3", "40.5", ""]
    assert lines[2] == ["2026-01", "MULTI_SECTOR", "1", "", ""]
    assert lines[3] == ["2026-02", "BASIC", "5", "", "mean"]
