"""`handout validate`: it passes on good content and fails, loudly, on each kind of defect."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import yaml
from click.testing import CliRunner

from handout.cli import cli
from handout.settings import Settings
from handout.validate import validate_content

HARD = (
    "Microcalcifications demonstrating heterogeneous morphological characteristics necessitate "
    "comprehensive histopathological evaluation, because radiological differentiation between "
    "proliferative benign processes and ductal carcinoma in situ remains fundamentally unreliable "
    "notwithstanding technological improvements in digital mammographic acquisition."
)


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _add_spanish_copy(project: Path) -> Path:
    """A second language that mirrors the fixture's English, so cross-language checks run."""
    es = project / "content" / "es"
    shutil.copytree(project / "content" / "en", es)
    _edit(
        es / "language.yaml", lambda d: d.update(code="es", name="Spanish", native_name="Español")
    )
    return es


def test_fixture_passes(fixture_settings):
    """The minimal fixture project meets every target (it is the baseline the defects break)."""
    report = validate_content(fixture_settings, today=date(2026, 11, 26))
    assert report.errors == []
    assert [leaf.passed for leaf in report.leaflets] == [True, True, True]
    assert report.ok()


def test_hard_text_fails_readability(fixture_settings, project):
    """A deliberately hard main message fails the easy and standard grade targets."""
    path = project / "content" / "en" / "findings" / "tiny-spots.yaml"
    _edit(path, lambda d: [lv.update(main_message=[HARD]) for lv in d["levels"].values()])
    report = validate_content(fixture_settings, today=date(2026, 11, 26))
    failed = {leaf.level: [c.name for c in leaf.checks if not c.passed] for leaf in report.leaflets}
    assert "fk_grade" in failed["easy"] and "smog" in failed["easy"]
    assert "fk_grade" in failed["standard"]
    assert not report.ok()


def test_unexplained_term_fails_glossary(fixture_settings, project):
    """A glossary term whose first use is not marked and explained fails at easy/standard."""
    path = project / "content" / "en" / "findings" / "tiny-spots.yaml"
    _edit(
        path,
        lambda d: [lv.update(questions=["Do I need a biopsy?"]) for lv in d["levels"].values()],
    )
    report = validate_content(fixture_settings, today=date(2026, 11, 26))
    by_level = {leaf.level: leaf for leaf in report.leaflets}
    assert any("'biopsy'" in g for g in by_level["easy"].glossary)
    assert not by_level["standard"].passed
    assert by_level["detailed"].passed


def test_language_missing_a_section_is_an_error(fixture_settings, project):
    """A translation without a section English has is reported, never silently skipped."""
    es = _add_spanish_copy(project)
    _edit(
        es / "findings" / "tiny-spots.yaml",
        lambda d: d["levels"]["standard"]["sections"].pop("follow-up-plan"),
    )
    report = validate_content(fixture_settings, today=date(2026, 11, 26))
    messages = [p.message for p in report.errors]
    assert any(
        "es/findings/tiny-spots.yaml" in m and "missing follow-up-plan" in m for m in messages
    ), messages


def test_different_numbers_are_an_error(fixture_settings, project):
    """A translation carrying a different figure than English is reported."""
    es = _add_spanish_copy(project)
    _edit(
        es / "findings" / "tiny-spots.yaml",
        lambda d: d["levels"]["easy"].update(main_message=["Son 3 de cada 100."]),
    )
    report = validate_content(fixture_settings, today=date(2026, 11, 26))
    assert any(
        "levels.easy: numbers differ from English" in p.message and "not in English 3" in p.message
        for p in report.errors
    )


def test_old_review_date_warns_and_strict_fails(fixture_settings):
    """Content reviewed over two years ago is a warning; --strict makes warnings fatal."""
    report = validate_content(fixture_settings, today=date(2029, 1, 1))
    assert any("more than 2 years old" in p.message for p in report.warnings)
    assert report.ok() and not report.ok(strict=True)


def test_cli_json_and_exit_code(tmp_path):
    """--format json is machine-readable; a broken clinic override fails with exit code 1."""
    config = tmp_path / "my-clinic"
    (config / "content").mkdir(parents=True)
    (config / "content" / "catalog.yaml").write_text(
        "findings:\n  macrocalcifications:\n    next_step: surgery\n"
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "validate", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    assert any("unknown next step 'surgery'" in e for e in data["errors"]), data["errors"]


def test_bundled_content_passes():
    """Every bundled finding x language x level meets its targets and fits its page limit."""
    report = validate_content(Settings.bundled())
    assert report.errors == [], [p.message for p in report.errors]
    failed = [leaf.as_dict() for leaf in report.leaflets if not leaf.passed]
    assert failed == []
    assert {leaf.lang for leaf in report.leaflets} >= {"en", "es"}
    assert len(report.leaflets) == 6 * 3 * len({leaf.lang for leaf in report.leaflets})


def test_a_language_must_leave_out_the_same_sentences_as_english():
    """A translation whose 4C-only sentence is plain text (printed for everyone) is an error."""
    from dataclasses import replace

    from handout.content import ContentLibrary
    from handout.schema import sentence_text
    from handout.validate import ValidationReport, _compare_with_english

    library = ContentLibrary(Settings.bundled().content_dirs)
    english, spanish = library.language("en"), library.language("es")
    finding = spanish.findings["suspicious-calcifications"]
    easy = finding.levels["easy"]
    plain = tuple(sentence_text(s) for s in easy.main_message)
    broken_easy = easy.model_copy(update={"main_message": plain})
    broken_finding = finding.model_copy(update={"levels": {**finding.levels, "easy": broken_easy}})
    broken = replace(
        spanish, findings={**spanish.findings, "suspicious-calcifications": broken_finding}
    )
    report = ValidationReport()
    _compare_with_english(english, spanish, report)
    assert not report.errors, report.errors
    _compare_with_english(english, broken, report)
    [error] = report.errors
    assert "es/findings/suspicious-calcifications.yaml: levels.easy.main_message" in error.message
    assert "unless_birads" in error.message


def test_clinic_translation_for_a_language_with_no_content_is_reported(fixture_settings, tmp_path):
    """A misspelt language tag in the clinic's translations would never be used: say so."""
    from dataclasses import replace

    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(
        "name: C\nphone: '1'\nhours: '9-5'\ntranslations:\n  en: {hours: '9 to 5'}\n"
        "  sp: {hours: 'de 9 a 5'}\n"
    )
    report = validate_content(replace(fixture_settings, clinic_file=clinic))
    messages = [p.message for p in report.warnings]
    assert any(m.startswith("clinic file: translations.sp: there is no content") for m in messages)
    assert not any("translations.en" in m for m in messages)
