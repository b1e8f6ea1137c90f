"""Paragraph styles per reading level.

A reading level changes size, leading and spacing only; structure is the template's job. Body text
is
never below 12 pt, colours are dark on white (or on a very light tint) so a grayscale photocopy
stays
readable, and boxes are told apart by their borders, not by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from handout.fonts import face_name

INK = colors.HexColor("#1A1A1A")
ACCENT = colors.HexColor("#1F4E79")  # 8.9:1 on white
MUTED = colors.HexColor("#4D4D4D")  # 8.5:1 on white, for footer text
TINT = colors.HexColor("#EAF0F6")
GREY_TINT = colors.HexColor("#F2F2F2")
RULE = colors.HexColor("#7F7F7F")


@dataclass(frozen=True)
class LevelMetrics:
    body: float
    leading: float
    title: float
    h2: float
    h3: float
    space: float


LEVEL_METRICS: dict[str, LevelMetrics] = {
    "easy": LevelMetrics(body=12.5, leading=16.5, title=20, h2=14.5, h3=13, space=4),
    "standard": LevelMetrics(body=12, leading=15.4, title=18, h2=14, h3=12.5, space=3.5),
    "detailed": LevelMetrics(body=12, leading=15.2, title=18, h2=14, h3=12.5, space=3.5),
}


#: Large print (American Council of the Blind / APH guidance): at least 18 pt body, 1.5 line
#: spacing, bold sans-serif headings; the same content and order, more pages.
LARGE_PRINT = LevelMetrics(body=18, leading=27, title=26, h2=22, h3=20, space=8)


@dataclass(frozen=True)
class Tightness:
    """How much tighter than the level's own metrics a leaflet is set (see handout.fit)."""

    space: float  # multiplier for the space between blocks
    line: float | None  # line spacing as a multiple of the body size; None: the level's own
    body: float | None  # largest body size; None: the level's own
    pictures: float  # multiplier for picture widths (their heights follow)


#: The layouts tried in turn when a leaflet runs past its page budget: the level's own, then less
#: space between blocks, then 1.2 line spacing, a 12 pt body and smaller pictures. Body text never
#: goes below 12 pt and no script goes below its minimum leading (MIN_LEADING).
FIT_STEPS = (
    Tightness(space=1.0, line=None, body=None, pictures=1.0),
    Tightness(space=0.5, line=1.28, body=None, pictures=0.9),
    Tightness(space=0.35, line=1.2, body=12.0, pictures=0.8),
    Tightness(space=0.25, line=1.2, body=12.0, pictures=0.65),
)


def _tightened(m: LevelMetrics, t: Tightness) -> LevelMetrics:
    body = min(m.body, t.body) if t.body else m.body
    scale = body / m.body
    leading = min(m.leading, body * t.line) if t.line else m.leading
    return LevelMetrics(
        body=body,
        leading=round(leading, 2),
        title=round(m.title * scale, 2),
        h2=round(m.h2 * scale, 2),
        h3=round(m.h3 * scale, 2),
        space=m.space * t.space,
    )


#: Styles set in the bold face: text in them that falls back to another font is bold there too.
BOLD_STYLES = frozenset({"lead", "title", "h2", "h3", "fact-label", "header"})

#: Minimum leading as a multiple of the font size, per script: Vietnamese stacks two diacritics on
#: capitals, Devanagari hangs matras above and below the line (fonts-and-scripts.md §4.2, §4.4).
MIN_LEADING = {"vietnamese": 1.5, "devanagari": 1.6}


@cache
def stylesheet(
    level: str,
    family: str,
    rtl: bool = False,
    script: str = "latin",
    large_print: bool = False,
    accent: str | None = None,
    fit: int = 0,
) -> dict[str, ParagraphStyle]:
    """Styles for one level, primary font family and script; built once per process and reused.

    Per script: Devanagari is shaped by HarfBuzz (`shaping=1`); Chinese breaks between characters
    (`wordWrap='CJK'`; Korean keeps breaking at spaces); Vietnamese and Devanagari get taller
    leading; right-to-left text is right aligned (its lines are made by handout.rtl).
    """
    m = LARGE_PRINT if large_print else _tightened(LEVEL_METRICS[level], FIT_STEPS[fit])
    heading_colour = colors.HexColor(accent) if accent else ACCENT
    align = TA_RIGHT if rtl else TA_LEFT
    bold = face_name(family, bold=True)
    base = ParagraphStyle(
        "body",
        fontName=family,
        fontSize=m.body,
        leading=m.leading,
        textColor=INK,
        alignment=align,
        spaceAfter=m.space,
    )
    styles = {
        "body": base,
        "lead": ParagraphStyle(
            "lead", parent=base, fontName=bold, fontSize=m.body + 1, leading=m.leading + 1.5
        ),
        "small": ParagraphStyle(
            "small",
            parent=base,
            fontSize=7,
            leading=8.4,
            textColor=MUTED,
            spaceAfter=0,
            spaceBefore=2,
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=bold,
            fontSize=m.title,
            leading=m.title * 1.2,
            textColor=heading_colour,
            spaceAfter=m.space * 1.5,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=bold,
            fontSize=m.h2,
            leading=m.h2 * 1.25,
            textColor=heading_colour,
            spaceBefore=m.space * 2,
            spaceAfter=m.space * 0.6,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName=bold,
            fontSize=m.h3,
            leading=m.h3 * 1.25,
            textColor=heading_colour,
            spaceBefore=m.space,
            spaceAfter=m.space * 0.5,
            keepWithNext=1,
        ),
        "item": ParagraphStyle("item", parent=base, spaceAfter=m.space * 0.5),
        "fact-label": ParagraphStyle("fact-label", parent=base, fontName=bold, spaceAfter=0),
        "fact-value": ParagraphStyle("fact-value", parent=base, spaceAfter=0),
        "header": ParagraphStyle(
            "header",
            parent=base,
            fontName=bold,
            fontSize=10,
            leading=12,
            textColor=heading_colour,
            spaceAfter=0,
        ),
        "footer": ParagraphStyle(
            "footer", parent=base, fontSize=8, leading=10, textColor=MUTED, spaceAfter=0
        ),
    }
    factor = MIN_LEADING.get(script)
    for style in styles.values():
        if factor:
            style.leading = max(style.leading, round(style.fontSize * factor, 2))
        if script == "devanagari":
            style.shaping = 1
        if script == "han":
            style.wordWrap = "CJK"
    return styles


@cache
def shaped(style: ParagraphStyle) -> ParagraphStyle:
    """A copy of a style with HarfBuzz shaping on: for a Devanagari name on another leaflet.

    Styles are cached for the whole process (stylesheet), so caching by identity is safe.
    """
    return ParagraphStyle(f"{style.name}-shaped", parent=style, shaping=1)


@cache
def left_aligned(style: ParagraphStyle) -> ParagraphStyle:
    """A copy of a right-to-left leaflet's style for a paragraph in a left-to-right script."""
    return ParagraphStyle(f"{style.name}-ltr", parent=style, alignment=TA_LEFT)
