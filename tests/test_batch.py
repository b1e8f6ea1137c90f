"""`handout batch`: worklist reading and validation, file names, manifest, resume, jobs, privacy."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from reportlab.platypus.doctemplate import LayoutError

from handout.api import Engine
from handout.batch import BatchOptions, generate_batch
from handout.cli import cli
from handout.errors import BatchInputError, HandoutError, RenderError
from handout.manifest import merge_manifests, read_manifest
from handout.settings import LeafletRequest, Patient, Settings
from handout.worklist import COLUMNS

from .conftest import pdf_reader, pdf_text

SECRET = "Zelda Quixotica"  # a patient name that must never leave a PDF

HEADER = ["id", "finding", "lang", "level", "name", "exam_date", "side", "follow_up_date"]
VALID = [
    {
        "id": "ACC-001",
        "finding": "tiny-spots",
        "lang": "en",
        "level": "easy",
        "name": f"{SECRET} One",
        "exam_date": "2026-10-07",
        "side": "left",
    },
    {
        "id": "ACC-002",
        "finding": "tiny-spots",
        "lang": "en",
        "level": "standard",
        "name": f"{SECRET} Two",
        "exam_date": "2026-10-08",
        "side": "right",
    },
    {"id": "ACC-003", "finding": "tiny-spots", "lang": "en", "level": "detailed"},
]
INVALID = [
    {"id": "BAD-1", "finding": "tiny-spot", "lang": "en", "level": "easy", "name": SECRET},
    {"id": "BAD-2", "finding": "tiny-spots", "lang": "xx", "level": "easy"},
    {"id": "BAD-3", "finding": "tiny-spots", "lang": "en", "level": "esay"},
    {
        "id": "BAD-4",
        "finding": "tiny-spots",
        "lang": "en",
        "level": "easy",
        "exam_date": "20/11/2026",
    },
    {"id": "BAD-5", "finding": "", "lang": "en", "level": "easy"},
    {"id": "BAD-6", "finding": "tiny-spots", "lang": "en", "level": "easy", "side": "up"},
    {
        "id": "BAD-7",
        "finding": "tiny-spots",
        "lang": "en",
        "level": "easy",
        "exam_date": "2026-11-20",
        "follow_up_date": "2026-01-01",
    },
    {
        "id": "BAD-8",
        "finding": "tiny-spots",
        "lang": "en",
        "level": "easy",
        "name": f"{SECRET}\x07",
    },
]
#: (row, column) -> start of the message, for the rows above in the order VALID + INVALID.
EXPECTED = {
    (4, "finding"): "unknown finding 'tiny-spot'; available: tiny-spots; did you mean "
    "'tiny-spots'?",
    (5, "lang"): "unknown language 'xx'; available: en",
    (6, "level"): "unknown reading level 'esay'; available: easy, standard, detailed; did you "
    "mean 'easy'?",
    (7, "exam_date"): "not a date written YYYY-MM-DD, e.g. 2026-11-20",
    (8, "finding"): "missing value (required)",
    (9, "side"): "side: 'up' is not one of left, right, both",
    (10, "follow_up_date"): "follow-up date: is before the mammogram date; check both dates",
    (11, "name"): "name: contains a control or invisible character U+0007; remove it",
}


def write_worklist(path: Path, rows: list[dict[str, str]], fmt: str = "csv") -> Path:
    """Write rows as a worklist; fmt: csv, csv-semicolon (BOM, CRLF), json or yaml."""
    if fmt.startswith("csv"):
        semicolon = fmt == "csv-semicolon"
        buf = io.StringIO()
        writer = csv.writer(
            buf, delimiter=";" if semicolon else ",", lineterminator="\r\n" if semicolon else "\n"
        )
        header = [c for c in COLUMNS if any(c in r for r in rows)] or HEADER
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])
        path.write_bytes(("\ufeff" if semicolon else "").encode() + buf.getvalue().encode())
    elif fmt == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    return path


def suffix(fmt: str) -> str:
    return {"json": ".json", "yaml": ".yaml"}.get(fmt, ".csv")


def run(worklist: Path, out: Path, settings: Settings, **options) -> object:
    options.setdefault("jobs", 1)
    return generate_batch(worklist, out, settings, BatchOptions(**options))


def pdfs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.pdf"))}


@pytest.mark.parametrize("fmt", ["csv", "csv-semicolon", "json", "yaml"])
def test_mixed_worklist_reports_every_problem(tmp_path, fixture_settings, fmt):
    """Each kind of bad row is reported by row and column with what is allowed, in every format."""
    worklist = write_worklist(tmp_path / f"w{suffix(fmt)}", VALID + INVALID, fmt)
    with pytest.raises(BatchInputError) as caught:
        run(worklist, tmp_path / "out", fixture_settings)
    problems = {(p.row, p.column): p for p in caught.value.problems}
    assert set(problems) == set(EXPECTED)
    for key, message in EXPECTED.items():
        assert problems[key].message.startswith(message), problems[key].message
    assert problems[(4, "finding")].allowed == "tiny-spots"
    assert problems[(6, "level")].allowed == "easy, standard, detailed"
    assert problems[(7, "exam_date")].allowed == "a date written YYYY-MM-DD"
    assert "8 problem(s) in 8 row(s)" in str(caught.value)
    assert not list((tmp_path / "out").glob("*.pdf")), "nothing is printed from an invalid worklist"
    rejects = (tmp_path / "out" / "rejects.csv").read_text(encoding="utf-8")
    assert SECRET not in rejects and "20/11/2026" not in rejects


@pytest.mark.parametrize("fmt", ["csv", "csv-semicolon", "json", "yaml"])
def test_valid_worklist_prints_every_row(tmp_path, fixture_settings, fmt):
    """A clean worklist in any format gives one PDF per row with the patient's details."""
    worklist = write_worklist(tmp_path / f"w{suffix(fmt)}", VALID, fmt)
    report = run(worklist, tmp_path / "out", fixture_settings)
    assert [r.status for r in report.rows] == ["written"] * 3
    assert sorted(pdfs(tmp_path / "out")) == [
        "00001-ACC-001.pdf",
        "00002-ACC-002.pdf",
        "00003-ACC-003.pdf",
    ]
    text = pdf_text(tmp_path / "out" / "00001-ACC-001.pdf")
    assert f"{SECRET} One" in text and "October 7, 2026" in text


