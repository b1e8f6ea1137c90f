"""Print a whole worklist: validate every row, render in worker processes, record a manifest.

`generate_batch(worklist, out_dir, settings, options) -> BatchReport` is the library entry point;
the `handout batch` command only parses options and prints. The order of a run:

1. Read and validate the whole worklist (`handout.worklist`) before anything is written. An invalid
   worklist stops with BatchInputError (and `rejects.csv`) unless `skip_invalid`.
2. Render each row in a pool of worker processes (ReportLab is not thread-safe); each worker builds
   its Engine once. Files are written atomically, so an interrupted run leaves no partial PDF.
3. Keep `manifest.csv` (or `.json`) up to date as rows finish: the clinic's record of what was
   printed for which row, and what `resume` trusts to skip rows already done.
4. Optionally lay every leaflet out again in one print file (`handout.merge`).

Output bytes never depend on the number of jobs: every PDF is rendered in ReportLab's invariant
mode, and the manifest and print file are written in worklist order. Nothing here logs, prints or
records patient data: messages name rows, columns and the clinic's ids only.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from handout.api import Engine, engine_for
from handout.content import display_path
from handout.errors import BatchInputError, HandoutError
from handout.manifest import (
    MANIFEST_FORMATS,
    ManifestRow,
    ManifestWriter,
    read_manifest,
    sha256_file,
    write_rejects,
)
from handout.merge import MergeItem, render_merged
from handout.pdf import write_atomic
from handout.rows import DEFAULT_PATTERN, Row, validate_worklist
from handout.settings import Settings
from handout.worklist import Problem, Worklist, read_worklist

#: Rows whose file is on disk: `resume` may skip them and the print file includes them.
DONE = ("written", "skipped")


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch; every field has the CLI's default."""

    name_pattern: str = DEFAULT_PATTERN
    jobs: int | None = None  # worker processes; None: one per CPU
    skip_invalid: bool = False
    resume: bool = False
    shard: tuple[int, int] | None = None  # (k, n): rows whose (row - 1) % n == k - 1
    merge: Path | None = None
    merge_chunk: int = 1000  # leaflets per print file part; 0: no limit
    manifest_format: str = "csv"
    encoding: str = "utf-8-sig"
    ignore_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class MergedFile:
    """One print file (or part of one) and what it holds."""

    path: Path
    leaflets: int
    pages: int
    sha256: str


@dataclass(frozen=True)
class BatchReport:
    """What a run did: per-row outcomes in worklist order, problems found, print files written."""

    rows: tuple[ManifestRow, ...]
    problems: tuple[Problem, ...]
    merged: tuple[MergedFile, ...]
    manifest: Path
    rejects: Path | None
    seconds: float
    warnings: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def ok(self) -> bool:
        """False if any row failed or was rejected: the CLI then exits 1."""
        return not any(r.status in ("failed", "rejected") for r in self.rows)


class Progress(Protocol):
    """Told how many rows will be rendered, then about each one as it finishes."""

    def start(self, total: int) -> None: ...

    def advance(self, row: ManifestRow) -> None: ...


@dataclass(frozen=True)
class _Task:
    row: Row
    path: Path


@dataclass(frozen=True)
class _Result:
    manifest: ManifestRow
    warnings: tuple[str, ...] = ()
    fit: int | None = None  # the layout step it printed with, so the print file need not re-fit


@dataclass(frozen=True)
class _MergeTask:
    path: Path
    title: str
    lang: str | None
    rows: tuple[Row, ...]
    fits: tuple[int | None, ...]  # per row: its layout step, None if not known (resumed rows)


def _safe_message(err: HandoutError) -> str:
    """The error's message minus any third-party text quoted in it.

    Our own messages never hold patient data; a library's (e.g. ReportLab's "too large" error
    quotes the text that did not fit) may, so the quoted cause is cut out.
    """
    text = str(err)
    cause = err.__cause__
    if cause is not None and str(cause) and str(cause) in text:
        text = text.replace(str(cause), "(details withheld: render this row alone to see them)")
    return text


