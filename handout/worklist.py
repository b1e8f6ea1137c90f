"""Read a worklist (CSV, JSON or YAML) into plain records, one per row, before any checking.

A worklist is what a clinic exports from its mammography tracking system: one row per leaflet,
columns named like `handout generate`'s options plus `id`, the clinic's own row key. Reading is
kept apart from validation (`handout.batch`) so each format is handled in one place and every
format yields the same records: text values, stripped, empty cells left out.

Every value is read as text, YAML included (its plain loader would turn an accession number
`00123` into the number 83 and `2026-11-20` into a date object). Nothing read here is ever put in
a message except column names, and those only when the first line really looks like a header:
a worklist exported without one would otherwise echo a patient's row.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import string
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from handout.api import MAX_NAME_LENGTH, Engine
from handout.content import display_path
from handout.errors import BatchInputError, HandoutError
from handout.settings import (
    DENSITIES,
    LEVELS,
    PAGE_SIZES,
    SIDES,
    LeafletRequest,
    Patient,
)

#: Columns a worklist may have, in the order the docs list them.
COLUMNS: tuple[str, ...] = (
    "id",
    "finding",
    "lang",
    "level",
    "name",
    "exam_date",
    "side",
    "follow_up_date",
    "next_step",
    "density",
    "page_size",
    "birads",
    "pictures",
    "large_print",
)
#: Columns every row must fill: nothing about a patient's leaflet is left to a default.
REQUIRED: tuple[str, ...] = ("id", "finding", "lang", "level")
FORMATS = {".csv": "csv", ".txt": "csv", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}

_YAML_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_ECHO_LIMIT = 40


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a worklist: where (row, column), what, and what would be accepted.

    `row` is None for the worklist as a whole (its header or the file itself). Messages never hold
    patient data; the clinic's row `id` is included so the row can be found in its own system.
    """

    row: int | None
    column: str
    message: str
    allowed: str = ""
    id: str = ""
    line: int | None = None

    def __str__(self) -> str:
        if self.row is None:
            where = "worklist"
        else:
            where = f"row {self.row}" + (f" (line {self.line})" if self.line else "")
        column = f", column {self.column}" if self.column else ""
        return f"{where}{column}: {self.message}"


@dataclass(frozen=True)
class Record:
    """One worklist row as read: 1-based `row` (header excluded), text values, reading problems."""

    row: int
    values: dict[str, str]
    line: int | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Worklist:
    """Every record, plus problems that concern the whole worklist (e.g. an unknown CSV column)."""

    path: Path
    format: str
    records: tuple[Record, ...]
    problems: tuple[Problem, ...] = field(default=())


def normalise_column(name: str) -> str:
    """`Exam date`, `exam-date` and `EXAM_DATE` all mean `exam_date`: spreadsheets vary."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def suggest(value: str, choices: tuple[str, ...] | list[str]) -> str:
    """'; did you mean 'x'?' for a close match, else ''."""
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _echo(name: str) -> str:
    text = name if len(name) <= _ECHO_LIMIT else name[:_ECHO_LIMIT] + "…"
    return repr(text)


def unknown_column_problem(
    name: str, row: int | None, line: int | None = None, record_id: str = ""
) -> Problem:
    """An unknown column is most likely a typo: name the closest real one."""
    return Problem(
        row,
        name,
        f"unknown column {_echo(name)}{suggest(name, COLUMNS)} (to leave a column out on "
        f"purpose, pass --ignore-column {_echo(name)})",
        ", ".join(COLUMNS),
        record_id,
        line,
    )


def read_worklist(
    path: Path, *, encoding: str = "utf-8-sig", ignore_columns: tuple[str, ...] = ()
) -> Worklist:
    """Read every record of a CSV, JSON or YAML worklist; raise BatchInputError if unreadable."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        msg = (
            f"{display_path(path)}: unknown worklist format {path.suffix or '(no extension)'!r}; "
            "use a .csv, .json or .yaml file"
        )
        raise BatchInputError(msg)
    try:
        data = path.read_bytes()
    except OSError as err:
        msg = f"{display_path(path)}: cannot read the worklist ({err.strerror})"
        raise BatchInputError(msg) from err
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        msg = (
            f"{display_path(path)}: not {encoding} text (byte {err.start}); save the worklist as "
            "UTF-8 (in Excel: 'CSV UTF-8') or name its encoding, e.g. --encoding cp1252"
        )
        raise BatchInputError(msg) from err
    except LookupError as err:
        msg = f"unknown encoding {encoding!r}; use e.g. utf-8, utf-8-sig, cp1252 or latin-1"
        raise BatchInputError(msg) from err
    text = text.removeprefix("\ufeff")
    ignored = frozenset(normalise_column(c) for c in ignore_columns)
    if kind == "csv":
        return _read_csv(path, text, ignored)
    return _read_list(path, kind, text, ignored)


