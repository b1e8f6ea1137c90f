"""Find, merge and validate content YAML.

Content is loaded once per process and reused for every leaflet (batch runs print thousands). Each
file
is validated against a pydantic schema on load, so a typo in a key or a missing section is reported
with
the file and the key path, before anything is drawn. A clinic folder may hold partial copies of
bundled
files: they are deep-merged over the bundled file (mappings merge, everything else is replaced), so
a
clinic can change one section of one finding in one language and inherit everything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from handout.errors import ContentError, NotFoundError
from handout.settings import LEVELS, Level

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Placeholders a content string may use; anything else in braces is an error.
CONTENT_PLACEHOLDERS = frozenset(
    {"breast", "timing", "clinic_name", "clinic_phone", "clinic_hours"}
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

SHARED_SECTIONS = frozenset(
    {"what-are-calcifications", "benign-causes", "prepare", "questions", "contact"}
)
NEXT_STEP_SECTIONS = frozenset({"next-steps", "what-its-like", "prepare", "results"})
FINDING_SECTIONS = frozenset({"what-we-found", "what-it-means", "follow-up-plan"})
#: Fallbacks for BCP 47 tags whose content lives under another tag (never a different language).
LANGUAGE_ALIASES = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Block(_Model):
    """One block of body text; exactly one of its keys is set."""

    p: str | None = None
    bullets: tuple[str, ...] | None = None
    steps: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Block:
        given = [k for k in ("p", "bullets", "steps") if getattr(self, k) is not None]
        if len(given) != 1:
            msg = "a block needs exactly one of p, bullets, steps"
            raise ValueError(msg)
        return self

    @property
    def kind(self) -> str:
        return "p" if self.p is not None else "bullets" if self.bullets is not None else "steps"

    def strings(self) -> tuple[str, ...]:
        if self.p is not None:
            return (self.p,)
        return self.bullets or self.steps or ()


class Section(_Model):
    heading: str = Field(min_length=1)
    body: tuple[Block, ...] = Field(min_length=1)


def _check_section_ids(sections: dict[str, Section], allowed: frozenset[str]) -> dict[str, Section]:
    unknown = sorted(set(sections) - allowed)
    if unknown:
        msg = f"unknown section id(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        raise ValueError(msg)
    return sections


class _Sourced(_Model):
    sources: tuple[str, ...] = Field(min_length=1)
    last_reviewed: date


class _Levelled(_Sourced):
    """A text file with one entry per reading level; every level must be present."""

    @field_validator("levels", check_fields=False)
    @classmethod
    def _all_levels(cls, levels: dict[str, Any]) -> dict[str, Any]:
        missing = [lv for lv in LEVELS if lv not in levels]
        if missing:
            msg = f"missing reading level(s): {', '.join(missing)}"
            raise ValueError(msg)
        return levels


class SharedLevel(_Model):
    sections: dict[str, Section]

    @field_validator("sections")
    @classmethod
    def _ids(cls, v: dict[str, Section]) -> dict[str, Section]:
        _check_section_ids(v, SHARED_SECTIONS)
        missing = sorted(SHARED_SECTIONS - set(v))
        if missing:
            msg = f"missing shared section(s): {', '.join(missing)}"
            raise ValueError(msg)
        return v


class SharedFile(_Levelled):
    levels: dict[Level, SharedLevel]


class TimelineStepText(_Model):
    """One step on the "what happens next" timeline; `when` may use {timing}."""

    label: str = Field(min_length=1)
    when: str | None = None


class NextStepText(_Model):
    name: str = Field(min_length=1)
    sections: dict[str, Section]
    #: Steps after "today" for the timeline picture (1 to 4). Optional in the schema so a
    #: language can be loaded while it is being written; `handout validate` requires it.
    timeline: tuple[TimelineStepText, ...] = Field(default=(), max_length=4)

    @field_validator("sections")
    @classmethod
    def _ids(cls, v: dict[str, Section]) -> dict[str, Section]:
        _check_section_ids(v, NEXT_STEP_SECTIONS)
        for required in ("next-steps", "what-its-like"):
            if required not in v:
                msg = f"missing section {required}"
                raise ValueError(msg)
        return v


class NextStepsFile(_Levelled):
    levels: dict[Level, dict[str, NextStepText]]


class FindingLevel(_Model):
    title: str = Field(min_length=1)
    summary_line: str = Field(min_length=1)
    main_message: tuple[str, ...] = Field(min_length=1, max_length=2)
    sections: dict[str, Section]
    questions: tuple[str, ...] = ()
    summary: tuple[str, ...] = Field(min_length=1, max_length=5)
    #: The chance in one sentence, printed beside the icon array ("2 or fewer in 100 ...").
    #: Optional in the schema; `handout validate` requires it.
    chance: str | None = None

    @field_validator("sections")
    @classmethod
    def _ids(cls, v: dict[str, Section]) -> dict[str, Section]:
        _check_section_ids(v, FINDING_SECTIONS)
        for required in ("what-we-found", "what-it-means"):
            if required not in v:
                msg = f"missing section {required}"
                raise ValueError(msg)
        return v


class FindingFile(_Levelled):
    levels: dict[Level, FindingLevel]


class Translation(_Model):
    original: bool
    source_language: str | None = None
    translator: str = Field(min_length=1)
    review: Literal["pending", "reviewed"]
    reviewed_by: str | None = None
    review_date: date | None = None

    @model_validator(mode="after")
    def _reviewed_needs_reviewer(self) -> Translation:
        if self.review == "reviewed" and not (self.reviewed_by and self.review_date):
            msg = "review: reviewed needs reviewed_by and review_date"
            raise ValueError(msg)
        return self


class Labels(_Model):
    name: str
    exam_date: str
    side: str
    result: str
    birads: str
    next_step: str
    when: str
    page: str
    sources: str
    footer: str
    write_here: str
    summary: str
    density: str
    density_notice: str
    prepared_by: str


class BreastPhrases(_Model):
    left: str
    right: str
    both: str
    unknown: str


class SideNames(_Model):
    left: str
    right: str
    both: str


class Phrases(_Model):
    breast: BreastPhrases
    side_name: SideNames


class PanelCaptions(_Model):
    macro: str
    micro_scattered: str = Field(alias="micro-scattered")
    micro_grouped: str = Field(alias="micro-grouped")
    micro_linear: str = Field(alias="micro-linear")


class PictureLabels(_Model):
    """Words drawn inside the pictures (issue: they must translate, so they live in content)."""

    panels: PanelCaptions
    yours: str
    legend_filled: str
    legend_open: str
    legend_range: str
    today: str
    #: Caption for a BI-RADS 4 subcategory: {category} (4A...), {low} and {high} from the catalogue.
    subcategory_chance: str
    qr: str


class LanguageFile(_Sourced):
    code: str
    name: str
    native_name: str
    direction: Literal["ltr", "rtl"]
    translation: Translation
    labels: Labels
    phrases: Phrases
    timings: dict[str, str]
    glossary: dict[str, tuple[str, ...]] = {}
    pictures: PictureLabels | None = None
    #: CLDR locale for dates when Babel has none for this language (Haitian Creole: fr_HT).
    date_locale: str | None = None


class Risk(_Model):
    kind: Literal["essentially-none", "at-most", "at-least", "range", "callback"]
    per_100_max: int | None = None
    per_100_min: int | None = None
    per_100_above: int | None = None
    per_100_below: int | None = None
    source: str = Field(min_length=1)


class SubcategoryRisk(_Model):
    per_100_above: int | None = None
    per_100_max: int | None = None
    per_100_below: int | None = None
    source: str = Field(min_length=1)


class FindingFacts(_Model):
    birads: Literal["0", "1", "2", "3", "4", "5", "6"]
    morphology: Literal["macro", "micro"]
    distribution: Literal["scattered", "grouped", "linear"]
    next_step: str
    timing: str
    schedule_months: tuple[int, ...] = ()
    risk: Risk
    subcategories: dict[str, SubcategoryRisk] = {}


class NextStepFacts(_Model):
    default_timing: str


class Catalog(_Sourced):
    content_version: str
    timings: tuple[str, ...]
    next_steps: dict[str, NextStepFacts]
    findings: dict[str, FindingFacts]

    @model_validator(mode="after")
    def _references(self) -> Catalog:
        for fid, f in self.findings.items():
            if f.next_step not in self.next_steps:
                msg = f"findings.{fid}.next_step: unknown next step {f.next_step!r}"
                raise ValueError(msg)
            if f.timing not in self.timings:
                msg = f"findings.{fid}.timing: unknown timing {f.timing!r}"
                raise ValueError(msg)
        for nid, n in self.next_steps.items():
            if n.default_timing not in self.timings:
                msg = f"next_steps.{nid}.default_timing: unknown timing {n.default_timing!r}"
                raise ValueError(msg)
        return self


class SourceRef(_Model):
    short: str = Field(min_length=1)
    full: str = Field(min_length=1)


class SourcesFile(_Model):
    """The bibliography: content files cite ids from here, the leaflet prints the short names."""

    sources: dict[str, SourceRef]


class DensityTranslation(_Model):
    dense: str
    not_dense: str = Field(alias="not-dense")
    review: Literal["pending", "reviewed"]
    source: str | None = None


class DensityFile(_Model):
    model_config = ConfigDict(extra="allow", frozen=True)
    citation: str
    source: str
    effective: date
    last_reviewed: date
    verified: bool
    statements: dict[Literal["dense", "not-dense"], dict[str, str]]
    translations: dict[str, DensityTranslation] = {}


# --------------------------------------------------------------------------- loading


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        msg = f"{display_path(path)}: not UTF-8 text ({err.reason}); save the file as UTF-8"
        raise ContentError(msg) from err
    except OSError as err:
        msg = f"{display_path(path)}: cannot read ({err.strerror})"
        raise ContentError(msg) from err
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        msg = f"{display_path(path)}:{where}: invalid YAML ({problem}); fix the syntax there"
        raise ContentError(msg) from err


def deep_merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; any other value in the override replaces the base value."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


def format_validation_error(path: str, err: ValidationError, limit: int = 1) -> str:
    """One line per problem: file, dotted key path, what is wrong."""
    lines = []
    errors = err.errors()
    for e in errors[:limit]:
        loc = ".".join(str(p) for p in e["loc"] if p not in ("function-after",))
        text = e["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {loc or '(top level)'}: {text}")
    more = len(errors) - limit
    if more > 0:
        lines[-1] += f" (and {more} more problem(s); run `handout validate`)"
    return "\n".join(lines)


def _placeholder_problems(value: Any, loc: str, allowed: frozenset[str]) -> Iterator[str]:
    if isinstance(value, str):
        for name in _PLACEHOLDER.findall(value):
            if name not in allowed:
                yield f"{loc}: unknown placeholder {{{name}}}; allowed: " + ", ".join(
                    "{" + a + "}" for a in sorted(allowed)
                )
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _placeholder_problems(v, f"{loc}.{k}" if loc else str(k), allowed)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _placeholder_problems(v, f"{loc}[{i}]", allowed)


@dataclass(frozen=True)
class DensityStatement:
    text: str
    lang: str
    warning: str | None
    citation: str


@dataclass(frozen=True)
class LanguageContent:
    """All validated text of one language, and the files it came from."""

    code: str
    language: LanguageFile
    shared: SharedFile
    next_steps: NextStepsFile
    findings: dict[str, FindingFile]
    files: tuple[Path, ...]

    def sources(self, finding: str) -> tuple[str, ...]:
        """Source ids of every file one leaflet draws from, de-duplicated, in a stable order."""
        seen: dict[str, None] = {}
        for part in (self.findings[finding], self.next_steps, self.shared, self.language):
            for s in part.sources:
                seen.setdefault(s, None)
        return tuple(seen)

    def last_reviewed(self, finding: str) -> date:
        """The oldest review date of the parts a leaflet uses: a leaflet is only that fresh."""
        parts = (self.findings[finding], self.next_steps, self.shared, self.language)
        return min(p.last_reviewed for p in parts)


class ContentLibrary:
    """Validated content from a search path of content folders (clinic overrides first).

    Languages are loaded on first use and cached, so printing one leaflet does not pay for (or fail
    on) every other language, while a batch pays for each language once.
    """

    def __init__(self, content_dirs: tuple[Path, ...]) -> None:
        if not content_dirs:
            msg = "no content folder given"
            raise ContentError(msg)
        self.content_dirs = content_dirs
        self._languages: dict[str, LanguageContent] = {}
        self.catalog: Catalog = self._load("catalog.yaml", Catalog)
        self.bibliography: SourcesFile = self._load("sources.yaml", SourcesFile)
        unknown = [s for s in self.catalog.sources if s not in self.bibliography.sources]
        if unknown:
            msg = f"content/catalog.yaml: sources: unknown source id(s) {', '.join(unknown)}"
            raise ContentError(msg + "; add them to content/sources.yaml")
        self._density: DensityFile | None = None

    # -- files ------------------------------------------------------------------------------
    def _layers(self, relative: str) -> list[Path]:
        """Existing copies of one content file, bundled (last dir) first, overrides after."""
        return [d / relative for d in reversed(self.content_dirs) if (d / relative).is_file()]

    def _load(self, relative: str, model: type[Any]) -> Any:
        obj, problems = self.load_file(relative, model, limit=1)
        if problems:
            raise ContentError(problems[0])
        return obj

    def load_file(
        self, relative: str, model: type[Any], limit: int | None = 1
    ) -> tuple[Any, list[str]]:
        """Load one content file (merged over its bundled original) -> (model or None, problems).

        `limit` caps how many schema problems are listed individually (None: all, for validate).
        """
        layers = self._layers(relative)
        if not layers:
            searched = ", ".join(display_path(d / relative) for d in self.content_dirs)
            return None, [f"content file {relative} not found (searched: {searched})"]
        data: Any = None
        try:
            for path in layers:
                raw = _read_yaml(path)
                if not isinstance(raw, dict):
                    msg = f"{display_path(path)}: the top level must be a mapping of keys to values"
                    raise ContentError(msg)
                data = raw if data is None else deep_merge(data, raw)
        except ContentError as err:
            return None, [str(err)]
        where = display_path(layers[-1])
        if len(layers) > 1:
            where += f" (merged over {display_path(layers[0])})"
        try:
            return model.model_validate(data), []
        except ValidationError as err:
            count = limit if limit is not None else len(err.errors())
            return None, format_validation_error(where, err, limit=count).splitlines()

    # -- languages ---------------------------------------------------------------------------
    def available_languages(self) -> tuple[str, ...]:
        codes: set[str] = set()
        for d in self.content_dirs:
            if d.is_dir():
                codes.update(p.parent.name for p in d.glob("*/language.yaml"))
        return tuple(sorted(codes))

    def resolve_language(self, tag: str) -> str:
        """BCP 47 tag -> the content folder to use; es-MX falls back to es, zh to zh-Hans.

        Falling back from a regional tag to its language is safe; falling back to another
        language never is, so an unknown language is an error listing what exists.
        """
        available = self.available_languages()
        lowered = {a.lower(): a for a in available}
        candidate = tag.strip().replace("_", "-")
        while candidate:
            low = candidate.lower()
            if low in lowered:
                return lowered[low]
            if low in LANGUAGE_ALIASES and LANGUAGE_ALIASES[low].lower() in lowered:
                return lowered[LANGUAGE_ALIASES[low].lower()]
            candidate = candidate.rpartition("-")[0]
        msg = f"unknown language {tag!r}; available: {', '.join(available)}"
        raise NotFoundError(msg)

    def language(self, tag: str) -> LanguageContent:
        code = self.resolve_language(tag)
        if code not in self._languages:
            self._languages[code] = self._load_language(code)
        return self._languages[code]

    def _load_language(self, code: str) -> LanguageContent:
        language: LanguageFile = self._load(f"{code}/language.yaml", LanguageFile)
        shared: SharedFile = self._load(f"{code}/shared.yaml", SharedFile)
        next_steps: NextStepsFile = self._load(f"{code}/next-steps.yaml", NextStepsFile)
        findings = {
            fid: self._load(f"{code}/findings/{fid}.yaml", FindingFile)
            for fid in self.catalog.findings
        }
        content = LanguageContent(
            code=code,
            language=language,
            shared=shared,
            next_steps=next_steps,
            findings=findings,
            files=tuple(
                p
                for rel in (
                    "language.yaml",
                    "shared.yaml",
                    "next-steps.yaml",
                    *(f"findings/{f}.yaml" for f in findings),
                )
                for p in self._layers(f"{code}/{rel}")
            ),
        )
        problems = list(self.language_problems(content))
        if problems:
            extra = (
                f" (and {len(problems) - 1} more; run `handout validate`)"
                if len(problems) > 1
                else ""
            )
            raise ContentError(problems[0] + extra)
        return content

    def language_problems(self, content: LanguageContent) -> Iterator[str]:
        """Cross-file checks the per-file schema cannot see: placeholders, timings, next steps."""
        code = content.code
        for name, part in (
            ("language.yaml", content.language),
            ("shared.yaml", content.shared),
            ("next-steps.yaml", content.next_steps),
            *((f"findings/{f}.yaml", ff) for f, ff in content.findings.items()),
        ):
            unknown = [s for s in part.sources if s not in self.bibliography.sources]
            if unknown:
                yield (
                    f"content/{code}/{name}: sources: unknown source id(s) {', '.join(unknown)}; "
                    "use ids from content/sources.yaml"
                )
        for timing in (*self.catalog.timings, "on-date"):
            if timing not in content.language.timings:
                yield f"content/{code}/language.yaml: timings.{timing}: missing timing phrase"
        for level in LEVELS:
            steps = content.next_steps.levels[level]
            for nid in self.catalog.next_steps:
                if nid not in steps:
                    yield f"content/{code}/next-steps.yaml: levels.{level}.{nid}: missing next step"
        for name, part in (
            ("shared.yaml", content.shared),
            ("next-steps.yaml", content.next_steps),
            *((f"findings/{f}.yaml", ff) for f, ff in content.findings.items()),
        ):
            data = part.model_dump(mode="python", exclude={"sources", "last_reviewed"})
            for problem in _placeholder_problems(data, "", CONTENT_PLACEHOLDERS):
                yield f"content/{code}/{name}: {problem}"
        for fid, facts in self.catalog.findings.items():
            if facts.schedule_months:
                for level in LEVELS:
                    sections = content.findings[fid].levels[level].sections
                    if "follow-up-plan" not in sections:
                        yield (
                            f"content/{code}/findings/{fid}.yaml: levels.{level}.sections: "
                            "missing follow-up-plan (the catalogue gives this finding a schedule)"
                        )

    # -- regulated text ------------------------------------------------------------------------
    def density(self) -> DensityFile:
        if self._density is None:
            self._density = self._load("regulated/density.yaml", DensityFile)
        return self._density

    def source_names(self, ids: tuple[str, ...]) -> tuple[str, ...]:
        """Short names to print, de-duplicated: one organisation's documents print once."""
        seen: dict[str, None] = {}
        for sid in ids:
            ref = self.bibliography.sources.get(sid)
            seen.setdefault(ref.short if ref else sid, None)
        return tuple(seen)

    def density_statement(self, kind: str, lang: str) -> DensityStatement:
        """The federal statement, verbatim: a translation only if a qualified reviewer approved it.

        Regulated wording is never re-levelled or machine translated; without a reviewed translation
        the English original is printed and the caller is told so.
        """
        density = self.density()
        original = density.statements[kind]["en"]  # type: ignore[index]
        root = lang.split("-")[0]
        translation = density.translations.get(lang) or density.translations.get(root)
        if lang != "en" and translation is not None and translation.review == "reviewed":
            text = translation.dense if kind == "dense" else translation.not_dense
            return DensityStatement(text, lang, None, density.citation)
        warning = None
        if root != "en":
            warning = (
                f"no reviewed {lang} translation of the breast-density statement; "
                "printing the official English text"
            )
        if not density.verified:
            warning = (warning + "; " if warning else "") + (
                "the density statement in content/regulated/density.yaml is not marked verified "
                "against 21 CFR 900.12; check it before relying on it"
            )
        return DensityStatement(original, "en", warning, density.citation)

    # -- lookups -----------------------------------------------------------------------------
    def finding(self, finding_id: str) -> FindingFacts:
        try:
            return self.catalog.findings[finding_id]
        except KeyError:
            msg = f"unknown finding {finding_id!r}; available: {', '.join(self.catalog.findings)}"
            raise NotFoundError(msg) from None

    def next_step(self, step_id: str) -> NextStepFacts:
        try:
            return self.catalog.next_steps[step_id]
        except KeyError:
            msg = f"unknown next step {step_id!r}; available: {', '.join(self.catalog.next_steps)}"
            raise NotFoundError(msg) from None