def _shard_suffix(shard: tuple[int, int] | None) -> str:
    return f"-{shard[0]}-of-{shard[1]}" if shard else ""


def _check_options(options: BatchOptions) -> None:
    if options.jobs is not None and options.jobs < 1:
        msg = f"jobs must be 1 or more, not {options.jobs}"
        raise BatchInputError(msg)
    if options.shard is not None:
        k, n = options.shard
        if not 1 <= k <= n:
            msg = f"shard {k}/{n}: K must be between 1 and N"
            raise BatchInputError(msg)
    if options.manifest_format not in MANIFEST_FORMATS:
        msg = (
            f"manifest format {options.manifest_format!r}; use one of {', '.join(MANIFEST_FORMATS)}"
        )
        raise BatchInputError(msg)
    if options.merge_chunk < 0:
        msg = "merge_chunk must be 0 (no limit) or more"
        raise BatchInputError(msg)


# --------------------------------------------------------------------------- workers

_WORKER_ENGINE: Engine | None = None


def _interrupt(_signum: int, _frame: object) -> None:
    # SystemExit unwinds like Ctrl-C (write_atomic removes its temporary file) but, unlike
    # KeyboardInterrupt, ends a pool worker without printing a traceback.
    raise SystemExit(1)


def _init_worker(settings: Settings) -> None:
    """Once per worker process: build the Engine (content, templates, fonts) and take signals.

    Ctrl-C goes to the parent, which stops the pool; the pool's SIGTERM then unwinds the worker,
    so `write_atomic` removes its temporary file.
    """
    global _WORKER_ENGINE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)
    _WORKER_ENGINE = engine_for(settings)


def _engine() -> Engine:
    if _WORKER_ENGINE is None:  # pragma: no cover - the initializer always runs first
        msg = "worker used before its initializer"
        raise RuntimeError(msg)
    return _WORKER_ENGINE


def _render(engine: Engine, task: _Task) -> _Result:
    """Render one row and write its file; any failure becomes a manifest row, never a crash."""
    row = task.row
    base = ManifestRow(
        row=row.row,
        id=row.id,
        file=row.file,
        finding=row.request.finding,
        lang=row.lang,
        level=row.request.level,
        content_version=engine.library.catalog.content_version,
    )
    try:
        leaflet = engine.render(row.request)
        write_atomic(leaflet.pdf, task.path)
    except HandoutError as err:
        return _Result(replace(base, status="failed", error=_safe_message(err)))
    except Exception as err:  # noqa: BLE001 - one bad row must not stop a clinic's batch
        # The message of an unexpected error may quote patient data: only its type is kept.
        error = f"internal error ({type(err).__name__}); render this row alone with --debug"
        return _Result(replace(base, status="failed", error=error))
    return _Result(
        replace(
            base,
            lang=leaflet.lang,
            content_version=leaflet.content_version,
            review_status=leaflet.review_status,
            pages=leaflet.pages,
            sha256=hashlib.sha256(leaflet.pdf).hexdigest(),
            status="written",
        ),
        leaflet.warnings,
        leaflet.fit,
    )


def _render_in_worker(task: _Task) -> _Result:
    return _render(_engine(), task)


def _merge(engine: Engine, task: _MergeTask) -> MergedFile:
    """Lay one print file out, reading rows one at a time so memory stays flat."""

    def items() -> Iterator[MergeItem]:
        for row, fit in zip(task.rows, task.fits, strict=True):
            document, request, options = engine.laid_out(row.request, fit)
            yield MergeItem(
                document, request.level, request.page_size, row.id, f"row-{row.row}", options
            )

    merged = render_merged(items(), task.title, task.lang)
    write_atomic(merged.pdf, task.path)
    return MergedFile(
        task.path, len(task.rows), merged.pages, hashlib.sha256(merged.pdf).hexdigest()
    )


def _merge_in_worker(task: _MergeTask) -> MergedFile:
    return _merge(_engine(), task)


# --------------------------------------------------------------------------- the run


