"""Check worklist rows and turn each valid one into a leaflet request and a file name.

Every row is checked against the same rules as a single `handout generate` (Engine.
request_problems), and every problem is reported as (row, column, what is wrong, what is
allowed) before anything is printed. File names come from the row number and the clinic's id,
never from personal fields. Reading the file is handout.worklist's job; this module only judges
what was read.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from handout.api import MAX_NAME_LENGTH, Engine
from handout.errors import BatchInputError, HandoutError
from handout.settings import (
    DENSITIES,
    LEVELS,
    PAGE_SIZES,
    SIDES,
    LeafletRequest,
    Patient,
)
from handout.worklist import COLUMNS, REQUIRED, Problem, Record, Worklist, suggest

#: Fields a --name-pattern may use: none of them is personal data.
PATTERN_FIELDS: tuple[str, ...] = ("row", "id", "finding", "lang", "level", "page_size")
#: Fields refused in --name-pattern: file names end up in print queues and shared folders.
PERSONAL_FIELDS: tuple[str, ...] = (
    "name",
    "exam_date",
    "follow_up_date",
    "side",
    "density",
    "next_step",
    "birads",
)
DEFAULT_PATTERN = "{row:05d}-{id}.pdf"
_DATE_COLUMNS = ("exam_date", "follow_up_date")
#: How a worklist may say yes or no (spreadsheets write TRUE/FALSE, people write yes/no).
_YES = frozenset({"yes", "y", "true", "1", "on"})
_NO = frozenset({"no", "n", "false", "0", "off"})
_MAX_FILE_NAME = 240  # bytes; most file systems allow 255


@dataclass(frozen=True)
class Row:
    """A valid worklist row: the request to render and its file name in the output folder."""

    row: int
    id: str
    request: LeafletRequest
    file: str
    lang: str  # the content language the request resolves to (es-MX -> es)


def check_name_pattern(pattern: str) -> None:
    """Refuse patterns that could leak personal data into file names or escape the folder."""
    if not pattern.lower().endswith(".pdf"):
        msg = f"--name-pattern {pattern!r} must end with .pdf"
        raise BatchInputError(msg)
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as err:
        msg = f"--name-pattern {pattern!r}: {err}; write fields as {{id}}, braces as {{{{ }}}}"
        raise BatchInputError(msg) from err
    for literal, name, _spec, conversion in parts:
        if any(sep in literal for sep in ("/", "\\", "\x00")) or ".." in literal:
            msg = f"--name-pattern {pattern!r}: no folders, '/', '\\' or '..'; it names a file"
            raise BatchInputError(msg)
        if name is None:
            continue
        if name in PERSONAL_FIELDS:
            msg = (
                f"--name-pattern may not use {{{name}}}: file names end up in print queues and "
                f"shared folders; use {{id}} or {{row}} (allowed: {', '.join(PATTERN_FIELDS)})"
            )
            raise BatchInputError(msg)
        if name not in PATTERN_FIELDS or conversion is not None:
            shown = name + (f"!{conversion}" if conversion else "")
            msg = (
                f"--name-pattern {pattern!r}: unknown field {{{shown}}}"
                f"{suggest(name, PATTERN_FIELDS)} (allowed: {', '.join(PATTERN_FIELDS)})"
            )
            raise BatchInputError(msg)
    if not any(name in ("row", "id") for _, name, _, _ in parts):
        msg = (
            f"--name-pattern {pattern!r} must contain {{row}} or {{id}}, or every file is the same"
        )
        raise BatchInputError(msg)


def file_part(value: str) -> str | None:
    """A value made safe for a file name, or None if it must be refused.

    Separators, spaces and other punctuation become '_'; '..' and a leading '.' are refused rather
    than repaired, because an id like '../x' is a mistake (or an attack) the clinic should see.
    """
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in value)
    if not safe or ".." in safe or safe.startswith("."):
        return None
    return safe


def _control_character(value: str) -> str | None:
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return f"U+{ord(char):04X}"
    return None


class RowValidator:
    """Turns records into valid rows or problems, with the rules the single-leaflet path uses."""

    def __init__(self, engine: Engine, pattern: str) -> None:
        check_name_pattern(pattern)
        self.engine = engine
        self.pattern = pattern
        library = engine.library
        self.allowed: dict[str, str] = {
            "id": "letters, digits, '-', '_', '.' (others become '_' in file names)",
            "finding": ", ".join(library.catalog.findings),
            "lang": ", ".join(library.available_languages()),
            "level": ", ".join(LEVELS),
            "name": f"printable text, at most {MAX_NAME_LENGTH} characters",
            "exam_date": "a date written YYYY-MM-DD",
            "follow_up_date": "a date written YYYY-MM-DD, not before exam_date",
            "side": ", ".join(SIDES),
            "next_step": ", ".join(library.catalog.next_steps),
            "density": ", ".join(DENSITIES),
            "page_size": ", ".join(PAGE_SIZES),
            "birads": "a BI-RADS 4 subcategory the finding has, e.g. 4A, 4B, 4C",
            "pictures": "yes or no (default yes)",
            "large_print": "yes or no (default no)",
        }
        self._choices: dict[str, tuple[str, ...]] = {
            "finding": tuple(library.catalog.findings),
            "lang": library.available_languages(),
            "level": LEVELS,
            "side": SIDES,
            "next_step": tuple(library.catalog.next_steps),
            "density": DENSITIES,
            "page_size": PAGE_SIZES,
        }
        self._templates: dict[tuple[str, str], str | None] = {}

    def validate(self, record: Record) -> tuple[Row | None, list[Problem]]:
        """The row to render, or None and every problem found in it."""
        if record.problems and any(not p.column for p in record.problems):
            return None, list(record.problems)
        values = record.values
        record_id = values.get("id", "")
        problems = list(record.problems)

        def add(column: str, message: str) -> None:
            problems.append(
                Problem(
                    record.row,
                    column,
                    message,
                    self.allowed.get(column, ""),
                    record_id,
                    record.line,
                )
            )

        for column in REQUIRED:
            if column not in values and not any(p.column == column for p in problems):
                add(column, "missing value (required)")
        dates: dict[str, date] = {}
        for column in _DATE_COLUMNS:
            if column in values:
                try:
                    dates[column] = datetime.strptime(values[column], "%Y-%m-%d").date()
                except ValueError:
                    # The value itself is not repeated: a date is personal data.
                    add(column, "not a date written YYYY-MM-DD, e.g. 2026-11-20")
        flags = {"pictures": True, "large_print": False}
        for flag in flags:
            if flag in values:
                answer = values[flag].lower()
                if answer in _YES | _NO:
                    flags[flag] = answer in _YES
                else:
                    add(flag, "write yes or no")
        safe_id = None
        if record_id:
            control = _control_character(record_id)
            safe_id = file_part(record_id) if control is None else None
            if control is not None:
                add("id", f"contains the control character {control}; remove it")
            elif safe_id is None:
                add("id", "cannot name a file: it contains '..' or starts with '.'")
        request = LeafletRequest(
            finding=values.get("finding", ""),
            lang=values.get("lang", "en"),
            level=values.get("level", "standard"),
            patient=Patient(
                name=values.get("name"),
                exam_date=dates.get("exam_date"),
                side=values.get("side"),
                follow_up_date=dates.get("follow_up_date"),
            ),
            next_step=values.get("next_step"),
            density=values.get("density"),
            page_size=values.get("page_size", "letter"),
            birads=values["birads"].upper() if "birads" in values else None,
            pictures=flags["pictures"],
            large_print=flags["large_print"],
        )
        failed = {p.column for p in problems}
        for problem in self.engine.request_problems(request):
            column = problem.field
            if column in failed:
                continue  # already reported (e.g. a missing finding), or a consequence of it
            failed.add(column)
            hint = ""
            if column in self._choices and column in values:
                hint = suggest(values[column], self._choices[column])
            add(column, f"{problem.error}{hint}")
        lang = ""
        if not failed & {"lang", "level"}:
            lang = self.engine.library.resolve_language(request.lang)
            missing = self._template_problem(lang, request.level)
            if missing:
                add("level", missing)
        if problems or safe_id is None:
            return None, problems
        name = self._file_name(record.row, safe_id, request, lang)
        if name is None:
            add("id", "the file name would be empty, too long or hidden; shorten the id")
            return None, problems
        return Row(record.row, record_id, request, name, lang), problems

    def _template_problem(self, lang: str, level: str) -> str | None:
        key = (lang, level)
        if key not in self._templates:
            try:
                self.engine.templates.resolve(lang, level)
                self._templates[key] = None
            except HandoutError as err:
                self._templates[key] = str(err)
        return self._templates[key]

    def _file_name(self, row: int, safe_id: str, request: LeafletRequest, lang: str) -> str | None:
        fields: dict[str, object] = {
            "row": row,
            "id": safe_id,
            "finding": file_part(request.finding) or "_",
            "lang": file_part(lang) or "_",
            "level": file_part(request.level) or "_",
            "page_size": file_part(request.page_size) or "_",
        }
        try:
            name = self.pattern.format(**fields)
        except (ValueError, KeyError, IndexError, TypeError) as err:
            msg = f"--name-pattern {self.pattern!r}: {err}"
            raise BatchInputError(msg) from err
        if (
            Path(name).name != name
            or name.startswith(".")
            or len(name.encode("utf-8")) > _MAX_FILE_NAME
        ):
            return None
        return name


def validate_worklist(
    worklist: Worklist, engine: Engine, pattern: str = DEFAULT_PATTERN
) -> tuple[list[Row], list[Problem]]:
    """Every valid row and every problem, the whole worklist at once (nothing is written).

    Rows that would write the same file are all refused: neither overwrites the other. File names
    are compared ignoring case, as Windows and macOS folders do.
    """
    validator = RowValidator(engine, pattern)
    if worklist.problems:
        # A bad header makes every row suspect; listing each row again would only add noise.
        return [], list(worklist.problems)
    rows: list[Row] = []
    problems: list[Problem] = []
    for record in worklist.records:
        row, found = validator.validate(record)
        problems.extend(found)
        if row is not None:
            rows.append(row)
    owners: dict[str, list[Row]] = {}
    for row in rows:
        owners.setdefault(row.file.casefold(), []).append(row)
    clashes = {id(r) for group in owners.values() if len(group) > 1 for r in group}
    for group in owners.values():
        if len(group) < 2:
            continue
        numbers = ", ".join(str(r.row) for r in group)
        for row in group:
            problems.append(
                Problem(
                    row.row,
                    "id",
                    f"rows {numbers} would all write {row.file}; give them different ids or use "
                    "{row} in --name-pattern",
                    validator.allowed["id"],
                    row.id,
                )
            )
    valid = [r for r in rows if id(r) not in clashes]
    problems.sort(
        key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else -1)
    )
    return valid, problems