def test_formats_give_identical_files(tmp_path, fixture_settings):
    """The same rows as CSV, semicolon CSV, JSON and YAML print byte-identical PDFs."""
    outputs = []
    for fmt in ("csv", "csv-semicolon", "json", "yaml"):
        worklist = write_worklist(tmp_path / f"w-{fmt}{suffix(fmt)}", VALID, fmt)
        run(worklist, tmp_path / fmt, fixture_settings)
        outputs.append(pdfs(tmp_path / fmt))
    assert all(o == outputs[0] for o in outputs)


def test_skip_invalid_prints_valid_rows_and_lists_the_rest(tmp_path, fixture_settings):
    """--skip-invalid writes the valid rows, rejects.csv for the others, and reports not-ok."""
    worklist = write_worklist(tmp_path / "w.csv", VALID + INVALID)
    report = run(worklist, tmp_path / "out", fixture_settings, skip_invalid=True)
    assert len(pdfs(tmp_path / "out")) == 3
    assert report.count("written") == 3 and report.count("rejected") == 8 and not report.ok
    with (tmp_path / "out" / "rejects.csv").open(encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert {(int(r["row"]), r["column"]) for r in rejects} == set(EXPECTED)
    assert rejects[0]["id"] == "BAD-1" and rejects[0]["allowed"] == "tiny-spots"
    manifest = read_manifest(tmp_path / "out" / "manifest.csv")
    assert [m.status for m in manifest] == ["written"] * 3 + ["rejected"] * 8


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            "id,finding,lang,level,nmae\nA1,tiny-spots,en,easy,x\n",
            "unknown column 'nmae'; did you mean 'name'?",
        ),
        ("id,finding,level\nA1,tiny-spots,easy\n", "missing column (required)"),
        ("ID,Finding,Lang,Level,Exam Date,follow-up-date\nA1,tiny-spots,en,easy,,\n", None),
    ],
)
def test_csv_header_is_checked_once(tmp_path, fixture_settings, lines, message):
    """Unknown or missing columns stop the run even with --skip-invalid; names are normalised."""
    worklist = tmp_path / "w.csv"
    worklist.write_text(lines)
    if message is None:
        report = run(worklist, tmp_path / "out", fixture_settings)
        assert report.count("written") == 1
        return
    with pytest.raises(BatchInputError) as caught:
        run(worklist, tmp_path / "out", fixture_settings, skip_invalid=True)
    (problem,) = caught.value.problems
    assert problem.row is None and problem.message.startswith(message)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_unknown_key_in_json_or_yaml_is_a_row_problem(tmp_path, fixture_settings, fmt):
    """In a list worklist each row has its own keys, so a typo rejects that row only."""
    rows = [
        *VALID[:1],
        {
            "id": "X",
            "finding": "tiny-spots",
            "lang": "en",
            "level": "easy",
            "exam-dat": "2026-11-20",
        },
    ]
    worklist = write_worklist(tmp_path / f"w{suffix(fmt)}", rows, fmt)
    report = run(worklist, tmp_path / "out", fixture_settings, skip_invalid=True)
    (problem,) = report.problems
    assert (problem.row, problem.column) == (2, "exam-dat")
    assert "did you mean 'exam_date'?" in problem.message
    assert report.count("written") == 1