def _merge_tasks(
    rows: list[Row], options: BatchOptions, fits: dict[int, int] | None = None
) -> list[_MergeTask]:
    """Print file parts of at most `merge_chunk` leaflets each, named after the --merge file.

    `fits` maps row numbers to the layout step each leaflet was printed with in this run.
    """
    fits = fits or {}
    if options.merge is None or not rows:
        return []
    size = options.merge_chunk or len(rows)
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    base = options.merge.resolve()
    stem = base.stem + _shard_suffix(options.shard)
    tasks = []
    for number, chunk in enumerate(chunks, start=1):
        part = f"-part{number:03d}-of-{len(chunks):03d}" if len(chunks) > 1 else ""
        langs = {r.lang for r in chunk}
        tasks.append(
            _MergeTask(
                base.with_name(f"{stem}{part}{base.suffix}"),
                f"{stem}{part}",
                langs.pop() if len(langs) == 1 else None,
                tuple(chunk),
                tuple(fits.get(r.row) for r in chunk),
            )
        )
    return tasks


def _resumable(row: Row, earlier: ManifestRow | None, path: Path) -> ManifestRow | None:
    """The earlier run's record of this row, if its file is still exactly what it wrote."""
    if (
        earlier is None
        or earlier.status not in DONE
        or (earlier.file, earlier.id, earlier.finding, earlier.level)
        != (row.file, row.id, row.request.finding, row.request.level)
        or not earlier.sha256
        or not path.is_file()
        or sha256_file(path) != earlier.sha256
    ):
        return None
    return replace(earlier, status="skipped", error="")


def _stop_if_invalid(
    worklist: Path, problems: list[Problem], options: BatchOptions, rejects_path: Path
) -> None:
    """Raise (after writing rejects.csv) unless the worklist may be printed as it is."""
    fatal = any(p.row is None for p in problems)
    if not fatal and (not problems or options.skip_invalid):
        return
    write_rejects(problems, rejects_path)
    rows_hit = len({p.row for p in problems if p.row is not None})
    msg = (
        f"{display_path(worklist)}: {len(problems)} problem(s)"
        + (f" in {rows_hit} row(s)" if rows_hit else "")
        + f"; nothing was printed. Details: {display_path(rejects_path)}"
        + ("" if fatal else " (or pass --skip-invalid to print the valid rows)")
    )
    raise BatchInputError(msg, tuple(problems))


def _in_shard(row: int | None, shard: tuple[int, int] | None) -> bool:
    if shard is None or row is None:
        return True
    k, n = shard
    return (row - 1) % n == k - 1


def _check_merge_target(rows: list[Row], options: BatchOptions, out_dir: Path) -> None:
    if options.merge is None:
        return
    names = {r.file.casefold() for r in rows}
    for task in _merge_tasks(rows, options):
        if task.path.parent == out_dir and task.path.name.casefold() in names:
            msg = f"--merge {options.merge} would overwrite a leaflet of the same name"
            raise BatchInputError(msg)


def _rejected(problems: list[Problem], table: Worklist) -> dict[int, ManifestRow]:
    """Manifest records for rows left out by --skip-invalid: their first problem says why."""
    records = {r.row: r for r in table.records}
    rejected: dict[int, ManifestRow] = {}
    for p in problems:
        if p.row is None or p.row in rejected:
            continue
        values = records[p.row].values if p.row in records else {}
        rejected[p.row] = ManifestRow(
            row=p.row,
            id=p.id,
            file="",
            finding=values.get("finding", ""),
            lang=values.get("lang", ""),
            level=values.get("level", ""),
            status="rejected",
            error=f"column {p.column}: {p.message}" if p.column else p.message,
        )
    return rejected


