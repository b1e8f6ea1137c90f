"""The batch's records: manifest.csv (or .json) and rejects.csv.

The manifest is the clinic's record of what was printed for which worklist row (file, content
version, review status, pages, sha256), and what `--resume` trusts to skip rows already done; shard
manifests merge into one. rejects.csv lists the rows left out and why. Neither holds patient data:
rows are named by number and the clinic's id. Files are rewritten atomically, so a reader (or an
interrupted run) never sees half a manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from handout.content import display_path
from handout.errors import BatchInputError
from handout.pdf import write_atomic
from handout.worklist import Problem

MANIFEST_FORMATS = ("csv", "json")
_MANIFEST_EVERY = 1.0  # seconds between manifest rewrites while rows finish


@dataclass(frozen=True)
class ManifestRow:
    """One worklist row's outcome. No patient data: the clinic's id links it to the patient."""

    row: int
    id: str
    file: str
    finding: str
    lang: str
    level: str
    content_version: str = ""
    review_status: str = ""
    pages: int | None = None
    sha256: str = ""
    status: str = ""  # written | skipped (done by an earlier run) | failed | rejected
    error: str = ""


MANIFEST_COLUMNS = tuple(f.name for f in fields(ManifestRow))


@dataclass
class ManifestWriter:
    """The manifest being written: rewritten atomically, at most once a second while rows finish."""

    path: Path
    fmt: str
    rows: dict[int, ManifestRow] = field(default_factory=dict)
    written_at: float = 0.0

    def add(self, row: ManifestRow) -> None:
        self.rows[row.row] = row
        if time.monotonic() - self.written_at >= _MANIFEST_EVERY:
            self.write()

    def write(self) -> None:
        ordered = [self.rows[k] for k in sorted(self.rows)]
        write_atomic(manifest_bytes(ordered, self.fmt), self.path)
        self.written_at = time.monotonic()


def manifest_bytes(rows: list[ManifestRow], fmt: str = "csv") -> bytes:
    """The manifest file's content, rows in the order given."""
    if fmt == "json":
        return (json.dumps([asdict(r) for r in rows], indent=1, ensure_ascii=False) + "\n").encode()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for r in rows:
        writer.writerow(["" if v is None else v for v in asdict(r).values()])
    return buf.getvalue().encode()


def read_manifest(path: Path) -> list[ManifestRow]:
    """Rows of a CSV or JSON manifest; [] if it does not exist (nothing to resume)."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
        raw = (
            json.loads(text) if path.suffix == ".json" else list(csv.DictReader(io.StringIO(text)))
        )
        return [_manifest_row(item) for item in raw]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        msg = (
            f"{display_path(path)}: not a manifest handout can read ({type(err).__name__}); "
            "move it away to start afresh"
        )
        raise BatchInputError(msg) from err


def _manifest_row(item: dict[str, Any]) -> ManifestRow:
    text = {k: str(item.get(k) or "") for k in MANIFEST_COLUMNS}
    pages = item.get("pages")
    return ManifestRow(
        row=int(item["row"]),
        id=text["id"],
        file=text["file"],
        finding=text["finding"],
        lang=text["lang"],
        level=text["level"],
        content_version=text["content_version"],
        review_status=text["review_status"],
        pages=int(pages) if pages not in (None, "") else None,
        sha256=text["sha256"],
        status=text["status"],
        error=text["error"],
    )


def merge_manifests(paths: list[Path], output: Path) -> int:
    """Combine shard manifests into one, in worklist order; return the number of rows.

    A row present in two shards' manifests means the shards overlapped: that is an error.
    """
    rows: dict[int, ManifestRow] = {}
    for path in paths:
        for row in read_manifest(path):
            if row.row in rows:
                msg = f"row {row.row} appears in more than one manifest ({display_path(path)})"
                raise BatchInputError(msg)
            rows[row.row] = row
    fmt = "json" if output.suffix == ".json" else "csv"
    write_atomic(manifest_bytes([rows[k] for k in sorted(rows)], fmt), output)
    return len(rows)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def write_rejects(problems: list[Problem], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["row", "id", "column", "problem", "allowed"])
    for p in problems:
        writer.writerow(["" if p.row is None else p.row, p.id, p.column, p.message, p.allowed])
    write_atomic(buf.getvalue().encode(), path)
