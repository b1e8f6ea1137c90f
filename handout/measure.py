"""Render one leaflet for a sample patient and measure what she would read.

Reading level, sentence and paragraph length, the glossary rule (a term bold and explained where it
first appears) and the pages used, measured on the rendered leaflet's body text (headings, the key
facts table, the regulated density box and the small print excluded), not on the YAML, because the
patient reads the assembled leaflet. `handout validate` (handout.validate) runs this for every
finding, language and level and adds the checks that need no rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from handout.api import Engine
from handout.content import LanguageContent
from handout.document import (
    Box,
    BulletList,
    Columns,
    Document,
    Heading,
    Inline,
    Paragraph,
    Steps,
    Title,
)
from handout.readability import Check, check, measure
from handout.settings import LeafletRequest, Patient

#: Levels whose leaflet must fit one duplex sheet, and at which glossary terms must be explained.
TWO_PAGE_LEVELS = ("easy", "standard")
GLOSSARY_LEVELS = ("easy", "standard")
SAMPLE_PATIENT = Patient(name="Sample Patient", exam_date=date(2026, 11, 20), side="left")


@dataclass(frozen=True)
class LeafletResult:
    """The measured leaflet for one finding x language x level."""

    finding: str
    lang: str
    level: str
    metrics: dict[str, float]
    words: int
    avg_sentence_words: float
    max_paragraph_sentences: int
    pages: dict[str, int]
    checks: tuple[Check, ...]
    glossary: tuple[str, ...]
    fill: float = 0.0
    avg_sentence_chars: float | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks) and not self.glossary and self.pages_ok

    @property
    def pages_ok(self) -> bool:
        return self.level not in TWO_PAGE_LEVELS or all(n <= 2 for n in self.pages.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "lang": self.lang,
            "level": self.level,
            "metrics": {k: round(v, 2) for k, v in self.metrics.items()},
            "words": self.words,
            "avg_sentence_words": round(self.avg_sentence_words, 2),
            "avg_sentence_chars": (
                round(self.avg_sentence_chars, 2) if self.avg_sentence_chars is not None else None
            ),
            "max_paragraph_sentences": self.max_paragraph_sentences,
            "pages": self.pages,
            "page_fill_letter": self.fill,
            "checks": [
                {
                    "name": c.name,
                    "value": round(c.value, 2),
                    "op": c.op,
                    "limit": c.limit,
                    "passed": c.passed,
                }
                for c in self.checks
            ],
            "glossary": list(self.glossary),
            "passed": self.passed,
        }


def _body_inlines(blocks: tuple[Any, ...]) -> list[Inline]:
    """Body text in reading order: what readability and glossary rules apply to."""
    out: list[Inline] = []
    for block in blocks:
        if isinstance(block, (Title, Heading)):
            continue
        if isinstance(block, Paragraph):
            if block.style != "small":
                out.append(block.text)
        elif isinstance(block, (BulletList, Steps)):
            out.extend(block.items)
        elif isinstance(block, Box) and block.kind != "regulated":
            out.extend(_body_inlines(block.blocks))
        elif isinstance(block, Columns):
            out.extend(_body_inlines(block.boxes))
    return out


def body_paragraphs(doc: Document) -> list[str]:
    return ["".join(span.text for span in inline) for inline in _body_inlines(doc.blocks)]


def glossary_problems(doc: Document, glossary: dict[str, tuple[str, ...]]) -> list[str]:
    """Terms whose first appearance in the body is not bold (our mark for 'explained here')."""
    inlines = _body_inlines(doc.blocks)
    problems = []
    root = doc.lang.split("-")[0]
    # Word boundaries only where the script has them: Chinese has no spaces, Arabic joins
    # prefixes (al-, wa-, bi-) to the word, Korean joins particles after it.
    before = "" if root in ("zh", "ja", "ar") else r"(?<!\w)"
    after = "" if root in ("zh", "ja", "ar", "ko") else r"(?!\w)"
    for term, forms in glossary.items():
        pattern = re.compile(
            before
            + "(?:"
            + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
            + ")"
            + after,
            re.IGNORECASE,
        )
        for inline in inlines:
            text = "".join(span.text for span in inline)
            match = pattern.search(text)
            if not match:
                continue
            offset = 0
            for span in inline:
                if offset <= match.start() < offset + len(span.text):
                    if not span.bold:
                        problems.append(
                            f"'{match.group(0)}' ({term}) first appears without being marked "
                            f'**bold** and explained: "{text[:70]}..."'
                        )
                    break
                offset += len(span.text)
            break
    return problems


def measure_leaflet(
    engine: Engine, finding: str, code: str, level: str, content: LanguageContent
) -> LeafletResult:
    request = LeafletRequest(finding=finding, lang=code, level=level, patient=SAMPLE_PATIENT)
    doc, _, _ = engine.document(request)
    from handout.pdf import render_pdf

    pages = {size: render_pdf(doc, level, size)[1] for size in ("letter", "a4")}
    fill = page_fill(doc, level, "letter")
    scores = measure(body_paragraphs(doc), code)
    checks = tuple(check(scores, code, level))
    glossary: tuple[str, ...] = ()
    if level in GLOSSARY_LEVELS:
        glossary = tuple(glossary_problems(doc, dict(content.language.glossary)))
    return LeafletResult(
        finding=finding,
        lang=code,
        level=level,
        metrics=dict(scores.metrics),
        words=scores.words,
        avg_sentence_words=scores.avg_sentence_words,
        max_paragraph_sentences=scores.max_paragraph_sentences,
        pages=pages,
        checks=checks,
        glossary=glossary,
        fill=fill,
        avg_sentence_chars=scores.avg_sentence_chars,
    )


def page_fill(doc: Document, level: str, page_size: str) -> float:
    """Pages used, as a fraction: 1.5 means one full page and half of the next.

    Helps writers see how far a leaflet is from its page limit, not just whether it passes.
    """
    import io

    from handout.pdf import MARGIN, PAGE_SIZES, _canvas_class, build_story, doc_template

    pagesize = PAGE_SIZES[page_size]
    ctx, story = build_story(doc, level, pagesize[0] - 2 * MARGIN)
    template = doc_template(io.BytesIO(), doc, ctx, pagesize)
    last: dict[str, float] = {}

    def after(_flowable: object) -> None:
        frame = getattr(template, "frame", None)
        if frame is not None:
            last["page"] = template.page
            last["y"] = frame._y
            last["top"] = frame._y2 - frame._topPadding
            last["bottom"] = frame._y1p

    template.afterFlowable = after
    template.build(story, canvasmaker=_canvas_class(ctx, doc, pagesize))
    if not last:
        return 0.0
    used = (last["top"] - last["y"]) / (last["top"] - last["bottom"])
    return round(last["page"] - 1 + used, 2)