def test_ignore_column_accepts_extra_export_columns(tmp_path, fixture_settings):
    """A tracking system's extra columns can be ignored on purpose, and are never read."""
    worklist = tmp_path / "w.csv"
    worklist.write_text("id,finding,lang,level,MRN\nA1,tiny-spots,en,easy,12345\n")
    report = run(worklist, tmp_path / "out", fixture_settings, ignore_columns=("mrn",))
    assert report.count("written") == 1


def test_header_missing_is_reported_without_repeating_data(tmp_path, fixture_settings):
    """A worklist without a header line is refused without echoing its first (patient) row."""
    worklist = tmp_path / "w.csv"
    worklist.write_text(f"A1,tiny-spots,en,easy,{SECRET}\n")
    with pytest.raises(BatchInputError) as caught:
        run(worklist, tmp_path / "out", fixture_settings)
    (problem,) = caught.value.problems
    assert "not a header" in problem.message and SECRET not in str(problem)


def test_wrong_encoding_explains_the_fix(tmp_path, fixture_settings):
    """A cp1252 worklist read as UTF-8 names the option that fixes it; --encoding reads it."""
    worklist = tmp_path / "w.csv"
    worklist.write_bytes(
        "id,finding,lang,level,name\nA1,tiny-spots,en,easy,José\n".encode("cp1252")
    )
    with pytest.raises(BatchInputError, match="--encoding cp1252"):
        run(worklist, tmp_path / "out", fixture_settings)
    run(worklist, tmp_path / "out", fixture_settings, encoding="cp1252")
    assert "José" in pdf_text(tmp_path / "out" / "00001-A1.pdf")


def test_yaml_keeps_ids_as_written(tmp_path, fixture_settings):
    """YAML values stay text: an id 00123 keeps its zeros (no octal or date conversion)."""
    worklist = tmp_path / "w.yaml"
    worklist.write_text(
        "- {id: 00123, finding: tiny-spots, lang: en, level: easy, exam_date: 2026-11-20}\n"
    )
    report = run(worklist, tmp_path / "out", fixture_settings)
    assert report.rows[0].file == "00001-00123.pdf"


