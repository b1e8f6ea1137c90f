"""Read a worklist (CSV, JSON or YAML) into plain records, one per row, before any checking.

A worklist is what a clinic exports from its mammography tracking system: one row per leaflet,
columns named like `handout generate`'s options plus `id`, the clinic's own row key. Reading is
kept apart from validation (`handout.rows`) so each format is handled in one place and every
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from handout.content import display_path
from handout.errors import BatchInputError

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