def _delimiter(text: str) -> str:
    """Comma or semicolon, whichever the header uses more (Excel in many locales writes ';')."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if header.count(";") > header.count(",") else ","


def _read_csv(path: Path, text: str, ignored: frozenset[str]) -> Worklist:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    records: list[Record] = []
    problems: list[Problem] = []
    header: list[str] | None = None
    last_line = 0
    try:
        for cells in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and Excel's trailing ';;;;' rows
            if header is None:
                header = [normalise_column(c) for c in cells]
                problems.extend(_header_problems(header, ignored))
                continue
            records.append(_csv_record(len(records) + 1, line, header, cells, ignored))
    except csv.Error as err:
        msg = (
            f"{display_path(path)}: line {reader.line_num}: not valid CSV ({err}); check the "
            "quoting of that line"
        )
        raise BatchInputError(msg) from err
    if header is None:
        msg = f"{display_path(path)}: the worklist is empty; it needs a header line and rows"
        raise BatchInputError(msg)
    return Worklist(path, "csv", tuple(records), tuple(problems))


def _header_problems(header: list[str], ignored: frozenset[str]) -> list[Problem]:
    known = [c for c in header if c in COLUMNS]
    if not any(c in REQUIRED for c in known):
        # Probably a data row: its cells may be a patient's name, so none of them is repeated.
        return [
            Problem(
                None,
                "",
                "the first line is not a header (it has no id, finding, lang or level column); "
                f"add a header line such as: {','.join(COLUMNS)}",
                ", ".join(COLUMNS),
            )
        ]
    problems = [
        Problem(None, column, "missing column (required)", ", ".join(REQUIRED))
        for column in REQUIRED
        if column not in header
    ]
    seen: set[str] = set()
    for name in header:
        if name in seen and name:
            problems.append(Problem(None, name, "column appears twice in the header"))
        seen.add(name)
        if not name:
            problems.append(Problem(None, "", "a column has no name in the header"))
        elif name not in COLUMNS and name not in ignored:
            problems.append(unknown_column_problem(name, None))
    return problems


def _csv_record(
    row: int, line: int, header: list[str], cells: list[str], ignored: frozenset[str]
) -> Record:
    values: dict[str, str] = {}
    for name, cell in zip(header, cells, strict=False):  # a short row: the rest is empty
        text = cell.strip()
        if text and name in COLUMNS:
            values[name] = text
    problems: tuple[Problem, ...] = ()
    extra = [cell for cell in cells[len(header) :] if cell.strip()]
    if extra:
        # The other cells are shifted and may hold anything, so this is the only problem reported.
        problems = (
            Problem(
                row,
                "",
                f"has {len(header) + len(extra)} values but the header has {len(header)} "
                "columns; a value probably contains an unquoted separator",
                id=values.get("id", ""),
                line=line,
            ),
        )
    return Record(row, values, line, problems)


def _read_list(path: Path, kind: str, text: str, ignored: frozenset[str]) -> Worklist:
    try:
        # BaseLoader: every value stays text.
        data = json.loads(text) if kind == "json" else yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506
    except json.JSONDecodeError as err:
        where = f"line {err.lineno}, column {err.colno}"
        msg = f"{display_path(path)}: {where}: invalid JSON ({err.msg})"
        raise BatchInputError(msg) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(err, "problem", None) or "syntax error"
        msg = f"{display_path(path)}:{where} invalid YAML ({problem})"
        raise BatchInputError(msg) from err
    if not isinstance(data, list):
        msg = (
            f"{display_path(path)}: the top level must be a list of rows, one mapping per row "
            "(see examples/worklist.{json,yaml})"
        )
        raise BatchInputError(msg)
    records = [_list_record(n, item, ignored) for n, item in enumerate(data, start=1)]
    return Worklist(path, kind, tuple(records))


def _list_record(row: int, item: object, ignored: frozenset[str]) -> Record:
    if not isinstance(item, dict):
        problem = Problem(row, "", "must be a mapping of column names to values")
        return Record(row, {}, problems=(problem,))
    values: dict[str, str] = {}
    problems: list[Problem] = []
    raw_id = item.get("id")
    record_id = raw_id.strip() if isinstance(raw_id, str) else ""
    for key, value in item.items():
        name = normalise_column(str(key))
        if name in ignored:
            continue
        if name not in COLUMNS:
            problems.append(unknown_column_problem(str(key), row, record_id=record_id))
            continue
        if value is None:
            continue
        if isinstance(value, bool) and name in ("pictures", "large_print"):
            value = "yes" if value else "no"
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            problems.append(
                Problem(row, name, "must be text (or a whole number for id)", id=record_id)
            )
            continue
        text = str(value).strip()
        if text:
            values[name] = text
    return Record(row, values, problems=tuple(problems))


# --------------------------------------------------------------------------- validation

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
