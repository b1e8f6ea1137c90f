"""Text inside pictures: wrapped, measured and drawn with the leaflet's fonts, as ReportLab Strings.

A canvas drawing has no paragraphs, so pictures set their own text: greedy wrapping on spaces with
the real font metrics, shrinking a caption only as far as readability allows, breaking a word only
when it is wider than the column, splitting each line into runs so every character is drawn in a
face that has it, and HarfBuzz-shaping Devanagari runs as the paragraphs are. Kept apart from
handout.pictures, which decides what each picture shows and where its text goes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeVar
from unicodedata import east_asian_width

from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import getAscentDescent, getFont, stringWidth
from reportlab.pdfbase.ttfonts import shapeStr

Visual = Callable[[str], str]
#: Splits one line as drawn into (registered face name, text) runs; the bool asks for bold faces.
Runs = Callable[[str, bool], Sequence[tuple[str, str]]]

# Text and marks are solid black: a printer screens any gray, which frays small text and thin rules.
INK = Color(0, 0, 0)
CAPTION_PT = 10.0
MIN_PT = 8.0


#: Scripts a canvas draws wrongly (vowel signs, conjuncts) unless HarfBuzz shapes them, as
#: handout.flowables shapes paragraphs: Devanagari and Devanagari Extended.
_SHAPED = (("\u0900", "\u097f"), ("\ua8e0", "\ua8ff"))

#: Where text may wrap: whitespace other than the no-break spaces ("38\u00a0°C" stays one word).
_BREAK = re.compile(r"[^\S\u00a0\u202f\u2007]+")


@lru_cache(maxsize=4096)
def drawn(face: str, text: str, size: float) -> str:
    """What a `String` draws for one run: the text itself, or for Devanagari in a shapable face
    the HarfBuzz-shaped glyphs (a ShapedStr, which ReportLab both measures and draws shaped)."""
    if getattr(getFont(face), "shapable", False) and any(
        lo <= c <= hi for c in text for lo, hi in _SHAPED
    ):
        shaped: str = shapeStr(text, face, size)  # a str subclass: keep it, never str() it
        return shaped
    return text


def run_width(face: str, text: str, size: float) -> float:
    return float(stringWidth(drawn(face, text, size), face, size))


@dataclass(frozen=True)
class Face:
    """How to set one piece of text: its face without runs, whether bold, and the run splitter."""

    font: str
    bold: bool = False
    runs: Runs | None = None

    def split(self, line: str) -> tuple[tuple[str, str], ...]:
        """A line as drawn -> (face, text) runs; one run in `font` when there is no splitter."""
        if self.runs is None or not line:
            return ((self.font, line),)
        return tuple((face, text) for face, text in self.runs(line, self.bold) if text)

    def width(self, line: str, size: float) -> float:
        return sum(run_width(face, text, size) for face, text in self.split(line))


@dataclass(frozen=True)
class TextBlock:
    lines: tuple[str, ...]  # as drawn (visual order)
    runs: tuple[tuple[tuple[str, str], ...], ...]  # each line's (face, text) runs
    size: float
    ascent: float  # the tallest face used (the primary face included), at `size`
    descent: float

    @property
    def leading(self) -> float:
        return self.size * 1.2

    @property
    def height(self) -> float:
        """From the fonts' ascent on the first line to their descent on the last: accents fit."""
        if not self.lines:
            return 0.0
        return float((len(self.lines) - 1) * self.leading + self.ascent - self.descent)


def text_block(lines: Sequence[str], face: Face, size: float) -> TextBlock:
    runs = tuple(face.split(line) for line in lines)
    faces = dict.fromkeys([face.font, *(f for line in runs for f, _ in line)])
    metrics = [getAscentDescent(f, size) for f in faces]
    return TextBlock(
        tuple(lines),
        runs,
        size,
        float(max(a for a, _ in metrics)),
        float(min(d for _, d in metrics)),
    )


_MaybeBlock = TypeVar("_MaybeBlock", TextBlock, TextBlock | None)


