"""Vector pictures for the leaflet: calcification panels, a risk icon array, a timeline, a QR code.

Health-literacy checklists (PEMAT-P 15-18, CDC Clear Communication Index item 4) ask for visuals
that carry the main message, and icon arrays are read far better than percentages. Each function
takes plain data (every word already in the leaflet's language, font names already registered) and
returns a `Picture`: a ReportLab `Drawing` exactly `width` wide (a flowable) plus a record of what
was drawn, so tests assert "the right panel, the right count, the right steps" without a PDF.

Rules every picture keeps, and why:
- Grayscale-safe: black, white and grays only, and every distinction is also a shape (thick frame,
  filled vs outlined figure, filled vs hollow marker), because leaflets get photocopied.
- Deterministic: dot positions are fixed tables or closed-form sequences, never run-time randomness,
  so two renders are byte-identical.
- Every `String` and the drawing's `initialFontName` use the caller's fonts: ReportLab otherwise
  sets Helvetica, even in a drawing with no text, and a non-embedded font fails print preflight.
- No font has every script (the Chinese font has no digits, the Arabic one no Latin letters), and a
  font draws nothing for a character it lacks. Pass `runs` (text, bold -> [(face, text), ...]) to
  split each line into runs, each in a face that has its characters: a line is then drawn as
  consecutive `String`s, aligned as a whole. Without `runs` all text is in `font` / `bold_font`.
- Text is wrapped on spaces (never at a no-break space) and measured with the real fonts; a word
  too wide for its column first shrinks (to a minimum size), then breaks between characters, so
  nothing overflows or is dropped.
- Right-to-left: the layout is mirrored (panel and step order, fill order, text alignment). Text is
  drawn as given; pass `visual` (e.g. reshaper + bidi) to turn each wrapped logical line into visual
  order, since ReportLab cannot reorder bidirectional text itself. `visual` runs before `runs`, so
  runs are split from the string as drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Literal, TypeVar, get_args

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Circle, Drawing, Group, Path, Polygon, Rect
from reportlab.lib.colors import Color, white

from handout.picture_text import (
    INK,
    Face,
    Runs,
    TextBlock,
    Visual,
    aligned,
    draw_block,
    fit_text,
    identity,
    new_drawing,
)

PanelKind = Literal["macro", "micro-scattered", "micro-grouped", "micro-linear"]
PANEL_KINDS: tuple[str, ...] = get_args(PanelKind)
IconStyle = Literal["filled", "range", "open"]

InfoT = TypeVar("InfoT")

FILM = INK  # mammogram background
FATTY = Color(0.36, 0.36, 0.36)  # breast outline: fatty tissue
DENSE = Color(0.52, 0.52, 0.52)  # fibroglandular tissue, lighter on a mammogram
MID = Color(0.62, 0.62, 0.62)  # "may be" figures in a range: between filled and open
LINE = Color(0.35, 0.35, 0.35)  # timeline rule and open figures: quieter than the marks



@dataclass(frozen=True)
class Picture(Generic[InfoT]):
    """A drawing to place in the flow, with what it shows (`info`) for tests and checks."""

    drawing: Drawing
    info: InfoT

    @property
    def width(self) -> float:
        return float(self.drawing.width)

    @property
    def height(self) -> float:
        return float(self.drawing.height)


@dataclass(frozen=True)
class Panel:
    """One mammogram-style panel: which calcification pattern, its caption, whether it is hers."""

    kind: PanelKind
    caption: str
    highlighted: bool = False

    def __post_init__(self) -> None:
        if self.kind not in PANEL_KINDS:
            msg = f"unknown panel kind {self.kind!r}; expected one of {', '.join(PANEL_KINDS)}"
            raise ValueError(msg)


@dataclass(frozen=True)
class PanelsInfo:
    """What `calcification_panels` drew: kinds as given and left to right, and the marked kinds."""

    kinds: tuple[str, ...]
    drawn_order: tuple[str, ...]
    marked: tuple[str, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class IconLegend:
    """Optional key beside the icon array: one phrase per figure style (`in_range` for ranges)."""

    filled: str
    open: str
    in_range: str | None = None


@dataclass(frozen=True)
class IconArrayInfo:
    """What `icon_array` drew: counts per style and each cell's style, row by row, left to right."""

    total: int
    filled: int
    in_range: int
    cells: tuple[IconStyle, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class TimelineStep:
    """One step of her next steps: what happens, and when (relative words or a date), if known."""

    label: str
    when: str | None = None


@dataclass(frozen=True)
class TimelineInfo:
    """What `timeline` drew: labels in time order and left to right, and each step's when-text."""

    labels: tuple[str, ...]
    drawn_order: tuple[str, ...]
    whens: tuple[str | None, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class QrInfo:
    """What `qr_code` encoded, and its printed size in points (quiet zone included)."""

    value: str
    size: float


# --- calcification panels -------------------------------------------------------------------------

# Dots are in breast coordinates: a = 0 at the chest wall .. 1 at the nipple, b = -1 (bottom) .. 1
# (top); r is a fraction of the image width. Fixed tables, so every leaflet shows the same picture.
_MACRO: tuple[tuple[float, float, float, bool], ...] = (
    (0.28, 0.42, 0.040, False),
    (0.50, -0.30, 0.046, True),  # popcorn: a coarse, lumpy shape
    (0.68, 0.30, 0.032, False),
    (0.24, -0.48, 0.034, False),
    (0.44, 0.08, 0.044, True),
)
_LINEAR = (  # a branching trunk pointing to the nipple, as along a milk duct
    ((0.24, 0.34), (0.50, 0.12)),
    ((0.50, 0.12), (0.74, 0.26)),
    ((0.50, 0.12), (0.70, -0.24)),
    ((0.38, 0.22), (0.50, 0.50)),
)
_P = 2.1  # superellipse exponent of the breast outline: a little fuller than an ellipse


def _halton(index: int, base: int) -> float:
    result, f = 0.0, 1.0
    while index:
        f /= base
        result += f * (index % base)
        index //= base
    return result


def _dots(kind: str) -> list[tuple[float, float, float]]:
    """(a, b, r) of each dot for a panel kind; popcorn dots expand into overlapping lobes."""
    if kind == "macro":
        out = []
        for a, b, r, popcorn in _MACRO:
            if popcorn:
                out += [(a - 0.030, b + 0.02, r * 0.62), (a + 0.025, b + 0.05, r * 0.55)]
                out += [(a, b - 0.05, r * 0.6), (a + 0.01, b + 0.005, r * 0.5)]
            else:
                out.append((a, b, r))
        return out
    if kind == "micro-scattered":
        points = ((_halton(i, 2), _halton(i, 3) * 2 - 1) for i in range(1, 80))
        inside = [(a, b) for a, b in points if a**_P + abs(b) ** _P < 0.75 and a > 0.08]
        return [(a, b, 0.0085 + 0.002 * (i % 3) / 2) for i, (a, b) in enumerate(inside[:34])]
    if kind == "micro-grouped":
        golden = math.pi * (3 - math.sqrt(5))
        return [
            (
                0.56 + 0.052 * math.sqrt(i / 12) * math.cos(i * golden),
                0.10 + 0.16 * math.sqrt(i / 12) * math.sin(i * golden),
                0.0085 + 0.002 * (i % 2),
            )
            for i in range(12)
        ]
    dots = []
    for (a0, b0), (a1, b1) in _LINEAR:
        steps = max(2, round(math.hypot(a1 - a0, (b1 - b0) * 0.45) / 0.026))
        for i in range(steps + 1):
            t = i / steps
            wobble = 0.012 * math.sin(i * 2.3 + a0 * 10)
            dots.append((a0 + (a1 - a0) * t, b0 + (b1 - b0) * t + wobble, 0.008 + 0.002 * (i % 2)))
    return dots


def _breast(group: Group, x: float, y: float, w: float, h: float, kind: str) -> None:
    """A side-view breast on film: dark background, gray tissue, white calcifications."""
    group.add(Rect(x, y, w, h, fillColor=FILM, strokeColor=None))
    rx, ry, cy, droop = 0.82 * w, 0.43 * h, y + 0.54 * h, 0.08 * h

    def point(a: float, b: float) -> tuple[float, float]:
        return x + a * rx, cy + b * ry - droop * a * a

    def outline(scale: float, lobes: float) -> list[float]:
        pts: list[float] = []
        for i in range(73):
            t = -math.pi / 2 + math.pi * i / 72
            c, s = math.cos(t), math.sin(t)
            k = scale * (1 + lobes * (math.sin(5 * t + 1) + 0.6 * math.sin(11 * t)))
            pts += point(k * abs(c) ** (2 / _P), k * math.copysign(abs(s) ** (2 / _P), s))
        return pts

    group.add(Polygon(outline(1.0, 0.0), fillColor=FATTY, strokeColor=None))
    group.add(Polygon(outline(0.72, 0.035), fillColor=DENSE, strokeColor=None))
    nx, ny = point(1.0, 0.0)
    group.add(Circle(nx, ny, 0.02 * w, fillColor=FATTY, strokeColor=None))  # nipple
    for a, b, r in _dots(kind):
        px, py = point(a, b)
        group.add(Circle(px, py, r * w, fillColor=white, strokeColor=None))


def calcification_panels(
    panels: Sequence[Panel],
    width: float,
    *,
    font: str,
    bold_font: str,
    marker_label: str = "",
    rtl: bool = False,
    visual: Visual | None = None,
    runs: Runs | None = None,
) -> Picture[PanelsInfo]:
    """A row of mammogram-style panels; each highlighted one is framed and carries `marker_label`.

    The mark is a thick black frame plus a black header bar with the label in white, and the caption
    in bold: three cues that survive a black-and-white photocopy. Panel order is reversed for rtl.
    """
    if not 1 <= len(panels) <= 6:
        msg = f"calcification_panels needs 1 to 6 panels, got {len(panels)}"
        raise ValueError(msg)
    if any(p.highlighted for p in panels) and not marker_label.strip():
        msg = "a highlighted panel needs a marker_label (e.g. 'This is like yours')"
        raise ValueError(msg)
    vis = visual or identity
    n = len(panels)
    gap = max(6.0, 0.03 * width)
    pw = (width - (n - 1) * gap) / n
    pad, frame = 5.0, 2.5
    iw = pw - 2 * pad
    ih = iw * 0.84
    drawn = list(reversed(panels)) if rtl else list(panels)
    regular, bold = Face(font, False, runs), Face(bold_font, True, runs)
    captions = aligned(
        [fit_text(p.caption, bold if p.highlighted else regular, iw, visual=vis) for p in drawn]
    )
    label = fit_text(marker_label, bold, pw - 2 * pad, max_lines=2, shrink_to=9, visual=vis)
    tab_h = label.height + 6 if any(p.highlighted for p in panels) else 0.0
    cap_h = max(c.height for c in captions)
    height = frame + pad + cap_h + 4 + ih + pad + tab_h + frame

    drawing = new_drawing(width, height, font)
    texts: list[str] = []
    for i, (panel, caption) in enumerate(zip(drawn, captions, strict=True)):
        x0 = i * (pw + gap)
        g = Group()
        img_y = frame + pad + cap_h + 4
        _breast(g, x0 + pad, img_y, iw, ih, panel.kind)
        if panel.highlighted:
            top = img_y + ih + pad
            g.add(Rect(x0, top, pw, tab_h + frame, fillColor=INK, strokeColor=None))
            draw_block(g, label, x0 + pw / 2, top + tab_h - 2, color=white)
            g.add(
                Rect(
                    x0 + frame / 2,
                    frame / 2,
                    pw - frame,
                    height - frame,
                    fillColor=None,
                    strokeColor=INK,
                    strokeWidth=frame,
                )
            )
            texts += label.lines
        draw_block(g, caption, x0 + pw / 2, img_y - 4)
        texts += caption.lines
        drawing.add(g)
    info = PanelsInfo(
        kinds=tuple(p.kind for p in panels),
        drawn_order=tuple(p.kind for p in drawn),
        marked=tuple(p.kind for p in panels if p.highlighted),
        texts=tuple(texts),
    )
    return Picture(drawing, info)


# --- icon array -----------------------------------------------------------------------------------


def _person(x: float, y: float, s: float, style: IconStyle) -> Group:
    """A figure (head, rounded shoulders) in an s x s cell; styles differ in fill and outline."""
    fill, stroke = {"filled": (INK, INK), "range": (MID, INK), "open": (white, LINE)}[style]
    width = max(0.5, 0.05 * s)
    cx, left, right, bottom, top, r = (
        x + s / 2,
        x + 0.24 * s,
        x + 0.76 * s,
        y + 0.07 * s,
        y + 0.57 * s,
        0.16 * s,
    )
    k = 0.5523 * r  # cubic Bezier handle for a quarter circle
    body = Path(fillColor=fill, strokeColor=stroke, strokeWidth=width, strokeLineJoin=1)
    body.moveTo(left, bottom)
    body.lineTo(left, top - r)
    body.curveTo(left, top - r + k, left + r - k, top, left + r, top)
    body.lineTo(right - r, top)
    body.curveTo(right - r + k, top, right, top - r + k, right, top - r)
    body.lineTo(right, bottom)
    body.closePath()
    head = Circle(cx, y + 0.77 * s, 0.14 * s, fillColor=fill, strokeColor=stroke, strokeWidth=width)
    return Group(body, head)


def icon_array(
    highlighted: int | None,
    width: float,
    *,
    caption: str,
    font: str,
    bold_font: str,
    total: int = 100,
    highlighted_range: tuple[int, int] | None = None,
    legend: IconLegend | None = None,
    rtl: bool = False,
    visual: Visual | None = None,
    runs: Runs | None = None,
) -> Picture[IconArrayInfo] | None:
    """`total` figures in rows of 10, `highlighted` of them filled dark in reading order; a caption.

    Filled figures come first in reading order (right to left when rtl) so the count is seen at a
    glance. `highlighted_range=(low, high)` draws low filled and the next high - low in a distinct
    mid-gray "may be" style, for a range such as BI-RADS 4 without subcategory. With neither a count
    nor a range this returns None, and the caller shows the words alone: a grid with nothing filled
    would read as "0 in 100", the most dangerous misreading. The caption and optional legend sit
    beside the grid (on its left when rtl) when `width` >= 300 pt, otherwise under it.
    """
    if highlighted is not None and highlighted_range is not None:
        msg = "give highlighted or highlighted_range, not both"
        raise ValueError(msg)
    if highlighted is None and highlighted_range is None:
        return None
    low, high = highlighted_range or (highlighted or 0, highlighted or 0)
    if not (total >= 1 and 0 <= low <= high <= total):
        msg = f"icon counts must satisfy 0 <= {low} <= {high} <= total ({total})"
        raise ValueError(msg)
    vis = visual or identity
    cols, rows = 10, math.ceil(total / 10)
    side_by_side = width >= 300
    cell = min(14.4, 0.3 * width / cols) if side_by_side else min(14.4, width / cols)
    grid_w, grid_h = cols * cell, rows * cell
    text_w = width - grid_w - 0.05 * width if side_by_side else width
    regular, bold = Face(font, False, runs), Face(bold_font, True, runs)
    cap = fit_text(caption, bold, text_w, size=12, max_lines=6, visual=vis)
    keys: list[tuple[IconStyle, TextBlock]] = []
    if legend is not None:
        entries: list[tuple[IconStyle, str | None]] = [
            ("filled", legend.filled),
            ("range", legend.in_range if highlighted_range else None),
            ("open", legend.open),
        ]
        keys = [
            (style, fit_text(text, regular, text_w - cell * 1.4, max_lines=3, visual=vis))
            for style, text in entries
            if text
        ]
    keys_h = sum(max(b.height, cell) + 3 for _, b in keys)
    text_h = cap.height + (8 + keys_h if keys else 0)
    height = max(grid_h, text_h) if side_by_side else grid_h + 8 + text_h
    drawing = new_drawing(width, height, font)

    grid_x = (width - grid_w if rtl else 0.0) if side_by_side else (width - grid_w) / 2
    cells: list[IconStyle] = []
    for row in range(rows):
        for col in range(cols):
            order = row * cols + (cols - 1 - col if rtl else col)
            if order >= total:
                continue
            style: IconStyle = "filled" if order < low else "range" if order < high else "open"
            cells.append(style)
            drawing.add(_person(grid_x + col * cell, height - (row + 1) * cell, cell, style))

    gap = 0.05 * width
    text_left = (0.0 if rtl else grid_w + gap) if side_by_side else 0.0
    top = height if side_by_side else height - grid_h - 8
    anchor = "end" if rtl else "start"
    x_text = text_left + text_w if rtl else text_left
    texts = list(cap.lines)
    y = draw_block(drawing, cap, x_text, top, anchor=anchor) - 8
    for style, block in keys:
        row_h = max(block.height, cell)
        icon_x = x_text - cell if rtl else x_text
        drawing.add(_person(icon_x, y - cell, cell, style))
        label_x = x_text - cell * 1.4 if rtl else x_text + cell * 1.4
        draw_block(drawing, block, label_x, y - (row_h - block.height) / 2, anchor=anchor)
        texts += block.lines
        y -= row_h + 3
    info = IconArrayInfo(
        total=total,
        filled=low,
        in_range=high - low,
        cells=tuple(cells),
        texts=tuple(texts),
    )
    return Picture(drawing, info)


# --- timeline -------------------------------------------------------------------------------------


def timeline(
    steps: Sequence[TimelineStep],
    width: float,
    *,
    font: str,
    bold_font: str,
    rtl: bool = False,
    visual: Visual | None = None,
    runs: Runs | None = None,
) -> Picture[TimelineInfo]:
    """Her next steps on a line: when-text above each marker, the step below; today filled.

    The first step is "now" (filled marker); later ones are hollow, and arrowheads between markers
    show the direction of time (right to left when rtl), so order does not rest on reading habit.
    """
    if not 2 <= len(steps) <= 5:
        msg = f"timeline needs 2 to 5 steps, got {len(steps)}"
        raise ValueError(msg)
    vis = visual or identity
    n = len(steps)
    col = width / n
    text_w = col - 6
    regular, bold = Face(font, False, runs), Face(bold_font, True, runs)
    labels = aligned([fit_text(s.label, bold, text_w, shrink_to=9, visual=vis) for s in steps])
    whens = aligned(
        [
            fit_text(w, regular, text_w, max_lines=2, shrink_to=9, visual=vis)
            if (w := s.when)
            else None
            for s in steps
        ]
    )
    when_h = max((w.height for w in whens if w), default=0.0)
    label_h = max(b.height for b in labels)
    r = 6.0
    line_y = label_h + 6 + r + 2
    height = line_y + r + (6 + when_h if when_h else 0) + 2

    drawing = new_drawing(width, height, font)
    xs = [width - (i + 0.5) * col if rtl else (i + 0.5) * col for i in range(n)]
    drawing.add(Rect(min(xs), line_y - 1, abs(xs[-1] - xs[0]), 2, fillColor=LINE, strokeColor=None))
    direction = -1 if rtl else 1
    for x0, x1 in zip(xs, xs[1:], strict=False):
        mid, a = (x0 + x1) / 2, 5.0
        drawing.add(
            Polygon(
                [
                    mid - direction * a,
                    line_y + a,
                    mid + direction * a,
                    line_y,
                    mid - direction * a,
                    line_y - a,
                ],
                fillColor=LINE,
                strokeColor=None,
            )
        )
    texts: list[str] = []
    for i, (x, label, when) in enumerate(zip(xs, labels, whens, strict=True)):
        fill = INK if i == 0 else white
        drawing.add(Circle(x, line_y, r, fillColor=fill, strokeColor=INK, strokeWidth=2))
        if when:
            draw_block(drawing, when, x, line_y + r + 6 + when.height)
            texts += when.lines
        draw_block(drawing, label, x, line_y - r - 6)
        texts += label.lines
    order = sorted(range(n), key=lambda i: xs[i])
    info = TimelineInfo(
        labels=tuple(s.label for s in steps),
        drawn_order=tuple(steps[i].label for i in order),
        whens=tuple(s.when for s in steps),
        texts=tuple(texts),
    )
    return Picture(drawing, info)


# --- QR code --------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def qr_code(value: str, size: float, *, font: str) -> Picture[QrInfo]:
    """A QR code `size` points square (quiet zone included), built once per (value, size, font).

    Encoding is the slow part of a page that has one, so the modules are frozen into plain shapes
    and the Picture is cached: treat it as read-only. `font` only sets the drawing's initial font,
    which keeps ReportLab from pulling Helvetica into the PDF.
    """
    if not value:
        msg = "qr_code needs a non-empty value"
        raise ValueError(msg)
    widget = QrCodeWidget(value, barWidth=size, barHeight=size, barLevel="M")
    modules = widget.draw()
    frame = modules.contents[0]  # the widget's own unfilled outline: not part of the code
    frame.strokeColor = None
    drawing = new_drawing(size, size, font)
    drawing.add(Rect(0, 0, size, size, fillColor=white, strokeColor=None))
    drawing.add(modules)
    return Picture(drawing, QrInfo(value=value, size=size))