def generate_batch(
    worklist: Path,
    out_dir: Path,
    settings: Settings | None = None,
    options: BatchOptions | None = None,
    progress: Progress | None = None,
) -> BatchReport:
    """Validate a worklist, then write one PDF per row, a manifest and optional print files.

    Raises BatchInputError, before writing any PDF, if the worklist cannot be read or (without
    `skip_invalid`) has invalid rows. A row that fails while rendering is recorded as failed and
    the run goes on. KeyboardInterrupt stops the run after recording what finished.
    """
    started = time.perf_counter()
    options = options or BatchOptions()
    settings = settings or Settings.bundled()
    _check_options(options)
    out_dir = out_dir.resolve()
    engine = engine_for(settings)
    table = read_worklist(
        worklist, encoding=options.encoding, ignore_columns=options.ignore_columns
    )
    valid, problems = validate_worklist(table, engine, options.name_pattern)

    suffix = _shard_suffix(options.shard)
    rejects_path = out_dir / f"rejects{suffix}.csv"
    _stop_if_invalid(worklist, problems, options, rejects_path)
    rows = [r for r in valid if _in_shard(r.row, options.shard)]
    problems = [p for p in problems if _in_shard(p.row, options.shard)]
    _check_merge_target(rows, options, out_dir)

    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = ManifestWriter(
        out_dir / f"manifest{suffix}.{options.manifest_format}", options.manifest_format
    )
    earlier = {r.row: r for r in read_manifest(manifest.path)} if options.resume else {}
    manifest.rows.update(_rejected(problems, table))
    if problems:
        write_rejects(problems, rejects_path)

    tasks: list[_Task] = []
    for row in rows:
        path = out_dir / row.file
        done = _resumable(row, earlier.get(row.row), path)
        if done is not None:
            manifest.rows[row.row] = done
        else:
            tasks.append(_Task(row, path))
    warnings: dict[str, None] = {}
    if progress is not None:
        progress.start(len(tasks))
    merged: list[MergedFile] = []
    fits: dict[int, int] = {}
    try:
        with closing(_run(tasks, settings, engine, options)) as results:
            for result in results:
                manifest.add(result.manifest)
                if result.fit is not None:
                    fits[result.manifest.row] = result.fit
                warnings.update(dict.fromkeys(result.warnings))
                if progress is not None:
                    progress.advance(result.manifest)
        manifest.write()
        printed = [r for r in rows if manifest.rows[r.row].status in DONE]
        merged = _run_merges(_merge_tasks(printed, options, fits), settings, engine, options)
    finally:
        # Also on Ctrl-C: the manifest then records exactly the rows that finished.
        manifest.write()
    ordered = tuple(manifest.rows[k] for k in sorted(manifest.rows))
    return BatchReport(
        rows=ordered,
        problems=tuple(problems),
        merged=tuple(merged),
        manifest=manifest.path,
        rejects=rejects_path if problems else None,
        seconds=time.perf_counter() - started,
        warnings=tuple(warnings),
    )


def _jobs(options: BatchOptions, tasks: int) -> int:
    return max(1, min(options.jobs or os.cpu_count() or 1, tasks))


def _run(
    tasks: list[_Task], settings: Settings, engine: Engine, options: BatchOptions
) -> Generator[_Result, None, None]:
    """Results as rows finish (any order): in this process for one job, else in a pool."""
    jobs = _jobs(options, len(tasks))
    if jobs == 1:
        for task in tasks:
            yield _render(engine, task)
        return
    # Small chunks keep the progress bar moving and the workers evenly loaded.
    chunksize = max(1, min(8, len(tasks) // (jobs * 16)))
    with _worker_pool(jobs, settings) as pool:
        yield from pool.imap_unordered(_render_in_worker, tasks, chunksize)


def _run_merges(
    tasks: list[_MergeTask], settings: Settings, engine: Engine, options: BatchOptions
) -> list[MergedFile]:
    """Print file parts are independent documents, so several can be laid out at once."""
    jobs = _jobs(options, len(tasks))
    if jobs == 1:
        return [_merge(engine, task) for task in tasks]
    with _worker_pool(jobs, settings) as pool:
        merged: list[MergedFile] = pool.map(_merge_in_worker, tasks, 1)
    return merged


@contextmanager
def _worker_pool(jobs: int, settings: Settings) -> Iterator[Any]:
    """Worker processes, each with its own Engine; on any error or Ctrl-C they are stopped at once
    (terminate), otherwise they finish their work and exit (close, join)."""
    pool = multiprocessing.get_context().Pool(jobs, _init_worker, (settings,))
    try:
        yield pool
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
