"""`handout validate`: prove the content is complete, consistent and readable.

Runs every check we can make without a human: each file against its schema (all problems, not just
the first), cross-file references and placeholders, review dates, the same sections and numbers in
every language as in English, every template rendered for every finding, language and level, and
then, on the leaflet the patient would actually get, the readability targets, the glossary rule and
the two-page limit. Readability is measured on the rendered leaflet's body text (headings, the key
facts table, the regulated density box and the small print excluded), not on the YAML, because the
patient reads the assembled leaflet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from handout.api import Engine
from handout.content import ContentLibrary, LanguageContent
from handout.errors import HandoutError
from handout.fonts import chain_for, describe_char, missing_characters
from handout.measure import (
    SAMPLE_PATIENT,
    TWO_PAGE_LEVELS,
    LeafletResult,
    measure_leaflet,
)
from handout.readability import supported_formulas
from handout.schema import (
    Catalog,
    ConditionalText,
    FindingFile,
    LanguageFile,
    NextStepsFile,
    Sentence,
    SharedFile,
)
from handout.settings import LEVELS, LeafletRequest, Patient, Settings

#: Review dates older than this are a warning: medical content must be re-checked regularly.
REVIEW_MAX_AGE_DAYS = 730
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    severity: Severity
    message: str


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    leaflets: list[LeafletResult] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.problems.append(Problem("error", message))

    def warning(self, message: str) -> None:
        self.problems.append(Problem("warning", message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def ok(self, strict: bool = False) -> bool:
        failed = [leaf for leaf in self.leaflets if not leaf.passed]
        return not self.errors and not failed and not (strict and self.warnings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok(),
            "errors": [p.message for p in self.errors],
            "warnings": [p.message for p in self.warnings],
            "leaflets": [leaf.as_dict() for leaf in self.leaflets],
        }


# ----------------------------------------------------------------------------- checks


def _check_files(library: ContentLibrary, code: str, report: ValidationReport) -> None:
    files: list[tuple[str, type[Any]]] = [
        (f"{code}/language.yaml", LanguageFile),
        (f"{code}/shared.yaml", SharedFile),
        (f"{code}/next-steps.yaml", NextStepsFile),
        *((f"{code}/findings/{fid}.yaml", FindingFile) for fid in library.catalog.findings),
    ]
    for relative, model in files:
        _, problems = library.load_file(relative, model, limit=None)
        for problem in problems:
            report.error(problem)


def _check_review_dates(content: LanguageContent, today: date, report: ValidationReport) -> None:
    parts = [
        ("language.yaml", content.language),
        ("shared.yaml", content.shared),
        ("next-steps.yaml", content.next_steps),
        *((f"findings/{f}.yaml", ff) for f, ff in content.findings.items()),
    ]
    for name, part in parts:
        age = (today - part.last_reviewed).days
        if age > REVIEW_MAX_AGE_DAYS:
            report.warning(
                f"content/{content.code}/{name}: last_reviewed {part.last_reviewed} is more than "
                "2 years old; check it against its sources and update the date"
            )
    translation = content.language.translation
    if translation.review != "reviewed":
        report.warning(
            f"content/{content.code}/language.yaml: translation.review is pending: no qualified "
            "medical reviewer has signed this text off"
        )


def _numbers(strings: list[str]) -> set[str]:
    return {n.replace(",", ".") for s in strings for n in _NUMBER.findall(s)}


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, (list, tuple)):
        return [s for v in obj for s in _strings(v)]
    return []


def _conditions(sentences: tuple[Sentence, ...]) -> list[tuple[str, ...]]:
    return [s.unless_birads for s in sentences if isinstance(s, ConditionalText)]


def _compare_with_english(
    english: LanguageContent, other: LanguageContent, report: ValidationReport
) -> None:
    """Same sections and the same numbers as the English source, so no language silently lacks
    a section or carries a different figure."""
    code = other.code
    for level in LEVELS:
        pairs: list[tuple[str, Any, Any]] = [
            (
                f"content/{code}/shared.yaml: levels.{level}",
                english.shared.levels[level],
                other.shared.levels[level],
            ),
        ]
        for nid, en_step in english.next_steps.levels[level].items():
            other_step = other.next_steps.levels[level].get(nid)
            if other_step is not None:
                pairs.append(
                    (f"content/{code}/next-steps.yaml: levels.{level}.{nid}", en_step, other_step)
                )
        for fid, en_finding in english.findings.items():
            en_level, other_level = en_finding.levels[level], other.findings[fid].levels[level]
            pairs.append(
                (f"content/{code}/findings/{fid}.yaml: levels.{level}", en_level, other_level)
            )
            for part in ("main_message", "summary"):
                en_cond = _conditions(getattr(en_level, part))
                other_cond = _conditions(getattr(other_level, part))
                if en_cond != other_cond:
                    report.error(
                        f"content/{code}/findings/{fid}.yaml: levels.{level}.{part}: sentences "
                        "left out for a BI-RADS subcategory differ from English "
                        f"({en_cond or 'none'} there, {other_cond or 'none'} here); mark the same "
                        "sentences with unless_birads"
                    )
        for where, en_part, other_part in pairs:
            en_sections, other_sections = set(en_part.sections), set(other_part.sections)
            if en_sections != other_sections:
                missing = sorted(en_sections - other_sections)
                extra = sorted(other_sections - en_sections)
                report.error(
                    f"{where}: sections differ from English"
                    + (f"; missing {', '.join(missing)}" if missing else "")
                    + (f"; not in English {', '.join(extra)}" if extra else "")
                )
            en_numbers = _numbers(_strings(en_part.model_dump()))
            other_numbers = _numbers(_strings(other_part.model_dump()))
            if en_numbers != other_numbers:
                missing = sorted(en_numbers - other_numbers, key=float)
                extra = sorted(other_numbers - en_numbers, key=float)
                report.error(
                    f"{where}: numbers differ from English"
                    + (f"; missing {', '.join(missing)}" if missing else "")
                    + (f"; not in English {', '.join(extra)}" if extra else "")
                )


def _check_picture_text(
    library: ContentLibrary, content: LanguageContent, report: ValidationReport
) -> None:
    """Pictures carry the main message; every language must supply their words."""
    code = content.code
    if content.language.pictures is None:
        report.error(f"content/{code}/language.yaml: pictures: missing (captions and labels)")
    for level in LEVELS:
        for nid in library.catalog.next_steps:
            step = content.next_steps.levels[level].get(nid)
            if step is not None and not step.timeline:
                report.error(
                    f"content/{code}/next-steps.yaml: levels.{level}.{nid}.timeline: missing "
                    "(1 to 4 steps after today, for the timeline picture)"
                )
        for fid, facts in library.catalog.findings.items():
            if facts.risk.kind != "range" and not content.findings[fid].levels[level].chance:
                report.error(
                    f"content/{code}/findings/{fid}.yaml: levels.{level}.chance: missing "
                    "(the sentence beside the icon array)"
                )


def _check_characters(content: LanguageContent, report: ValidationReport) -> None:
    chain = chain_for(content.code)
    parts = [
        ("language.yaml", content.language),
        ("shared.yaml", content.shared),
        ("next-steps.yaml", content.next_steps),
        *((f"findings/{f}.yaml", ff) for f, ff in content.findings.items()),
    ]
    for name, part in parts:
        text = "".join(_strings(part.model_dump()))
        for bold in (False, True):
            missing = missing_characters(text, chain, bold=bold)
            if missing:
                chars = ", ".join(describe_char(c) for c in missing)
                report.error(
                    f"content/{content.code}/{name}: {chars} cannot be printed with the "
                    "bundled fonts"
                )
                break


def validate_content(
    settings: Settings, languages: tuple[str, ...] | None = None, today: date | None = None
) -> ValidationReport:
    """Run every check; never raises for content problems (they go into the report)."""
    report = ValidationReport()
    today = today or date.today()
    try:
        library = ContentLibrary(settings.content_dirs)
    except HandoutError as err:
        report.error(str(err))
        return report
    catalog: Catalog = library.catalog
    if (today - catalog.last_reviewed).days > REVIEW_MAX_AGE_DAYS:
        report.warning(
            f"content/catalog.yaml: last_reviewed {catalog.last_reviewed} is over 2 years old"
        )
    codes = languages or library.available_languages()
    if "en" not in library.available_languages():
        report.error(
            "content/en/: English, the source every translation is compared with, is missing"
        )
    loaded: dict[str, LanguageContent] = {}
    for code in codes:
        before = len(report.errors)
        _check_files(library, code, report)
        if len(report.errors) > before:
            continue
        try:
            loaded[code] = library.language(code)
        except HandoutError as err:
            report.error(str(err))
            continue
        for problem in library.language_problems(loaded[code]):
            report.error(problem)
        _check_review_dates(loaded[code], today, report)
        _check_picture_text(library, loaded[code], report)
        _check_characters(loaded[code], report)
        if code != "en" and not supported_formulas(code):
            report.warning(
                f"content/{code}: no validated readability formula for this language; "
                "only sentence "
                "and paragraph length are measured, so a human review of reading level is needed"
            )
    english = loaded.get("en")
    if english is None and "en" in library.available_languages():
        try:
            english = library.language("en")
        except HandoutError:
            english = None
    if english is not None:
        for code, content in loaded.items():
            if code != "en":
                _compare_with_english(english, content, report)
    try:
        density = library.density()
        if not density.verified:
            report.warning(
                "content/regulated/density.yaml: verified is false: check every sentence against "
                "21 CFR 900.12(c)(2)(iii)-(iv) before relying on --density"
            )
    except HandoutError as err:
        report.error(str(err))
    try:
        engine = Engine(settings)
    except HandoutError as err:
        report.error(str(err))
        return report
    available = {code.lower() for code in library.available_languages()}
    for tag in engine.clinic.translations:
        if tag.lower() not in available:
            report.warning(
                f"clinic file: translations.{tag}: there is no content in that language, so it is "
                f"never used; use a tag from `handout list languages`"
            )
    for code, content in loaded.items():
        for finding in catalog.findings:
            for level in LEVELS:
                try:
                    report.leaflets.append(measure_leaflet(engine, finding, code, level, content))
                except (HandoutError, ValueError) as err:
                    report.error(f"{finding} / {code} / {level}: {err}")
            if density_ok(library):
                request = LeafletRequest(finding=finding, lang=code, density="dense")
                try:
                    engine.document(request)
                except HandoutError as err:
                    report.error(f"{finding} / {code} / with --density: {err}")
    _check_variants(engine, loaded, catalog, report)
    return report


#: Patient data and options that make a leaflet longer than the sample one: a booked date (dates
#: wrap in the timeline), a BI-RADS 4 subcategory (adds the icon array), the density statement.
VARIANT_PATIENT = Patient(
    name="Sample Patient-Longername",
    exam_date=date(2026, 11, 20),
    side="both",
    follow_up_date=date(2027, 12, 28),
)


def _check_variants(
    engine: Engine,
    loaded: dict[str, LanguageContent],
    catalog: Catalog,
    report: ValidationReport,
) -> None:
    """Warn where a real-world variant of an easy or standard leaflet runs past two pages.

    The PASS/FAIL table measures one sample patient in the level's own layout; these variants are
    measured as they print (handout.fit may set them tighter), on Letter and A4, and are warnings,
    so a clinic knows which combinations print on a third page before it finds out at the printer.
    """
    from handout.fit import render_fitted

    for code in loaded:
        for finding, facts in catalog.findings.items():
            variants: list[tuple[str, LeafletRequest]] = [
                (
                    "with a booked follow-up date",
                    LeafletRequest(finding=finding, lang=code, patient=VARIANT_PATIENT),
                ),
                (
                    "with --density dense",
                    LeafletRequest(
                        finding=finding, lang=code, patient=SAMPLE_PATIENT, density="dense"
                    ),
                ),
            ]
            variants += [
                (
                    f"with --birads {sub}",
                    LeafletRequest(finding=finding, lang=code, patient=SAMPLE_PATIENT, birads=sub),
                )
                for sub in facts.subcategories
            ]
            for level in TWO_PAGE_LEVELS:
                for label, request in variants:
                    request = replace(request, level=level)
                    try:
                        doc, _, _ = engine.document(request)
                        options = engine.render_options(request)
                        for size in ("letter", "a4"):
                            fitted = render_fitted(doc, level, size, options)
                            if not fitted.within_budget:
                                report.warning(
                                    f"{finding} / {code} / {level} {label}: {fitted.pages} pages "
                                    f"on {size.capitalize()} even in the tightest layout "
                                    "(more than one duplex sheet)"
                                )
                    except HandoutError as err:
                        report.error(f"{finding} / {code} / {level} {label}: {err}")


def density_ok(library: ContentLibrary) -> bool:
    try:
        library.density()
    except HandoutError:
        return False
    return True


def format_table(report: ValidationReport) -> str:
    """A fixed-width table: one row per leaflet, the measured values and PASS/FAIL."""
    header = (
        f"{'finding':<34} {'lang':<5} {'level':<9} {'formulas':<26} "
        f"{'w/sent':>6} {'para':>4} {'pages':>5} {'fill':>5} {'terms':>5}  result"
    )
    lines = [header, "-" * len(header)]
    names = {"fk_grade": "FK", "smog": "SMOG", "fernandez_huerta": "FH", "szigriszt_pazos": "SzP"}
    for leaf in report.leaflets:
        formulas = " ".join(f"{names.get(k, k)} {v:.1f}" for k, v in leaf.metrics.items()) or "-"
        pages = max(leaf.pages.values()) if leaf.pages else 0
        failed = [c.name for c in leaf.checks if not c.passed]
        if not leaf.pages_ok:
            failed.append("pages")
        if leaf.glossary:
            failed.append("glossary")
        result = "PASS" if leaf.passed else "FAIL " + ",".join(failed)
        # Words per sentence; characters ("c") for scripts written without spaces.
        sentence = (
            f"{leaf.avg_sentence_chars:.1f}c"
            if leaf.avg_sentence_chars is not None
            else f"{leaf.avg_sentence_words:.1f}"
        )
        lines.append(
            f"{leaf.finding:<34} {leaf.lang:<5} {leaf.level:<9} {formulas:<26} "
            f"{sentence:>6} {leaf.max_paragraph_sentences:>4} {pages:>5} "
            f"{leaf.fill:>5.2f} "
            f"{len(leaf.glossary):>5}  {result}"
        )
    return "\n".join(lines)


__all__ = [
    "ValidationReport",
    "format_table",
    "validate_content",
]