def test_names_come_from_id_and_row_never_the_patient(tmp_path, fixture_settings):
    """Default names are <row>-<id>.pdf; no file name contains the patient's name."""
    worklist = write_worklist(tmp_path / "w.csv", VALID)
    run(worklist, tmp_path / "out", fixture_settings)
    assert all(SECRET.split()[0] not in p.name for p in (tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{name}.pdf", "may not use {name}"),
        ("{exam_date}-{id}.pdf", "may not use {exam_date}"),
        ("{row}-{idd}.pdf", "unknown field {idd}; did you mean 'id'?"),
        ("{id.__class__}.pdf", "unknown field"),
        ("{id!r}.pdf", "unknown field {id!r}"),
        ("../{id}.pdf", "no folders"),
        ("sub/{id}.pdf", "no folders"),
        ("{id}", "must end with .pdf"),
        ("{finding}.pdf", "must contain {row} or {id}"),
    ],
)
def test_unsafe_name_patterns_are_refused(tmp_path, fixture_settings, pattern, message):
    """Patterns that use personal fields, unknown fields or folders are refused up front."""
    worklist = write_worklist(tmp_path / "w.csv", VALID)
    with pytest.raises(BatchInputError, match=message.replace("{", r"\{").replace("}", r"\}")):
        run(worklist, tmp_path / "out", fixture_settings, name_pattern=pattern)
    assert not (tmp_path / "out").exists() or not pdfs(tmp_path / "out")


def test_custom_name_pattern(tmp_path, fixture_settings):
    """Allowed fields format as in Python; values are made safe for file names."""
    rows = [{**VALID[0], "id": "ACC 1/2"}]
    worklist = write_worklist(tmp_path / "w.csv", rows)
    report = run(
        worklist, tmp_path / "out", fixture_settings, name_pattern="{lang}-{level}-{id}.pdf"
    )
    assert report.rows[0].file == "en-easy-ACC_1_2.pdf"


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "..", ".hidden", "a..b", "x\x00y", "..\\x"])
def test_traversal_attempts_are_rejected(tmp_path, fixture_settings, bad_id):
    """Ids that would leave the folder, hide the file or hold control characters are refused."""
    rows = [VALID[0], {**VALID[1], "id": bad_id}]
    worklist = write_worklist(tmp_path / "w.json", rows, "json")
    with pytest.raises(BatchInputError) as caught:
        run(worklist, tmp_path / "out", fixture_settings)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, "id")
    assert list(tmp_path.rglob("*.pdf")) == []


def test_rows_writing_the_same_file_are_all_rejected(tmp_path, fixture_settings):
    """Two rows mapping to one file (ignoring case) are an error for both, not an overwrite."""
    rows = [VALID[0], {**VALID[1], "id": "acc-001"}, VALID[2]]
    worklist = write_worklist(tmp_path / "w.csv", rows)
    with pytest.raises(BatchInputError) as caught:
        run(worklist, tmp_path / "out", fixture_settings, name_pattern="{id}.pdf")
    assert {(p.row, p.column) for p in caught.value.problems} == {(1, "id"), (2, "id")}
    assert "rows 1, 2 would all write" in caught.value.problems[0].message
    report = run(
        worklist, tmp_path / "out", fixture_settings, name_pattern="{id}.pdf", skip_invalid=True
    )
    assert [r.status for r in report.rows] == ["rejected", "rejected", "written"]


