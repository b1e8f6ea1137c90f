"""The `handout` command: parse options, call the library, print one line.

Only this module imports Click. Every library error arrives as a HandoutError and leaves as a
one-line message with exit code 1; usage errors exit 2. Nothing here prints patient data.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from handout import __version__
from handout.errors import HandoutError
from handout.settings import DENSITIES, LEVELS, PAGE_SIZES, SIDES, LeafletRequest, Patient, Settings

LEVEL_HELP = {
    "easy": "shortest words and sentences (about grade 5), larger type",
    "standard": "plain language (grade 8 or below)",
    "detailed": "more background and numbers (grade 10 or below)",
}


class HandoutGroup(click.Group):
    """Turns library errors into one-line messages; never shows a traceback unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HandoutError as err:
            raise click.ClickException(str(err)) from err
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as err:
            if ctx.meta.get("handout.debug"):
                raise
            # The message may hold patient data, so only the type is shown.
            msg = (
                f"unexpected internal error ({type(err).__name__}); nothing was written. "
                "Run again with --debug for details and report it."
            )
            raise click.ClickException(msg) from err


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]  # type: ignore[no-any-return]


def _echo_warnings(warnings: tuple[str, ...] | list[str]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _date(_ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None or value == "":
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        msg = "must be a date written YYYY-MM-DD, e.g. 2026-11-20"
        raise click.BadParameter(msg, param=param) from None


@click.group(cls=HandoutGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="handout")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks of internal errors.")
@click.option("-v", "--verbose", is_flag=True, help="Log which files are used.")
@click.option(
    "--config",
    "config_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar="HANDOUT_CONFIG",
    help="Clinic folder (clinic.yaml, content/, templates/) used over the bundled defaults. "
    "Default: $HANDOUT_CONFIG.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: bool, config_dir: Path | None) -> None:
    """Print-ready patient leaflets about breast calcifications found on a mammogram.

    \b
    Example:
      handout generate --finding probably-benign-calcifications --lang en \\
          --level easy --name "Maria Lopez" --exam-date 2026-11-20 --side left \\
          -o output/maria.pdf
      handout list findings
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    ctx.meta["handout.debug"] = debug or bool(os.environ.get("HANDOUT_DEBUG"))
    ctx.obj = {"settings": Settings.from_config(config_dir)}


@cli.command(name="generate")
@click.option("--finding", "-f", required=True, metavar="ID",
              help="Finding id, e.g. probably-benign-calcifications (see `handout list findings`).")
@click.option("--lang", "-l", default="en", show_default=True, metavar="TAG",
              help="Language (BCP 47 tag, e.g. en, es, es-MX).")
@click.option("--level", type=click.Choice(LEVELS), default="standard", show_default=True,
              help="Reading level.")
@click.option("--name", metavar="TEXT", help="Patient's name (optional).")
@click.option("--exam-date", callback=_date, metavar="YYYY-MM-DD", help="Date of the mammogram.")
@click.option("--side", type=click.Choice(SIDES), help="Which breast.")
@click.option("--follow-up-date", callback=_date, metavar="YYYY-MM-DD",
              help="Date of the next appointment, when already booked.")
@click.option("--next-step", metavar="ID",
              help="Override the finding's usual next step (see `handout list next-steps`).")
@click.option("--density", type=click.Choice(DENSITIES),
              help="Add the US federal (MQSA) breast-density statement, word for word.")
@click.option("--page-size", type=click.Choice(PAGE_SIZES), default="letter", show_default=True)
@click.option("--birads", type=click.Choice(["4A", "4B", "4C"], case_sensitive=False),
              help="BI-RADS 4 subcategory, when the radiologist gave one (narrows the chance).")
@click.option("--pictures/--no-pictures", default=True, show_default=True,
              help="Illustrations, the risk icon array and the timeline.")
@click.option("--large-print", is_flag=True,
              help="Body text 18 pt or larger, 1.5 line spacing, wide margins (more pages).")
@click.option("--clinic", "clinic_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Clinic details file (YAML: name, phone, hours, address).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Output PDF. Default: output/<finding>-<lang>-<level>.pdf (never the name).")
@click.pass_context
def generate_command(
    ctx: click.Context,
    finding: str,
    lang: str,
    level: str,
    name: str | None,
    exam_date: date | None,
    side: str | None,
    follow_up_date: date | None,
    next_step: str | None,
    density: str | None,
    page_size: str,
    birads: str | None,
    pictures: bool,
    large_print: bool,
    clinic_file: Path | None,
    output: Path | None,
) -> None:
    """Write one leaflet as a PDF.

    Everything about the patient is optional: without it you get an anonymous
    leaflet, e.g. for a waiting-room rack.

    \b
    Example:
      handout generate --finding suspicious-calcifications --lang es --level easy \\
          --name "Ana Ruiz" --exam-date 2026-11-20 --side right -o output/ana.pdf
    """
    from dataclasses import replace

    from handout.api import generate_leaflet

    settings = _settings(ctx)
    if clinic_file is not None:
        settings = replace(settings, clinic_file=clinic_file.resolve())
    request = LeafletRequest(
        finding=finding,
        lang=lang,
        level=level,
        patient=Patient(name=name, exam_date=exam_date, side=side, follow_up_date=follow_up_date),
        next_step=next_step,
        density=density,
        page_size=page_size,
        birads=birads.upper() if birads else None,
        pictures=pictures,
        large_print=large_print,
    )
    target = output or Path("output") / f"{finding}-{lang}-{level}.pdf"
    leaflet = generate_leaflet(request, target.resolve(), settings)
    _echo_warnings(leaflet.warnings)
    plural = "s" if leaflet.pages != 1 else ""
    click.echo(f"wrote {target} ({leaflet.pages} page{plural}, {leaflet.lang}, {leaflet.level})")


@cli.command(name="list")
@click.argument("what", type=click.Choice(["findings", "languages", "levels", "next-steps"]))
@click.pass_context
def list_command(ctx: click.Context, what: str) -> None:
    """List what is available: findings, languages, levels or next-steps.

    \b
    Example:
      handout list findings
    """
    from handout.api import engine_for

    if what == "levels":
        for level in LEVELS:
            click.echo(f"{level:<10} {LEVEL_HELP[level]}")
        return
    library = engine_for(_settings(ctx)).library
    if what == "languages":
        rows = []
        for code in library.available_languages():
            lang = library.language(code).language
            status = "reviewed" if lang.translation.review == "reviewed" else "review pending"
            rows.append((code, lang.name, lang.native_name, status))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for code, name, native, status in rows:
            click.echo(f"{code:<{widths[0]}}  {name:<{widths[1]}}  {native:<{widths[2]}}  {status}")
        return
    english = library.language("en")
    if what == "findings":
        for fid, facts in library.catalog.findings.items():
            line = english.findings[fid].levels["standard"].summary_line
            click.echo(f"{fid:<34} BI-RADS {facts.birads:<2} {line}")
        return
    for sid, step in library.catalog.next_steps.items():
        name = english.next_steps.levels["standard"][sid].name
        click.echo(f"{sid:<26} {name} (usually {step.default_timing})")


@cli.command(name="init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--with-templates", is_flag=True,
              help="Also copy the bundled templates in, for editing.")
def init_command(folder: Path, with_templates: bool) -> None:
    """Create a clinic folder to customise leaflets.

    It holds clinic.yaml (your details and branding), a README, and empty
    content/ and templates/ folders whose files override the bundled ones.

    \b
    Example:
      handout init my-clinic/
      handout --config my-clinic/ generate --finding macrocalcifications
    """
    from handout.scaffold import init_clinic_folder

    written = init_clinic_folder(folder, with_templates=with_templates)
    click.echo(f"created {folder} ({len(written)} files); edit {folder / 'clinic.yaml'} next")


@cli.group(name="templates")
def templates_group() -> None:
    """Work with a clinic folder's overrides."""


@templates_group.command(name="diff")
@click.pass_context
def templates_diff_command(ctx: click.Context) -> None:
    """Show what changed in the bundled files your clinic folder overrides.

    Run it after upgrading handout to see whether upstream wording or structure
    changed under your customisation. Needs --config (or HANDOUT_CONFIG).

    \b
    Example:
      handout --config my-clinic/ templates diff
    """
    from handout.scaffold import templates_diff

    folder = ctx.find_root().params.get("config_dir")
    if folder is None:
        msg = "needs a clinic folder: handout --config DIR templates diff"
        raise click.UsageError(msg)
    results = templates_diff(Path(folder))
    if not results:
        click.echo(f"{folder} overrides no bundled file")
    for result in results:
        click.echo(f"{result.relative}: {result.status}")
        if result.diff:
            click.echo(result.diff)


@cli.command(name="validate")
@click.option("--lang", "-l", "languages", multiple=True, metavar="TAG",
              help="Only these languages (repeatable). Default: all.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
@click.pass_context
def validate_command(
    ctx: click.Context, languages: tuple[str, ...], fmt: str, strict: bool
) -> None:
    """Check content and templates: schema, completeness, reading level.

    Renders every finding x language x level and measures the text a patient
    would read against the targets of its reading level. Exit code 1 on any
    failure. Use --config to check a clinic folder merged over the defaults.

    \b
    Example:
      handout validate
      handout --config my-clinic/ validate --format json
    """
    import json

    from handout.validate import format_table, validate_content

    settings = _settings(ctx)
    report = validate_content(settings, languages or None)
    if fmt == "json":
        data = report.as_dict()
        data["ok"] = report.ok(strict)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        if report.leaflets:
            click.echo(format_table(report))
        for problem in report.problems:
            click.echo(f"{problem.severity}: {problem.message}", err=True)
        failed = sum(1 for leaf in report.leaflets if not leaf.passed)
        click.echo(
            f"{len(report.leaflets)} leaflets checked, {failed} failed; "
            f"{len(report.errors)} errors, {len(report.warnings)} warnings"
        )
    if not report.ok(strict):
        ctx.exit(1)


class _BatchProgressBar:
    """Count, rate and ETA on stderr when it is a terminal; it never shows patient data."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0
        self.started = 0.0

    def start(self, total: int) -> None:
        import time

        if total == 0 or not sys.stderr.isatty():
            return
        self.started = time.perf_counter()
        self.bar = click.progressbar(
            length=total,
            label="printing",
            file=sys.stderr,
            show_eta=True,
            show_pos=True,
            item_show_func=self._rate,
        )
        self.bar.__enter__()

    def _rate(self, _item: object) -> str | None:
        import time

        elapsed = time.perf_counter() - self.started
        return f"{self.done / elapsed:.1f} leaflets/s" if self.done and elapsed > 0 else None

    def advance(self, row: Any) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _shard(
    _ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[int, int] | None:
    if value is None:
        return None
    k, sep, n = value.partition("/")
    if sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    msg = "must be K/N with 1 <= K <= N, e.g. 2/4 for the second of four slices"
    raise click.BadParameter(msg, param=param)


_SHOWN_PROBLEMS = 20


@cli.command(name="batch")
@click.argument("worklist", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output-dir", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the PDFs, manifest.csv and rejects.csv.")
@click.option("--merge", "merge", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every leaflet, in worklist order, to this one print file "
              "(duplex-ready, a bookmark per id).")
@click.option("--merge-chunk", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Split the print file into parts of at most this many leaflets (0: never).")
@click.option("-j", "--jobs", type=click.IntRange(min=1),
              help="Worker processes. Default: one per CPU.")
@click.option("--skip-invalid", is_flag=True,
              help="Print the valid rows; list the others in rejects.csv (exit code 1).")
@click.option("--resume", is_flag=True,
              help="Skip rows whose PDF exists with the sha256 the manifest recorded.")
@click.option("--shard", callback=_shard, metavar="K/N",
              help="Only rows whose number r has (r-1) mod N = K-1: one of N slices.")
@click.option("--name-pattern", default="{row:05d}-{id}.pdf", show_default=True,
              help="File names; fields: row, id, finding, lang, level, page_size.")
@click.option("--manifest-format", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True, help="Format of the manifest.")
@click.option("--encoding", default="utf-8-sig", show_default=True,
              help="Text encoding of a CSV worklist, e.g. cp1252.")
@click.option("--ignore-column", "ignore_columns", multiple=True, metavar="NAME",
              help="A worklist column to ignore on purpose (repeatable).")
@click.option("--clinic", "clinic_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Clinic details file (YAML: name, phone, hours, address).")
@click.pass_context
def batch_command(
    ctx: click.Context,
    worklist: Path,
    out_dir: Path,
    merge: Path | None,
    merge_chunk: int,
    jobs: int | None,
    skip_invalid: bool,
    resume: bool,
    shard: tuple[int, int] | None,
    name_pattern: str,
    manifest_format: str,
    encoding: str,
    ignore_columns: tuple[str, ...],
    clinic_file: Path | None,
) -> None:
    """Print one leaflet per row of a worklist (CSV, JSON or YAML).

    Columns: id, finding, lang, level (required), name, exam_date, side,
    follow_up_date, next_step, density, page_size, birads, pictures. The whole
    worklist is checked before anything is printed. Writes one PDF per row, named from
    the row number and id (never the patient's name), and manifest.csv.

    \b
    Example:
      handout batch worklist.csv -o output/2026-11-26/ \\
          --merge output/2026-11-26/print-me.pdf --jobs 2
    """
    from dataclasses import replace

    from handout.batch import BatchOptions, generate_batch
    from handout.content import display_path
    from handout.errors import BatchInputError

    settings = _settings(ctx)
    if clinic_file is not None:
        settings = replace(settings, clinic_file=clinic_file.resolve())
    options = BatchOptions(
        name_pattern=name_pattern,
        jobs=jobs,
        skip_invalid=skip_invalid,
        resume=resume,
        shard=shard,
        merge=merge,
        merge_chunk=merge_chunk,
        manifest_format=manifest_format,
        encoding=encoding,
        ignore_columns=ignore_columns,
    )
    import signal

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # A `kill` stops the run like Ctrl-C: the manifest then records exactly what finished.
    previous = signal.signal(signal.SIGTERM, stop)
    bar = _BatchProgressBar()
    try:
        report = generate_batch(worklist, out_dir, settings, options, bar)
    except BatchInputError as err:
        bar.close()
        for problem in err.problems[:_SHOWN_PROBLEMS]:
            click.echo(f"error: {problem}", err=True)
        if len(err.problems) > _SHOWN_PROBLEMS:
            click.echo(f"... and {len(err.problems) - _SHOWN_PROBLEMS} more", err=True)
        raise
    except KeyboardInterrupt:
        bar.close()
        click.echo(
            "interrupted: the manifest lists the rows that finished; run the same command "
            "with --resume to print the rest",
            err=True,
        )
        ctx.exit(1)
    finally:
        signal.signal(signal.SIGTERM, previous)
    bar.close()
    _echo_warnings(report.warnings)
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        click.echo(f"rejected: {problem}", err=True)
    failed = [r for r in report.rows if r.status == "failed"]
    for row in failed[:_SHOWN_PROBLEMS]:
        click.echo(f"failed: row {row.row} (id {row.id}): {row.error}", err=True)
    for part in report.merged:
        plural = "s" if part.leaflets != 1 else ""
        shown = display_path(part.path)
        click.echo(f"wrote {shown} ({part.leaflets} leaflet{plural}, {part.pages} pages)")
    written = report.count("written")
    rate = written / report.seconds if report.seconds > 0 else 0.0
    click.echo(
        f"{written} written, {report.count('skipped')} skipped, {len(failed)} failed, "
        f"{report.count('rejected')} rejected in {report.seconds:.1f} s "
        f"({rate:.1f} leaflets/s); manifest: {display_path(report.manifest)}"
    )
    if not report.ok:
        ctx.exit(1)