def aligned(blocks: Sequence[_MaybeBlock]) -> list[_MaybeBlock]:
    """Blocks side by side with one ascent and descent, so their first baselines line up even
    when only some of them use a taller fallback face (digits in a Chinese label)."""
    present = [b for b in blocks if b is not None]
    if not present:
        return list(blocks)
    ascent = max(b.ascent for b in present)
    descent = min(b.descent for b in present)
    return [None if b is None else replace(b, ascent=ascent, descent=descent) for b in blocks]


def identity(text: str) -> str:
    return text


def _hyphenates(before: str, after: str) -> bool:
    """A break between two letters of a spaced script shows a hyphen; CJK breaks show none."""
    return all(c.isalpha() and east_asian_width(c) not in ("W", "F") for c in (before, after))


def _wrap(
    text: str, face: Face, size: float, width: float, visual: Visual
) -> tuple[list[str], bool]:
    """Greedy wrap on spaces; returns the lines and whether a word had to be broken mid-word."""

    def fits(s: str) -> bool:
        return face.width(visual(s), size) <= width

    lines: list[str] = []
    broke = False
    current = ""
    for word in _BREAK.split(text.strip()):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while not fits(current):  # breaks only words wider than the whole column
            broke = True
            cut = next((i for i in range(len(current) - 1, 0, -1) if fits(current[:i])), 1)
            piece, current = current[:cut], current[cut:]
            if _hyphenates(piece[-1], current[0]):
                cut = next((i for i in range(cut - 1, 0, -1) if fits(piece[:i] + "-")), 0)
                if cut:
                    piece, current = piece[:cut] + "-", piece[cut:] + current
            lines.append(piece)
    if current:
        lines.append(current)
    return lines, broke


def fit_text(
    text: str,
    face: Face,
    width: float,
    *,
    size: float = CAPTION_PT,
    max_lines: int = 3,
    shrink_to: float | None = None,
    visual: Visual = identity,
) -> TextBlock:
    """Wrap `text` to `width`, shrinking only as far as readability allows.

    To stay within `max_lines` the size may drop to `shrink_to` (default: no shrinking, so captions
    keep their size); past that, more lines are better than smaller text. A word wider than the
    column may shrink the text to MIN_PT, and only then breaks between characters (CJK, long
    compounds): nothing overflows and no word is dropped.
    """
    floor = size if shrink_to is None else shrink_to
    trial = size
    while True:
        lines, broke = _wrap(text, face, trial, width, visual)
        if (not broke and (len(lines) <= max_lines or trial <= floor)) or trial <= MIN_PT:
            return text_block([visual(line) for line in lines], face, trial)
        trial = max(MIN_PT, trial - 0.5)


_ANCHOR_SHIFT = {"start": 0.0, "middle": 0.5, "end": 1.0}


def draw_block(
    group: Group,
    block: TextBlock,
    x: float,
    top: float,
    *,
    anchor: str = "middle",
    color: Color = INK,
) -> float:
    """Draw lines whose first line starts just below `top`; return the block's bottom.

    A line in one face is one `String` anchored at `x`; a line of several runs is consecutive
    `String`s, each as wide as its run in its face, placed so the whole line keeps the anchor.
    """
    for i, runs in enumerate(block.runs):
        baseline = top - block.ascent - i * block.leading
        if len(runs) == 1:
            placed = [(x, runs[0][0], runs[0][1], anchor)]
        else:
            widths = [run_width(face, text, block.size) for face, text in runs]
            left = x - sum(widths) * _ANCHOR_SHIFT[anchor]
            placed = []
            for (face, text), w in zip(runs, widths, strict=True):
                placed.append((left, face, text, "start"))
                left += w
        for run_x, face, text, run_anchor in placed:
            group.add(
                String(
                    run_x,
                    baseline,
                    drawn(face, text, block.size),
                    fontName=face,
                    fontSize=block.size,
                    fillColor=color,
                    textAnchor=run_anchor,
                )
            )
    return top - block.height


def new_drawing(width: float, height: float, font: str) -> Drawing:
    drawing = Drawing(width, height)
    drawing.initialFontName = font  # else ReportLab sets Helvetica on entry, text or not
    return drawing