def test_manifest_rows_and_hashes_match_files(tmp_path, fixture_settings):
    """manifest.csv has one row per worklist row; each sha256 and page count matches its file."""
    worklist = write_worklist(tmp_path / "w.csv", VALID)
    run(worklist, tmp_path / "out", fixture_settings)
    with (tmp_path / "out" / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "row",
        "id",
        "file",
        "finding",
        "lang",
        "level",
        "content_version",
        "review_status",
        "pages",
        "sha256",
        "status",
        "error",
    ]
    assert [r["id"] for r in rows] == ["ACC-001", "ACC-002", "ACC-003"]
    for row in rows:
        data = (tmp_path / "out" / row["file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert int(row["pages"]) == len(pdf_reader(data).pages)
        assert (row["content_version"], row["review_status"]) == ("test.1", "pending")


def test_manifest_json(tmp_path, fixture_settings):
    """--manifest-format json writes the same records as a JSON list."""
    worklist = write_worklist(tmp_path / "w.csv", VALID)
    run(worklist, tmp_path / "out", fixture_settings, manifest_format="json")
    rows = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [r["row"] for r in rows] == [1, 2, 3] and rows[0]["pages"] == 2
    assert read_manifest(tmp_path / "out" / "manifest.json")[2].status == "written"


def test_resume_after_an_interrupted_run_gives_the_same_files(tmp_path, fixture_settings):
    """Lost or altered files and rows missing from the manifest are redone; the rest skipped."""
    worklist = write_worklist(tmp_path / "w.csv", VALID + [{**VALID[2], "id": "ACC-004"}])
    out = tmp_path / "out"
    run(worklist, out, fixture_settings)
    complete = pdfs(out)
    manifest = out / "manifest.csv"
    # Simulate an interruption: the last row never reached the manifest, one file was lost and
    # one was left damaged.
    manifest.write_text("".join(manifest.read_text().splitlines(keepends=True)[:-1]))
    (out / "00001-ACC-001.pdf").unlink()
    (out / "00002-ACC-002.pdf").write_bytes(b"%PDF-1.4 truncated")
    report = run(worklist, out, fixture_settings, resume=True)
    assert [r.status for r in report.rows] == ["written", "written", "skipped", "written"]
    assert pdfs(out) == complete
    again = run(worklist, out, fixture_settings, resume=True)
    assert again.count("skipped") == 4 and pdfs(out) == complete


def test_interrupt_leaves_no_partial_file_and_resume_finishes(
    tmp_path, fixture_settings, monkeypatch
):
    """Ctrl-C mid-run keeps finished files, records them, leaves no temp file; resume completes."""
    worklist = write_worklist(tmp_path / "w.csv", VALID)
    out = tmp_path / "out"
    real = Engine.render

    def render(self, request):
        if request.level == "detailed":
            raise KeyboardInterrupt
        return real(self, request)

    monkeypatch.setattr(Engine, "render", render)
    with pytest.raises(KeyboardInterrupt):
        run(worklist, out, fixture_settings)
    assert [r.status for r in read_manifest(out / "manifest.csv")] == ["written", "written"]
    assert sorted(p.name for p in out.iterdir()) == [
        "00001-ACC-001.pdf",
        "00002-ACC-002.pdf",
        "manifest.csv",
    ]
    monkeypatch.setattr(Engine, "render", real)
    report = run(worklist, out, fixture_settings, resume=True)
    assert [r.status for r in report.rows] == ["skipped", "skipped", "written"]


def test_jobs_do_not_change_a_byte(tmp_path, fixture_settings):
    """--jobs 1 and --jobs 2 give byte-identical PDFs, print file and manifest."""
    rows = [{**VALID[i % 3], "id": f"ACC-{i:03d}"} for i in range(12)]
    worklist = write_worklist(tmp_path / "w.csv", rows)
    for jobs in (1, 2):
        run(
            worklist,
            tmp_path / f"j{jobs}",
            fixture_settings,
            jobs=jobs,
            merge=tmp_path / f"j{jobs}" / "print.pdf",
        )
    assert pdfs(tmp_path / "j1") == pdfs(tmp_path / "j2")
    assert len(pdfs(tmp_path / "j1")) == 13
    manifest = "manifest.csv"
    assert (tmp_path / "j1" / manifest).read_bytes() == (tmp_path / "j2" / manifest).read_bytes()


def test_a_row_failing_while_rendering_is_recorded_and_the_run_goes_on(
    tmp_path, fixture_settings, monkeypatch
):
    """Render errors fail their row only; an unexpected error's text (may hold data) is dropped."""
    worklist = write_worklist(tmp_path / "w.csv", VALID)
    real = Engine.render

    def render(self, request):
        if request.level == "easy":
            cause = LayoutError(f"Flowable <Paragraph {SECRET}> too large")
            msg = f"the leaflet could not be laid out on letter paper: {cause}"
            raise RenderError(msg) from cause
        if request.level == "standard":
            raise ValueError(f"boom {SECRET}")
        return real(self, request)

    monkeypatch.setattr(Engine, "render", render)
    report = run(worklist, tmp_path / "out", fixture_settings)
    assert [r.status for r in report.rows] == ["failed", "failed", "written"]
    assert report.rows[0].error.startswith("the leaflet could not be laid out on letter paper")
    assert report.rows[1].error.startswith("internal error (ValueError)")
    assert SECRET not in (tmp_path / "out" / "manifest.csv").read_text(encoding="utf-8")
    assert not report.ok


def test_layout_error_text_is_withheld(fixture_settings):
    """A library message quoted inside our error (it may hold patient text) is cut out."""
    from handout.batch import _safe_message

    try:
        try:
            raise ValueError(f"Flowable 'Name {SECRET}' too large")
        except ValueError as cause:
            raise RenderError(f"could not be laid out: {cause}") from cause
    except RenderError as err:
        assert SECRET not in _safe_message(err)


def test_shards_split_the_worklist_and_their_manifests_merge(tmp_path, fixture_settings):
    """--shard K/N takes rows with (row-1) mod N = K-1; merged shard manifests equal one run's."""
    rows = [{**VALID[i % 3], "id": f"ACC-{i:03d}"} for i in range(7)]
    worklist = write_worklist(tmp_path / "w.csv", rows)
    out = tmp_path / "shared"
    for k in (1, 2, 3):
        report = run(worklist, out, fixture_settings, shard=(k, 3))
        assert [r.row for r in report.rows] == list(range(k, 8, 3))
    shards = sorted(out.glob("manifest-*-of-3.csv"))
    assert len(shards) == 3
    assert merge_manifests(shards, tmp_path / "manifest.csv") == 7
    run(worklist, tmp_path / "single", fixture_settings)
    single = (tmp_path / "single" / "manifest.csv").read_bytes()
    assert (tmp_path / "manifest.csv").read_bytes() == single
    with pytest.raises(BatchInputError, match="more than one manifest"):
        merge_manifests([shards[0], shards[0]], tmp_path / "again.csv")


@pytest.mark.parametrize("values", [INVALID[i] for i in (0, 1, 2, 5, 6, 7)], ids=str)
def test_validation_uses_the_single_leaflet_rules(tmp_path, fixture_settings, values):
    """A bad value gets the very message `generate` gives for it, plus a suggestion."""
    exam = values.get("exam_date")
    follow = values.get("follow_up_date")
    request = LeafletRequest(
        finding=values["finding"],
        lang=values["lang"],
        level=values["level"],
        patient=Patient(
            name=values.get("name"),
            side=values.get("side"),
            exam_date=date.fromisoformat(exam) if exam else None,
            follow_up_date=date.fromisoformat(follow) if follow else None,
        ),
    )
    with pytest.raises(HandoutError) as single:
        Engine(fixture_settings).render(request)
    worklist = write_worklist(tmp_path / "w.csv", [values])
    with pytest.raises(BatchInputError) as batch:
        run(worklist, tmp_path / "out", fixture_settings)
    assert batch.value.problems[0].message.startswith(str(single.value))


# --------------------------------------------------------------------------- the command


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_cli_prints_a_summary_and_no_patient_data(runner, tmp_path, project):
    """The command prints one summary line; neither output nor manifest holds a patient's name."""
    worklist = write_worklist(tmp_path / "w.csv", VALID + INVALID)
    out = tmp_path / "out"
    args = ["--config", str(project), "batch", str(worklist), "-o", str(out), "-j", "2"]
    result = runner.invoke(cli, [*args, "--skip-invalid", "--merge", str(out / "print.pdf")])
    assert result.exit_code == 1, result.output
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("3 written, 0 skipped, 0 failed, 8 rejected in ")
    assert "leaflets/s" in summary
    assert "wrote" in result.stdout and "(3 leaflets, 6 pages)" in result.stdout
    logs = result.stdout + result.stderr
    for record in out.iterdir():
        if record.suffix in (".csv", ".json"):
            logs += record.read_text(encoding="utf-8")
    assert SECRET.split()[1] not in logs and SECRET.split()[0] not in logs
    assert not any(day in logs for day in ("20/11/2026", "2026-10-07", "2026-10-08"))


def test_cli_invalid_worklist_exits_1_and_lists_problems(runner, tmp_path, project):
    """An invalid worklist prints each problem with row and column, and exit code 1."""
    worklist = write_worklist(tmp_path / "w.csv", VALID + INVALID[:2])
    result = runner.invoke(
        cli, ["--config", str(project), "batch", str(worklist), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "error: row 4 (line 5), column finding: unknown finding 'tiny-spot'" in result.stderr
    assert "2 problem(s) in 2 row(s); nothing was printed" in result.stderr
    assert "Traceback" not in result.output and SECRET not in result.output


@pytest.mark.parametrize("shard", ["0/2", "3/2", "1-2", "a/b"])
def test_cli_bad_shard_is_a_usage_error(runner, tmp_path, shard):
    """--shard must be K/N with 1 <= K <= N (exit code 2)."""
    worklist = write_worklist(tmp_path / "w.csv", VALID)
    result = runner.invoke(cli, ["batch", str(worklist), "-o", str(tmp_path), "--shard", shard])
    assert result.exit_code == 2
    assert "K/N" in result.output


def test_cli_help_has_an_example(runner):
    """`handout batch --help` documents the columns and shows an example."""
    result = runner.invoke(cli, ["batch", "--help"])
    assert result.exit_code == 0
    assert "handout batch worklist.csv -o output/2026-11-26/" in result.output
    assert "follow_up_date" in result.output


# --------------------------------------------------------------------------- bundled content


def test_bundled_example_worklists_print(runner, tmp_path):
    """The shipped example worklists (CSV, JSON, YAML) validate and print with bundled content."""
    examples = Path(__file__).resolve().parent.parent / "examples"
    outputs = []
    for name in ("worklist.csv", "worklist.json", "worklist.yaml"):
        out = tmp_path / name
        result = runner.invoke(cli, ["batch", str(examples / name), "-o", str(out), "-j", "1"])
        assert result.exit_code == 0, result.output
        outputs.append(pdfs(out))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) >= 3


def test_bundled_content_end_to_end(runner, tmp_path):
    """A probably-benign worklist in English prints the patient's leaflet and a print file."""
    worklist = write_worklist(
        tmp_path / "w.csv",
        [
            {
                "id": "E2E-1",
                "finding": "probably-benign-calcifications",
                "lang": "en",
                "level": "easy",
                "name": "Maria Lopez",
                "exam_date": "2026-11-20",
                "side": "left",
            },
            {
                "id": "E2E-2",
                "finding": "probably-benign-calcifications",
                "lang": "en",
                "level": "standard",
            },
        ],
    )
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["batch", str(worklist), "-o", str(out), "--merge", str(out / "print.pdf"), "-j", "2"]
    )
    assert result.exit_code == 0, result.output
    text = pdf_text(out / "00001-E2E-1.pdf")
    assert "Maria Lopez" in text and "November 20, 2026" in text
    reader = pdf_reader(out / "print.pdf")
    assert [o.title for o in reader.outline] == ["E2E-1", "E2E-2"]
    assert "Maria" not in result.output


def test_birads_and_pictures_columns(tmp_path, fixture_settings):
    """`birads` follows generate's rule; `pictures` is yes or no (no pictures: a smaller file)."""
    rows = [
        {**VALID[2], "id": "P-yes"},
        {**VALID[2], "id": "P-no", "pictures": "No"},
        {**VALID[2], "id": "P-bad", "pictures": "maybe"},
        {**VALID[2], "id": "B-bad", "birads": "4a"},
    ]
    worklist = write_worklist(tmp_path / "w.csv", rows)
    report = run(worklist, tmp_path / "out", fixture_settings, skip_invalid=True)
    problems = {(p.row, p.column): p.message for p in report.problems}
    assert problems[(3, "pictures")] == "write yes or no"
    assert problems[(4, "birads")].startswith("birads: '4A' does not apply to tiny-spots")
    sizes = [(tmp_path / "out" / r.file).stat().st_size for r in report.rows[:2]]
    assert sizes[1] < sizes[0]


def test_large_print_column(tmp_path):
    """A large_print column prints that row's leaflet in large print (18 pt body text)."""
    from handout.batch import BatchOptions, generate_batch
    from handout.settings import Settings

    worklist = tmp_path / "w.csv"
    worklist.write_text(
        "id,finding,lang,level,large_print\nA1,macrocalcifications,en,easy,yes\n"
        "A2,macrocalcifications,en,easy,no\n",
        encoding="utf-8",
    )
    report = generate_batch(worklist, tmp_path / "out", Settings.bundled(), BatchOptions(jobs=1))
    pages = {row.id: row.pages for row in report.rows}
    assert pages["A1"] > pages["A2"]
