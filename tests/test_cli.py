"""The `handout` command end to end: options, output files, messages and exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from handout import __version__
from handout.cli import cli

from .conftest import pdf_text


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version(runner):
    """--version prints the package version."""
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_generate_writes_a_leaflet(runner, tmp_path):
    """The README's example writes a PDF with the patient's name and next step."""
    out = tmp_path / "maria.pdf"
    result = runner.invoke(
        cli,
        [
            "generate",
            "--finding",
            "probably-benign-calcifications",
            "--lang",
            "en",
            "--level",
            "easy",
            "--name",
            "Maria Lopez",
            "--exam-date",
            "2026-11-20",
            "--side",
            "left",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "Maria" not in result.output
    text = pdf_text(out)
    assert "Maria Lopez" in text
    assert "November 20, 2026" in text


def test_default_output_name_never_uses_patient_name(runner, tmp_path, monkeypatch):
    """Without -o the file goes to output/<finding>-<lang>-<level>.pdf."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        cli, ["generate", "--finding", "macrocalcifications", "--name", "Secret Person"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "output" / "macrocalcifications-en-standard.pdf").is_file()
    assert not list((tmp_path / "output").glob("*Secret*"))


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--finding", "nope"], 1, "unknown finding 'nope'; available: macrocalcifications"),
        (
            ["--finding", "macrocalcifications", "--lang", "xx"],
            1,
            "unknown language 'xx'; available:",
        ),
        (["--finding", "macrocalcifications", "--level", "hard"], 2, "'hard' is not one of"),
        (["--finding", "macrocalcifications", "--exam-date", "2026-13-01"], 2, "YYYY-MM-DD"),
        (["--finding", "macrocalcifications", "--next-step", "surgery"], 1, "unknown next step"),
        (
            ["--finding", "macrocalcifications", "--name", "A \U0001f600"],
            1,
            "name: character U+1F600",
        ),
        (
            [
                "--finding",
                "macrocalcifications",
                "--exam-date",
                "2026-11-20",
                "--follow-up-date",
                "2026-01-01",
            ],
            1,
            "follow-up date: is before the mammogram date",
        ),
    ],
)
def test_errors_are_one_line_and_leave_no_file(runner, tmp_path, args, code, message):
    """Each bad input gives its message and exit code, no traceback, and no output file."""
    out = tmp_path / "x.pdf"
    result = runner.invoke(cli, ["generate", *args, "-o", str(out)])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_a_clear_error(runner, tmp_path):
    """Writing into a path under a regular file fails with a message, not a traceback."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(
        cli, ["generate", "--finding", "macrocalcifications", "-o", str(blocker / "a.pdf")]
    )
    assert result.exit_code == 1
    assert "cannot write" in result.output
    assert "Traceback" not in result.output


def test_malformed_clinic_file(runner, tmp_path):
    """A clinic file with a typo names the file and key."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: X\nphone: '1'\nhours: '9-5'\nfax: '2'\n")
    result = runner.invoke(
        cli,
        [
            "generate",
            "--finding",
            "macrocalcifications",
            "--clinic",
            str(clinic),
            "-o",
            str(tmp_path / "a.pdf"),
        ],
    )
    assert result.exit_code == 1
    assert "clinic.yaml: fax: Extra inputs are not permitted" in result.output


def test_list_commands(runner):
    """`list` shows findings with BI-RADS, languages with review status, and levels."""
    findings = runner.invoke(cli, ["list", "findings"])
    assert findings.exit_code == 0
    assert "probably-benign-calcifications" in findings.output and "BI-RADS 3" in findings.output
    languages = runner.invoke(cli, ["list", "languages"])
    assert "en" in languages.output and "review" in languages.output
    levels = runner.invoke(cli, ["list", "levels"])
    assert all(lv in levels.output for lv in ("easy", "standard", "detailed"))


def test_python_dash_m_works_like_the_command(tmp_path):
    """`python -m handout` is the same program."""
    result = subprocess.run(
        [sys.executable, "-m", "handout", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert __version__ in result.stdout
