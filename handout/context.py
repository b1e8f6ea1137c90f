"""Build the one context a leaflet template sees.

Content strings are resolved here: placeholders filled with the patient's and clinic's values, the
text escaped for the leaflet XML, and `**bold**` turned into <b>. The result is Markup, so the
template prints it as is while every other value it prints is escaped by autoescaping. Values are
escaped separately from the content text around them, so a patient name containing `**` or `<b>`
prints literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from markupsafe import Markup, escape

from handout.clinic import Clinic
from handout.content import ContentLibrary, LanguageContent
from handout.schema import Section, applies, sentence_text
from handout.settings import LeafletRequest

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
# Private-use sentinels stand in for placeholder values while the text around them is escaped.
_SENTINEL = "\ue000{}\ue001"
_SENTINEL_RE = re.compile("\ue000(\\d+)\ue001")

#: Section ids in the lookup order finding -> next step -> shared (see docs/content-format.md).
SECTION_IDS = (
    "what-we-found",
    "what-are-calcifications",
    "what-it-means",
    "next-steps",
    "follow-up-plan",
    "what-its-like",
    "prepare",
    "results",
    "benign-causes",
    "questions",
    "contact",
)


def resolve_text(text: str, values: dict[str, str]) -> Markup:
    """Fill placeholders, escape, and apply **bold**; values are escaped but never bolded."""
    filled: list[str] = []

    def stash(match: re.Match[str]) -> str:
        filled.append(values[match.group(1)])
        return _SENTINEL.format(len(filled) - 1)

    marked = _PLACEHOLDER.sub(stash, text)
    escaped = str(escape(marked))
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _SENTINEL_RE.sub(lambda m: str(escape(filled[int(m.group(1))])), escaped)
    return Markup(escaped)  # noqa: S704 - built from escaped parts only


@dataclass(frozen=True)
class BlockView:
    kind: str
    text: Markup | None
    items: tuple[Markup, ...]


@dataclass(frozen=True)
class SectionView:
    id: str
    heading: Markup
    blocks: tuple[BlockView, ...]


def _section_view(sid: str, section: Section, values: dict[str, str]) -> SectionView:
    blocks = tuple(
        BlockView(
            kind=b.kind,
            text=resolve_text(b.p, values) if b.p is not None else None,
            items=tuple(resolve_text(s, values) for s in (b.bullets or b.steps or ())),
        )
        for b in section.body
    )
    return SectionView(sid, resolve_text(section.heading, values), blocks)


def format_day(day: date, lang: str) -> str:
    """A date as the leaflet's language writes it (Babel's CLDR data, not our month names).

    `lang` may be a CLDR locale chosen by the language file (`date_locale`) where CLDR has no
    data for the language itself.
    """
    return format_date(day, format="long", locale=lang.replace("-", "_"))


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


PANEL_ORDER = ("macro", "micro-scattered", "micro-grouped", "micro-linear")


def _fill(template: str, **values: object) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", str(value))
    return template


def _icons(
    library: ContentLibrary, request: LeafletRequest, caption: str | None, labels: Any
) -> dict[str, Any] | None:
    """Icon-array numbers from the catalogue, never from code: a count, a range, or nothing.

    A plain BI-RADS 4 spans 2 to 95 in 100; one icon count would mislead, so it gets words only
    unless the radiologist gave a subcategory.
    """
    facts = library.finding(request.finding)
    risk = facts.risk
    low = high = filled = None
    if request.birads and request.birads in facts.subcategories:
        sub = facts.subcategories[request.birads]
        low = sub.per_100_above or 0
        # "fewer than 95 in 100" is "up to 94 in 100": whole people, so the caption's "up to" and
        # the icons stay exact for 4C, whose upper bound is exclusive.
        high = sub.per_100_max if sub.per_100_max is not None else (sub.per_100_below or 95) - 1
        caption = _fill(labels.subcategory_chance, low=low, high=high, category=request.birads)
    elif risk.kind == "essentially-none":
        filled = 0
    elif risk.kind == "at-most":
        filled = risk.per_100_max
    elif risk.kind == "at-least":
        filled = risk.per_100_min
    elif risk.kind == "callback":
        low, high = 0, risk.per_100_below
    else:
        return None
    if not caption:
        return None
    return {
        "caption": caption,
        "filled": filled,
        "low": low,
        "high": high,
        "legend_filled": labels.legend_filled,
        "legend_open": labels.legend_open,
        "legend_range": labels.legend_range,
    }


def _pictures(
    library: ContentLibrary,
    content: LanguageContent,
    request: LeafletRequest,
    finding_text: Any,
    step_text: Any,
    values: dict[str, str],
) -> dict[str, Any]:
    labels = content.language.pictures
    assert labels is not None
    facts = library.finding(request.finding)
    yours = "macro" if facts.morphology == "macro" else f"micro-{facts.distribution}"
    captions = labels.panels.model_dump(by_alias=True)
    timeline = None
    if step_text.timeline:
        timeline = [(labels.today, None)] + [
            (
                _plain(step.label, values),
                _plain(step.when, values) if step.when else None,
            )
            for step in step_text.timeline
        ]
    chance = _plain(finding_text.chance, values) if finding_text.chance else None
    return {
        "marker": labels.yours,
        "panels": [
            {"kind": kind, "caption": captions[kind], "yours": kind == yours}
            for kind in PANEL_ORDER
        ],
        "icons": _icons(library, request, chance, labels),
        "timeline": timeline,
        "qr_caption": labels.qr,
    }


def _plain(text: str, values: dict[str, str]) -> str:
    """Placeholders filled, **bold** markers dropped: picture text is drawn, not marked up."""
    return _fill(text, **values).replace("**", "")


def build_context(
    library: ContentLibrary, content: LanguageContent, request: LeafletRequest, clinic: Clinic
) -> dict[str, Any]:
    """Everything a template may use. Keys are documented in docs/templates.md."""
    lang = content.code
    level = request.level
    language = content.language
    date_lang = language.date_locale or lang
    labels = language.labels
    facts = library.finding(request.finding)
    step_id = request.next_step or facts.next_step
    step_facts = library.next_step(step_id)
    timing_id = facts.timing if request.next_step is None else step_facts.default_timing
    patient = request.patient

    if patient.follow_up_date is not None:
        timing = language.timings["on-date"].replace(
            "{date}", format_day(patient.follow_up_date, date_lang)
        )
    else:
        timing = language.timings[timing_id]
    side = patient.side or "unknown"
    values = {
        "breast": getattr(language.phrases.breast, side),
        "timing": timing,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "clinic_hours": clinic.hours,
    }

    finding_text = content.findings[request.finding].levels[level]  # type: ignore[index]
    step_text = content.next_steps.levels[level][step_id]  # type: ignore[index]
    shared = content.shared.levels[level].sections  # type: ignore[index]
    sections: dict[str, SectionView] = {}
    for sid in SECTION_IDS:
        for source in (finding_text.sections, step_text.sections, shared):
            if sid in source:
                sections[sid] = _section_view(sid, source[sid], values)
                break

    rows: list[tuple[str, str]] = []
    if patient.name:
        rows.append((labels.name, patient.name))
    if patient.exam_date:
        rows.append((labels.exam_date, format_day(patient.exam_date, date_lang)))
    if patient.side:
        rows.append((labels.side, getattr(language.phrases.side_name, patient.side)))
    category = request.birads if request.birads else facts.birads
    rows.append((labels.result, labels.birads.replace("{category}", category)))
    rows.append((labels.next_step, step_text.name))
    rows.append((labels.when, _capitalize(timing)))

    density = None
    if request.density:
        statement = library.density_statement(request.density, lang)
        density = {
            "heading": labels.density,
            "text": statement.text,
            "notice": labels.density_notice,
            "citation": statement.citation,
            "lang": statement.lang,
        }

    pictures = None
    if request.pictures and language.pictures is not None:
        pictures = _pictures(library, content, request, finding_text, step_text, values)

    reviewed = content.last_reviewed(request.finding)
    footer = labels.footer.replace("{version}", library.catalog.content_version).replace(
        "{date}", format_day(reviewed, date_lang)
    )
    return {
        "lang": lang,
        "dir": language.direction,
        "level": level,
        "finding_id": request.finding,
        "birads": facts.birads,
        "title": resolve_text(finding_text.title, values),
        "summary_line": resolve_text(finding_text.summary_line, values),
        "main_message": [
            resolve_text(sentence_text(s), values)
            for s in finding_text.main_message
            if applies(s, request.birads)
        ],
        "questions": [resolve_text(s, values) for s in finding_text.questions],
        "summary": [
            resolve_text(sentence_text(s), values)
            for s in finding_text.summary
            if applies(s, request.birads)
        ],
        "sections": sections,
        "next_step": {"id": step_id, "name": step_text.name, "timing": timing},
        "facts": rows,
        "labels": labels.model_dump(),
        "clinic": clinic.model_dump(),
        "density": density,
        "pictures": pictures,
        "sources": list(library.source_names(content.sources(request.finding))),
        "footer": f"{footer}  {labels.page}",
        "header": clinic.name,
        "content_version": library.catalog.content_version,
        "last_reviewed": format_day(reviewed, date_lang),
    }
