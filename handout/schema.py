"""What a content file may hold: the pydantic schema of every bundled and clinic YAML file.

One model per file kind (language, shared sections, next steps, findings, catalogue, sources,
density statement). Kept apart from handout.content, which finds, reads and merges the files, so
the schema can be read (and documented in docs/content-format.md) on its own. Models are frozen
and forbid unknown keys: a misspelt key is an error naming the file and key path, never ignored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from handout.settings import LEVELS, Level

#: Placeholders a content string may use; anything else in braces is an error.
CONTENT_PLACEHOLDERS = frozenset(
    {"breast", "timing", "clinic_name", "clinic_phone", "clinic_hours"}
)
PLACEHOLDER_PATTERN = re.compile(r"\{([^{}]*)\}")

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


def _check_section_ids(
    sections: dict[str, Section], allowed: frozenset[str], required: frozenset[str], kind: str = ""
) -> dict[str, Section]:
    """Only known section ids, and every required one: a misspelt id is never silently unused."""
    unknown = sorted(set(sections) - allowed)
    if unknown:
        msg = f"unknown section id(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        raise ValueError(msg)
    missing = sorted(required - set(sections))
    if missing:
        msg = f"missing {kind}section(s): {', '.join(missing)}"
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
        return _check_section_ids(v, SHARED_SECTIONS, SHARED_SECTIONS, "shared ")


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
        return _check_section_ids(v, NEXT_STEP_SECTIONS, frozenset({"next-steps", "what-its-like"}))


class NextStepsFile(_Levelled):
    levels: dict[Level, dict[str, NextStepText]]


class ConditionalText(_Model):
    """A sentence left out for the BI-RADS 4 subcategories listed in `unless_birads`.

    "Most people with spots like these do not have cancer" is true of BI-RADS 4 as a whole and of
    4A and 4B, and false of 4C (more than 50 in 100): a leaflet must never say it beside a 4C
    icon array.
    """

    text: str = Field(min_length=1)
    unless_birads: tuple[Literal["4A", "4B", "4C"], ...] = Field(min_length=1)


#: A main-message or summary sentence: plain text, or text with a condition.
Sentence = str | ConditionalText


def sentence_text(sentence: Sentence) -> str:
    return sentence if isinstance(sentence, str) else sentence.text


def applies(sentence: Sentence, birads: str | None) -> bool:
    """Whether a sentence is printed for a request with this BI-RADS subcategory (or none)."""
    return isinstance(sentence, str) or birads not in sentence.unless_birads


class FindingLevel(_Model):
    title: str = Field(min_length=1)
    summary_line: str = Field(min_length=1)
    main_message: tuple[Sentence, ...] = Field(min_length=1, max_length=2)
    sections: dict[str, Section]
    questions: tuple[str, ...] = ()
    summary: tuple[Sentence, ...] = Field(min_length=1, max_length=5)
    #: The chance in one sentence, printed beside the icon array ("2 or fewer in 100 ...").
    #: Optional in the schema; `handout validate` requires it.
    chance: str | None = None

    @field_validator("sections")
    @classmethod
    def _ids(cls, v: dict[str, Section]) -> dict[str, Section]:
        return _check_section_ids(
            v, FINDING_SECTIONS, frozenset({"what-we-found", "what-it-means"})
        )


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
