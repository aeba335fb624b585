"""Reading a target-group list (CSV or JSON, docs/outreach-import.md) into the people it names.

Pure: bytes in, validated people out, or :class:`InvalidTargetList` naming every problem. A list
is all or nothing, so every row is checked before anything is returned, and a problem is named by
its place in the file: ``rows[17].first_permit_date`` is the row starting on line 17 of a CSV
file (the header is line 1), or ``rows[17]`` of a JSON document's ``rows`` array (0-based).
Problems about the file as a whole name ``content``, ``media_type`` or ``header``.

Messages never repeat a value from the file: they are personal data (identity codes, names), and
the uploader has the file anyway.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from kotopolku.clients.domain.contact import validate_email, validate_phone
from kotopolku.clients.domain.errors import ClientDomainError
from kotopolku.clients.domain.henkilotunnus import Henkilotunnus, parse_henkilotunnus
from kotopolku.clients.domain.languages import validate_language_code
from kotopolku.clients.domain.outreach import (
    TargetGroup,
    TargetListSource,
    check_source_reports_group,
    person_key,
    window_end,
)

__all__ = [
    "COLUMNS",
    "IDENTIFYING_COLUMNS",
    "MAX_ROWS",
    "MEDIA_TYPES",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "InvalidTargetList",
    "ListProblem",
    "ListedPerson",
    "ParsedTargetList",
    "media_type_of",
    "parse_target_list",
]

MAX_ROWS: Final = 20_000
MAX_NAME_LENGTH: Final = 200
MAX_SOURCE_ID_LENGTH: Final = 40
MAX_LANGUAGES: Final = 10

REQUIRED_COLUMNS: Final = (
    "first_names",
    "last_name",
    "date_of_birth",
    "target_group",
    "first_permit_date",
)
# At least one of these columns, and in every row at least one of them filled in.
IDENTIFYING_COLUMNS: Final = ("henkilotunnus", "source_person_id")
CONTACT_COLUMNS: Final = ("phone", "email", "street_address", "postal_code", "post_office")
OPTIONAL_COLUMNS: Final = ("languages", *CONTACT_COLUMNS, "municipality_code")
COLUMNS: Final = (*IDENTIFYING_COLUMNS, *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)

CSV: Final = "text/csv"
JSON: Final = "application/json"
MEDIA_TYPES: Final = (CSV, JSON)

_FINNISH_DATE: Final = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_SOURCE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_POSTAL_CODE: Final = re.compile(r"\d{5}")
_LANGUAGE_SEPARATORS: Final = re.compile(r"[\s,;|]+")


@dataclass(frozen=True, slots=True)
class ListProblem:
    """One thing wrong with a list: ``field`` is its place (``rows[17].last_name``)."""

    field: str
    message: str


class InvalidTargetList(ClientDomainError):
    """The list cannot be imported; ``problems`` names every problem found, in file order, and
    ``bad_rows`` counts the rows with at least one."""

    def __init__(self, problems: list[ListProblem], bad_rows: int) -> None:
        first = problems[0]
        super().__init__(first.field, first.message)
        self.problems = problems
        self.bad_rows = bad_rows


@dataclass(slots=True)
class ListedPerson:
    """One person of the list, with every group the list names them in."""

    key: str
    henkilotunnus: str | None
    source_person_id: str
    first_names: str
    last_name: str
    date_of_birth: date
    # Earliest first-permit date the list gives the person in each group.
    groups: dict[TargetGroup, date]
    languages: list[str]
    contact: dict[str, str]
    # Where the person is in the file (row labels), for messages about them.
    rows: list[int] = field(default_factory=list)

    @property
    def first_permit_date(self) -> date:
        return min(self.groups.values())


@dataclass(frozen=True, slots=True)
class ParsedTargetList:
    rows: int
    persons: list[ListedPerson]


def media_type_of(declared: str) -> str:
    """``text/csv`` or ``application/json`` from a Content-Type; UTF-8 is the only charset."""
    kind, *parameters = (part.strip() for part in declared.split(";"))
    kind = kind.lower()
    if kind not in MEDIA_TYPES:
        raise ClientDomainError("media_type", "must be text/csv or application/json")
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise ClientDomainError("media_type", "the only character set accepted is UTF-8")
    return kind


def parse_target_list(
    content: bytes,
    media_type: str,
    *,
    source: TargetListSource,
    municipality: str,
    today: date,
) -> ParsedTargetList:
    """Every person of the list, validated; raises :class:`InvalidTargetList` otherwise."""
    problems: list[ListProblem] = []
    try:
        kind = media_type_of(media_type)
        text = _text(content)
        raw_rows = list(_csv_rows(text) if kind == CSV else _json_rows(text))
    except ClientDomainError as error:
        raise InvalidTargetList([ListProblem(error.field, error.message)], 0) from None
    if not raw_rows:
        raise InvalidTargetList([ListProblem("content", "has no rows")], 0)
    reader = _RowReader(source, municipality, today, kind)
    persons: dict[str, ListedPerson] = {}
    bad_rows: set[int] = set()
    for label, values in raw_rows:
        row_problems = reader.read(label, values, persons)
        if row_problems:
            bad_rows.add(label)
            problems.extend(row_problems)
    if problems:
        raise InvalidTargetList(problems, len(bad_rows))
    return ParsedTargetList(rows=len(raw_rows), persons=list(persons.values()))


# --- the file ------------------------------------------------------------------------------------


def _text(content: bytes) -> str:
    if not content.strip():
        raise ClientDomainError("content", "is empty")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ClientDomainError("content", f"is not UTF-8 text (line {line})") from None


RawRow = tuple[int, Mapping[str, Any]]


def _csv_rows(text: str) -> Iterator[RawRow]:
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Finnish write semicolons; everything else writes commas.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ClientDomainError("header", "the first line must name the columns") from None
    columns = _header(header)
    count = 0
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ClientDomainError(f"rows[{line}]", f"is not valid CSV ({error})") from None
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ClientDomainError("content", f"has more than {MAX_ROWS} rows; split the list")
        if len(record) != len(columns):
            yield start, {"": f"has {len(record)} fields, the header names {len(columns)}"}
            continue
        yield start, dict(zip(columns, record, strict=True))


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    if not set(names) & set(COLUMNS):
        raise ClientDomainError(
            "header", "the first line must name the columns (see docs/outreach-import.md)"
        )
    for position, name in enumerate(names, start=1):
        if name not in COLUMNS:
            raise ClientDomainError(
                "header", f"column {position} has an unknown name; known: {', '.join(COLUMNS)}"
            )
        if names.index(name) != position - 1:
            raise ClientDomainError("header", f"the column {name} appears twice")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise ClientDomainError("header", f"the columns {', '.join(missing)} are required")
    if not set(IDENTIFYING_COLUMNS) & set(names):
        raise ClientDomainError(
            "header", "a henkilotunnus or a source_person_id column is required"
        )
    return names


def _json_rows(text: str) -> Iterator[RawRow]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClientDomainError(
            "content",
            f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
        ) from None
    if not isinstance(document, dict):
        raise ClientDomainError("content", 'must be a JSON object with a "rows" array')
    unknown = sorted(set(document) - {"rows", "$schema"})
    if unknown:
        raise ClientDomainError("content", f"has unknown properties: {', '.join(unknown)}")
    rows = document.get("rows")
    if not isinstance(rows, list):
        raise ClientDomainError("rows", "must be an array of rows")
    if len(rows) > MAX_ROWS:
        raise ClientDomainError("content", f"has more than {MAX_ROWS} rows; split the list")
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            yield index, {"": "must be an object"}
            continue
        values: dict[str, Any] = {}
        for name, value in row.items():
            if name not in COLUMNS:
                values[f"!{name}"] = "is not a property of a row"
            elif value is None:
                values[name] = ""
            elif name == "languages":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    values[f"!{name}"] = "must be an array of language codes"
                else:
                    values[name] = value
            elif not isinstance(value, str):
                values[f"!{name}"] = "must be a string"
            else:
                values[name] = value
        yield index, values


# --- one row -------------------------------------------------------------------------------------


class _RowReader:
    """Validates rows one by one and folds them into people."""

    def __init__(
        self, source: TargetListSource, municipality: str, today: date, media_type: str
    ) -> None:
        self._source = source
        self._municipality = municipality
        self._today = today
        self._json = media_type == JSON

    def read(
        self, label: int, values: Mapping[str, Any], persons: dict[str, ListedPerson]
    ) -> list[ListProblem]:
        problems: list[ListProblem] = []

        def problem(name: str, message: str) -> None:
            problems.append(ListProblem(f"rows[{label}]{'.' + name if name else ''}", message))

        if "" in values:
            problem("", str(values[""]))
            return problems
        for name, message in values.items():
            if name.startswith("!"):
                problem(name[1:], str(message))
        if problems:
            return problems

        def check(name: str, validate: Any) -> Any:
            try:
                return validate()
            except ClientDomainError as error:
                problem(name, error.message)
            return None

        text = {name: str(values.get(name, "")).strip() for name in COLUMNS if name != "languages"}
        first_names = check("first_names", lambda: _name(text["first_names"]))
        last_name = check("last_name", lambda: _name(text["last_name"]))
        birth = check(
            "date_of_birth", lambda: _past_date(text["date_of_birth"], self._today, required=True)
        )
        hetu = check(
            "henkilotunnus",
            lambda: (
                parse_henkilotunnus(text["henkilotunnus"], today=self._today).value
                if text["henkilotunnus"]
                else None
            ),
        )
        if hetu is not None and birth is not None and _birth_of(hetu) != birth:
            problem("date_of_birth", "does not match the date in the henkilötunnus")
        source_id = check("source_person_id", lambda: _source_id(text["source_person_id"]))
        if not hetu and not text["henkilotunnus"] and not text["source_person_id"]:
            problem("henkilotunnus", "is required when source_person_id is empty")
        group = check("target_group", lambda: self._group(text["target_group"]))
        permit = check(
            "first_permit_date",
            lambda: _past_date(text["first_permit_date"], self._today, required=True),
        )
        if permit is not None:
            if birth is not None and permit < birth:
                problem("first_permit_date", "is before the date of birth")
            elif window_end(permit) < self._today:
                problem(
                    "first_permit_date",
                    f"the three-year window ended on {window_end(permit).isoformat()}: "
                    "the person is no longer in the target group",
                )
        languages = check("languages", lambda: _languages(values.get("languages", "")))
        contact = {
            name: check(name, lambda name=name: _contact(name, text[name]))
            for name in CONTACT_COLUMNS
        }
        if text["municipality_code"] and text["municipality_code"] != self._municipality:
            problem(
                "municipality_code", f"is not the importing municipality ({self._municipality})"
            )
        if problems:
            return problems
        key = person_key(hetu, self._source, source_id or "")
        listed = persons.get(key)
        if listed is None:
            persons[key] = ListedPerson(
                key=key,
                henkilotunnus=hetu,
                source_person_id=source_id or "",
                first_names=first_names,
                last_name=last_name,
                date_of_birth=birth,
                groups={group: permit},
                languages=list(languages),
                contact={k: v for k, v in contact.items() if v},
                rows=[label],
            )
            return problems
        if (
            _same(listed.first_names) != _same(first_names)
            or _same(listed.last_name) != _same(last_name)
            or listed.date_of_birth != birth
        ):
            where = f"line {listed.rows[0]}" if not self._json else f"rows[{listed.rows[0]}]"
            problem(
                "henkilotunnus" if hetu else "source_person_id",
                f"the same person is on {where} with another name or date of birth",
            )
            return problems
        listed.rows.append(label)
        listed.groups[group] = min(permit, listed.groups.get(group, permit))
        listed.languages.extend(code for code in languages if code not in listed.languages)
        for name, value in contact.items():
            if value and not listed.contact.get(name):
                listed.contact[name] = value
        return problems

    def _group(self, code: str) -> TargetGroup:
        if not code:
            raise ClientDomainError("target_group", "is required")
        try:
            group = TargetGroup(code.lower())
        except ValueError:
            known = ", ".join(g.value for g in TargetGroup)
            raise ClientDomainError("target_group", f"must be one of {known}") from None
        check_source_reports_group(self._source, group)
        return group


def _same(name: str) -> str:
    return " ".join(name.casefold().split())


def _name(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ClientDomainError("", "is required")
    if len(text) > MAX_NAME_LENGTH or not text.isprintable():
        raise ClientDomainError(
            "", f"must be printable text of at most {MAX_NAME_LENGTH} characters"
        )
    return text


def parse_list_date(value: str) -> date:
    """``YYYY-MM-DD``, or the Finnish ``D.M.YYYY`` that Finnish spreadsheets write."""
    finnish = _FINNISH_DATE.fullmatch(value)
    try:
        if finnish:
            day, month, year = (int(part) for part in finnish.groups())
            return date(year, month, day)
        if _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        raise ClientDomainError("", "is not a real calendar date") from None
    raise ClientDomainError("", "must be a date, YYYY-MM-DD or D.M.YYYY")


def _past_date(value: str, today: date, *, required: bool) -> date | None:
    if not value:
        if required:
            raise ClientDomainError("", "is required")
        return None
    parsed = parse_list_date(value)
    if parsed > today:
        raise ClientDomainError("", "must not be in the future")
    if parsed.year < 1880:
        raise ClientDomainError("", "is too far in the past")
    return parsed


def _birth_of(hetu: str) -> date:
    return Henkilotunnus(hetu).birth_date


def _source_id(value: str) -> str:
    if not value:
        return ""
    if len(value) > MAX_SOURCE_ID_LENGTH or not _SOURCE_ID.fullmatch(value):
        raise ClientDomainError(
            "",
            f"must be at most {MAX_SOURCE_ID_LENGTH} letters, digits and . _ / - characters",
        )
    return value


def _languages(value: Any) -> list[str]:
    codes = value if isinstance(value, list) else _LANGUAGE_SEPARATORS.split(str(value))
    checked: list[str] = []
    for code in (str(c).strip() for c in codes):
        if not code:
            continue
        canonical = validate_language_code(code, field="languages")
        if canonical not in checked:
            checked.append(canonical)
    if len(checked) > MAX_LANGUAGES:
        raise ClientDomainError("languages", f"at most {MAX_LANGUAGES} languages")
    return checked


def _contact(name: str, value: str) -> str:
    if not value:
        return ""
    if name == "email":
        return validate_email(value, field=name)
    if name == "phone":
        return validate_phone(value, field=name)
    if name == "postal_code":
        if not _POSTAL_CODE.fullmatch(value):
            raise ClientDomainError(name, "must be five digits")
        return value
    if len(value) > 200 or not value.isprintable():
        raise ClientDomainError(name, "must be printable text of at most 200 characters")
    return value
