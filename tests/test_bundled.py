"""Every bundled finding x language x level renders a leaflet a patient can use."""

from __future__ import annotations

import re

import pytest

from handout.api import engine_for
from handout.document import Box, iter_text
from handout.schema import ConditionalText, sentence_text
from handout.settings import LEVELS, LeafletRequest, Settings

from .conftest import pdf_fonts, pdf_reader, pdf_text

SETTINGS = Settings.bundled()
LIBRARY = engine_for(SETTINGS).library
LANGUAGES = LIBRARY.available_languages()
FINDINGS = tuple(LIBRARY.catalog.findings)
#: Scripts whose text pypdf reads back exactly (shaped Arabic and Devanagari it does not).
READABLE = {code for code in LANGUAGES if code.split("-")[0] not in ("ar", "hi")}


def test_all_thirteen_languages_are_bundled():
    """The 13 languages clinics need are all there."""
    expected = {"en", "es", "zh-Hans", "zh-Hant", "vi", "ko", "tl", "ru", "ar", "ht", "pt", "fr"}
    expected.add("hi")
    assert expected <= set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("finding", FINDINGS)
def test_every_leaflet_renders_with_next_step_timing_and_phone(lang, finding):
    """Each level renders; the next step, its timing and the clinic phone are on the page."""
    engine = engine_for(SETTINGS)
    content = LIBRARY.language(lang)
    facts = LIBRARY.finding(finding)
    for level in LEVELS:
        leaflet = engine.render(LeafletRequest(finding=finding, lang=lang, level=level))
        assert 1 <= leaflet.pages <= (2 if level != "detailed" else 6)
        fonts = pdf_fonts(leaflet.pdf)
        assert fonts and all(fonts.values()), fonts
        reader = pdf_reader(leaflet.pdf)
        assert reader.trailer["/Root"]["/Lang"] == content.code
        if content.code in READABLE:
            text = "".join(pdf_text(leaflet.pdf).split())
            step = content.next_steps.levels[level][facts.next_step]
            timing = content.language.timings[facts.timing]
            for expected in (step.name, timing, "(555)010-0199"):
                assert "".join(expected.split()) in text, (level, expected)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_subcategory_leaflets_stay_on_one_sheet(lang):
    """With a BI-RADS 4 subcategory (an extra icon array) easy and standard still fit two pages."""
    engine = engine_for(SETTINGS)
    for level in ("easy", "standard"):
        for page_size in ("letter", "a4"):
            request = LeafletRequest(
                finding="suspicious-calcifications",
                lang=lang,
                level=level,
                birads="4B",
                page_size=page_size,
            )
            assert engine.render(request).pages <= 2, (level, page_size)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_main_message_gives_the_number_as_a_natural_frequency(lang):
    """The main message states the category's number out of 100 (catalogue values, every level)."""
    content = LIBRARY.language(lang)
    for finding, facts in LIBRARY.catalog.findings.items():
        risk = facts.risk
        numbers = [
            n
            for n in (risk.per_100_max, risk.per_100_min, risk.per_100_above, risk.per_100_below)
            if n is not None
        ] or [0]
        for level in LEVELS:
            main = content.findings[finding].levels[level].main_message
            message = " ".join(sentence_text(s) for s in main)
            found = set(re.findall(r"\d+", message))
            assert "100" in found, (finding, level, message)
            assert {str(n) for n in numbers} <= found, (finding, level, message)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_4c_leaflet_never_says_most_people_do_not_have_cancer(lang):
    """BI-RADS 4C means more than 50 in 100 have cancer: the reassuring sentences marked
    `unless_birads: [4C]` are in a 4A leaflet's main message and summary, never in a 4C one's."""
    engine = engine_for(SETTINGS)
    finding = LIBRARY.language(lang).findings["suspicious-calcifications"]
    for level in LEVELS:
        text = finding.levels[level]
        marked = [
            " ".join(s.text.replace("**", "").split())
            for s in (*text.main_message, *text.summary)
            if isinstance(s, ConditionalText) and "4C" in s.unless_birads
        ]
        assert marked, (level, "no sentence is marked for 4C")
        words = {}
        for sub in ("4A", "4C"):
            request = LeafletRequest(
                finding="suspicious-calcifications", lang=lang, level=level, birads=sub
            )
            doc, _, _ = engine.document(request)
            # The main message and "In short" speak of "spots like these" (hers); the detailed
            # body may still say what is true of BI-RADS 4 in general, beside the 4A-4C ranges.
            boxes = [b for b in doc.blocks if isinstance(b, Box) and b.kind in ("main", "summary")]
            assert len(boxes) == 2
            shown = " ".join(t for box in boxes for _, t in iter_text(box.blocks))
            words[sub] = " ".join(shown.split())
        for sentence in marked:
            assert sentence in words["4A"], (level, sentence)
            assert sentence not in words["4C"], (level, sentence)
