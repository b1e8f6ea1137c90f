"""Pictures on leaflets in other scripts: every character drawn in a face that has it.

The picture renderers in handout.figures pass the leaflet's font chain to handout.pictures, so a
digit in a Chinese caption prints in Noto Sans (Droid has no digits) and a Latin word in an Arabic
one likewise, while Latin leaflets print exactly as with one font.
"""

from __future__ import annotations

import pytest
from reportlab.graphics.shapes import String
from reportlab.pdfbase.pdfmetrics import getFont

from handout import figures
from handout.document import (
    Document,
    IconArray,
    PanelsFigure,
    PanelSpec,
    TimelineFigure,
)
from handout.errors import InputError
from handout.pdf import build_story, render_pdf

from .conftest import pdf_fonts, pdf_text

KINDS = ("macro", "micro-scattered", "micro-grouped", "micro-linear")
TEXTS = {
    "en": (
        "ltr",
        ("Large spots", "Tiny spots, spread out", "Tiny spots in a group", "Tiny spots in a line"),
        "This is like yours",
        "2 in 100 people with this result have cancer (BI-RADS 3).",
        ("Has cancer", "Does not have cancer", "May have cancer"),
        (("Today", None), ("Mammogram", "in 6 months"), ("Back to screening", "May 20, 2027")),
    ),
    "zh-Hans": (
        "ltr",
        ("大而粗的钙化 (BI-RADS 2)", "散在的微小钙化", "成簇的微小钙化", "线样微小钙化"),
        "和您的相似",
        "100人中有2人 (2%) BI-RADS 3",
        ("有癌症", "没有癌症", "可能有癌症"),
        (("今天", None), ("乳腺X线检查", "6个月后"), ("恢复常规筛查", "2027年5月20日")),
    ),
    "ar": (
        "rtl",
        ("بقع كبيرة (BI-RADS 2)", "بقع صغيرة متفرقة", "بقع صغيرة في مجموعة", "بقع صغيرة في خط"),
        "هذا مثل حالتك",
        "2 من كل 100 شخص لديهم سرطان (BI-RADS 3)",
        ("لديه سرطان", "ليس لديه سرطان", "قد يكون لديه سرطان"),
        (("اليوم", None), ("تصوير الثدي", "بعد 6 أشهر"), ("العودة إلى الفحص", "بعد 24 شهرًا")),
    ),
    "hi": (
        "ltr",
        ("बड़े धब्बे", "छोटे बिखरे धब्बे", "समूह में छोटे धब्बे", "रेखा में छोटे धब्बे"),
        "यह आपके जैसा है",
        "100 में से 2 लोगों को कैंसर है (38\u00a0°C)।",
        ("कैंसर है", "कैंसर नहीं है", "हो सकता है"),
        (("आज", None), ("मैमोग्राम", "6 महीने में"), ("नियमित जाँच", "24 महीने में")),
    ),
}


def _document(lang: str, caption: str | None = None) -> Document:
    direction, captions, marker, icon_caption, legend, steps = TEXTS[lang]
    blocks = (
        PanelsFigure(
            tuple(
                PanelSpec(k, c, k == "micro-grouped") for k, c in zip(KINDS, captions, strict=True)
            ),
            marker,
        ),
        IconArray(caption or icon_caption, 2, None, None, *legend),
        TimelineFigure(steps),
    )
    return Document(
        title="Pictures",
        subject="Pictures",
        author="handout tests",
        lang=lang,
        direction=direction,
        header="",
        footer="",
        blocks=blocks,
    )


def _strings(lang: str) -> list[String]:
    _, story = build_story(_document(lang), "easy", 500)
    found: list[String] = []

    def walk(node: object) -> None:
        if isinstance(node, String):
            found.append(node)
        for child in getattr(node, "contents", ()):
            walk(child)
        for attr in ("_content", "_flowables"):  # KeepTogether and friends
            for child in getattr(node, attr, None) or ():
                walk(child)

    for flowable in story:
        walk(flowable)
    assert found, "no picture text found"
    return found


def _drawable(s: String) -> bool:
    cmap = getFont(s.fontName).face.charToGlyph
    return all(cmap.get(ord(c)) for c in str(s.text))


@pytest.mark.parametrize("lang", ["zh-Hans", "ar", "hi"])
def test_every_picture_character_is_in_its_face(lang):
    """No picture text is drawn in a face that lacks it (which would print a blank)."""
    strings = _strings(lang)
    plain = [s for s in strings if not hasattr(s.text, "__shapeData__")]  # shaped: glyph ids
    missing = [(s.text, s.fontName) for s in plain if not _drawable(s)]
    assert not missing
    assert len({s.fontName for s in strings}) >= 2  # the primary face and Noto Sans


def test_chinese_leaflet_pictures_print_digits_and_latin():
    """Digits, "BI-RADS" and "X" print in Noto Sans, all fonts embedded, no Helvetica."""
    data, _ = render_pdf(_document("zh-Hans"), "easy", "letter")
    text = pdf_text(data)
    for expected in ("100", "(2%)", "BI-RADS 3", "X", "2027", "今天"):
        assert expected in text
    fonts = pdf_fonts(data)
    assert all(fonts.values())
    assert not any("Helvetica" in name for name in fonts)
    assert any("DroidSansFallback" in name for name in fonts)
    assert any("NotoSans" in name and "Droid" not in name for name in fonts)


def test_arabic_leaflet_pictures_print_latin_and_digits():
    """An Arabic caption keeps its numbers and its Latin word, in Noto Sans."""
    data, _ = render_pdf(_document("ar"), "easy", "letter")
    text = pdf_text(data)
    for expected in ("100", "BI-RADS", "24"):
        assert expected in text
    assert all(pdf_fonts(data).values())


def test_hindi_degree_sign_prints_in_noto_sans():
    """ "°C" is missing from Noto Sans Devanagari: it comes from Noto Sans."""
    strings = _strings("hi")
    assert any("°C" in s.text and s.fontName.startswith("NotoSans-") for s in strings)
    assert any(hasattr(s.text, "__shapeData__") for s in strings)  # Hindi is shaped


def test_latin_leaflet_is_byte_identical_to_one_font(monkeypatch):
    """For Latin text the chain is one run per line: the same PDF as drawing in one font."""
    chained, _ = render_pdf(_document("en"), "easy", "letter")
    original = figures._fonts

    def one_font(ctx):
        return {k: v for k, v in original(ctx).items() if k != "runs"}

    monkeypatch.setattr(figures, "_fonts", one_font)
    single, _ = render_pdf(_document("en"), "easy", "letter")
    assert chained == single


def test_character_no_font_has_is_refused_with_its_code_point():
    """A character missing from every bundled font is an error, never a blank in a picture."""
    with pytest.raises(InputError, match="U\\+1F600"):
        render_pdf(_document("zh-Hans", caption="100人中有2人 \U0001f600"), "easy", "letter")
