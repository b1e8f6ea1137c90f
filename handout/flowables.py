"""Document blocks -> ReportLab flowables, one function per block type.

No words of our own: every string comes from the Document. Each string is escaped exactly once
here, on its way into ReportLab's paragraph markup, so a patient called `Ann <b>O'Neil & Co` prints
literally, and every character is routed to a font of the leaflet's chain that has it (a character
none has is an error naming it, never an empty box). Right-to-left leaflets get their lines from
handout.rtl and a mirrored layout. Pages, header, footer and the PDF itself are handout.pdf's job.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import singledispatch
from typing import Any

from reportlab.lib.colors import HexColor
from reportlab.lib.units import inch
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Table,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph

from handout.document import (
    Block,
    Box,
    BulletList,
    Columns,
    Document,
    Heading,
    Inline,
    KeyFacts,
    Paragraph,
    Span,
    Steps,
    Title,
    WriteLines,
    plain_text,
)
from handout.errors import RenderError
from handout.fonts import (
    chain_for,
    covers,
    describe_char,
    face_name,
    missing_characters,
    runs_markup,
    script_for,
)
from handout.rtl import RTLParagraph, has_rtl, is_latin_only, visual_ltr, visual_rtl_line
from handout.styles import (
    ACCENT,
    BOLD_STYLES,
    FIT_STEPS,
    GREY_TINT,
    INK,
    RULE,
    TINT,
    left_aligned,
    shaped,
    stylesheet,
)

MARGIN = 0.75 * inch
LARGE_PRINT_MARGIN = 1.0 * inch


@dataclass(frozen=True)
class RenderOptions:
    """How a clinic's leaflets look, apart from their words: margins, accent colour, logo, size."""

    margin: float = MARGIN
    accent: str | None = None
    logo: str | None = None
    large_print: bool = False
    fit: int = 0  # index into styles.FIT_STEPS: how tightly to set it (chosen by handout.fit)

    @property
    def page_margin(self) -> float:
        """Large print gets generous margins (at least an inch) whatever the clinic set."""
        return max(self.margin, LARGE_PRINT_MARGIN) if self.large_print else self.margin


DEFAULT_OPTIONS = RenderOptions()


class _Ctx:
    """What block renderers need: styles, the font chain, the direction and the usable width."""

    def __init__(
        self, doc: Document, level: str, width: float, options: RenderOptions = DEFAULT_OPTIONS
    ) -> None:
        self.options = options
        self.accent = HexColor(options.accent) if options.accent else ACCENT
        self.lang = doc.lang
        self.chain = chain_for(doc.lang)
        self.family = self.chain[0]
        self.bold_face = face_name(self.family, bold=True)  # the regular face where none exists
        self.script = script_for(doc.lang)
        self.rtl = doc.direction == "rtl"
        fit = 0 if options.large_print else options.fit
        self.tight = FIT_STEPS[fit]
        self.styles = stylesheet(
            level, self.family, self.rtl, self.script, options.large_print, options.accent, fit
        )
        self.width = width
        # Bullets and step numbers: the first font with "•", digits and "." (Noto Sans for Latin).
        self.bullet_family = next(
            (
                f
                for f in self.chain
                if all(covers(f, c) and covers(f, c, bold=True) for c in _BULLET_CHARS)
            ),
            "NotoSans",
        )

    def _check(self, text: str, bold: bool) -> None:
        missing = missing_characters(text, self.chain, bold=bold)
        if missing:
            msg = (
                f"leaflet text contains {describe_char(missing[0])}, which no bundled font "
                "for this language can print; check the content and template files"
            )
            raise RenderError(msg)

    def markup(self, inline: Inline, bold_style: bool = False) -> str:
        """Escape each span once and route every character to a font that has it.

        In a bold style every span is marked bold, so a fallback run is bold too ("X" in a
        Chinese heading, brackets in an Arabic one), not the fallback font's regular face.
        """
        parts = []
        for span in inline:
            span = Span(unicodedata.normalize("NFC", span.text), span.bold or bold_style)
            self._check(span.text, span.bold)
            # U+202F (Babel's Russian "г." space) is a break point in ReportLab; U+00A0 is not.
            text = span.text.replace("\u202f", "\u00a0")
            if has_rtl(text):
                text = visual_ltr(text)  # an Arabic name on a left-to-right leaflet
            parts.append(runs_markup(text, self.chain, bold=span.bold))
        return "".join(parts)

    def para(self, inline: Inline, style: str) -> Flowable:
        bold_style = style in BOLD_STYLES
        para_style = self.styles[style]
        if self.rtl and is_latin_only(span.text for span in inline):
            para_style = left_aligned(para_style)
        elif self.rtl:
            spans = [(span.text, span.bold or bold_style) for span in inline]
            for text, bold in spans:
                self._check(text, bold)
            spans = [(text.replace("\u202f", "\u00a0"), bold) for text, bold in spans]
            return RTLParagraph(spans, self.styles[style], self.chain)
        if not para_style.shaping and any(_needs_shaping(span.text) for span in inline):
            para_style = shaped(para_style)
        return RLParagraph(self.markup(inline, bold_style), para_style)

    def text(self, text: str, style: str) -> Flowable:
        return self.para((Span(text),), style)

    def visual_line(self, text: str) -> str:
        """One already-wrapped line as it must be drawn left to right on a canvas (pictures):
        Arabic joined and reordered; other text unchanged."""
        if self.rtl:
            return visual_rtl_line(text)
        return visual_ltr(text)


_BULLET_CHARS = "\u20220123456789."


def _needs_shaping(text: str) -> bool:
    """Devanagari (a Hindi name on another leaflet) is wrong unless HarfBuzz shapes it."""
    return any("\u0900" <= c <= "\u097f" or "\ua8e0" <= c <= "\ua8ff" for c in text)


@singledispatch
def _flowables(block: Block, ctx: _Ctx) -> list[Flowable]:
    msg = f"no renderer for block type {type(block).__name__}"
    raise RenderError(msg)


@_flowables.register
def _(block: Title, ctx: _Ctx) -> list[Flowable]:
    return [ctx.para(block.text, "title")]


@_flowables.register
def _(block: Heading, ctx: _Ctx) -> list[Flowable]:
    return [ctx.para(block.text, "h2" if block.level == 2 else "h3")]


@_flowables.register
def _(block: Paragraph, ctx: _Ctx) -> list[Flowable]:
    return [ctx.para(block.text, block.style)]


def _list(
    items: tuple[Inline, ...], ctx: _Ctx, numbered: bool, first: int = 1
) -> list[Flowable]:
    style = ctx.styles["item"]
    indent = style.fontSize * 1.6
    # Right to left: bullets and numbers on the right; "1." reads ".1" left to right there.
    side: dict[str, Any] = (
        {"bulletDir": "rtl", "bulletAlign": "right", "rightIndent": indent, "leftIndent": 0}
        if ctx.rtl
        else {"leftIndent": indent}
    )
    flow = ListFlowable(
        [ListItem(ctx.para(item, "item")) for item in items],
        bulletType="1" if numbered else "bullet",
        start=first if numbered else "\u2022",
        bulletFontName=face_name(ctx.bullet_family, bold=numbered),
        bulletFontSize=style.fontSize,
        bulletFormat=(".%s" if ctx.rtl else "%s.") if numbered else None,
        bulletDedent="auto",
        spaceAfter=style.spaceAfter,
        **side,
    )
    return [flow]


#: A bullet list of this many short items is set in two columns: same words, half the height.
_COMPACT_MIN_ITEMS = 4
_COMPACT_MAX_CHARS = 32


@_flowables.register
def _(block: BulletList, ctx: _Ctx) -> list[Flowable]:
    short = all(len(plain_text(item)) <= _COMPACT_MAX_CHARS for item in block.items)
    if len(block.items) < _COMPACT_MIN_ITEMS or not short or ctx.width < 300:
        return _list(block.items, ctx, numbered=False)
    half = (len(block.items) + 1) // 2
    columns = [block.items[:half], block.items[half:]]
    if ctx.rtl:
        columns.reverse()
    cells = [_list(col, _narrower(ctx, ctx.width / 2), numbered=False) for col in columns]
    return [_grid(cells, [ctx.width / 2] * 2, ctx)]


@_flowables.register
def _(block: Steps, ctx: _Ctx) -> list[Flowable]:
    return _list(block.items, ctx, numbered=True)


@_flowables.register
def _(block: KeyFacts, ctx: _Ctx) -> list[Flowable]:
    """Label/value pairs side by side, two pairs a row: half the height of a one-column table."""
    cells = [
        (ctx.para(label, "fact-label"), ctx.para(value, "fact-value"))
        for label, value in block.rows
    ]
    rows = []
    for i in range(0, len(cells), 2):
        pair = list(cells[i]) + (list(cells[i + 1]) if i + 1 < len(cells) else ["", ""])
        rows.append(pair)
    label_w, value_w = ctx.width * 0.2, ctx.width * 0.3
    widths = [label_w, value_w, label_w, value_w]
    pad_left, pad_right = 2, 4
    if ctx.rtl:
        # Mirrored: the first label in the rightmost column, its value to the left of it.
        rows = [row[::-1] for row in rows]
        widths.reverse()
        pad_left, pad_right = pad_right, pad_left
    table = Table(rows, colWidths=widths, hAlign=_h_align(ctx))
    table.setStyle(
        TableStyle(
            [
                # Tables set a cell font even around flowables; the default is a
                # non-embedded Helvetica, which print-shop preflight rejects.
                ("FONT", (0, 0), (-1, -1), ctx.family),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), pad_left),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad_right),
            ]
        )
    )
    return [table, _Spacer(ctx.styles["body"].spaceAfter * 2)]


class _Spacer(Flowable):
    def __init__(self, height: float) -> None:
        super().__init__()
        self.height = height

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return aw, self.height

    def draw(self) -> None:
        return None


class _WriteLines(Flowable):
    """Ruled lines to write questions on: a tangible tool (PEMAT-P item 23)."""

    def __init__(self, count: int, gap: float) -> None:
        super().__init__()
        self.count, self.gap = count, gap

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.count * self.gap

    def draw(self) -> None:
        self.canv.setStrokeColor(RULE)
        self.canv.setLineWidth(0.6)
        for i in range(self.count):
            y = i * self.gap + 2
            self.canv.line(0, y, self.width, y)


@_flowables.register
def _(block: WriteLines, ctx: _Ctx) -> list[Flowable]:
    return [_WriteLines(block.count, ctx.styles["body"].leading * 1.6)]


_BOX_STYLES: dict[str, list[tuple[Any, ...]]] = {
    # Told apart by border weight and pattern as well as tint, so they survive a photocopier.
    "main": [("BACKGROUND", (0, 0), (-1, -1), TINT), ("LINEBEFORE", (0, 0), (0, -1), 4, ACCENT)],
    "note": [("BOX", (0, 0), (-1, -1), 0.75, RULE)],
    "questions": [("BOX", (0, 0), (-1, -1), 1, ACCENT)],
    "contact": [("BACKGROUND", (0, 0), (-1, -1), GREY_TINT), ("BOX", (0, 0), (-1, -1), 1, ACCENT)],
    "summary": [
        ("LINEABOVE", (0, 0), (-1, 0), 2, ACCENT),
        ("LINEBELOW", (0, -1), (-1, -1), 2, ACCENT),
    ],
    "regulated": [("BOX", (0, 0), (-1, -1), 1.5, INK)],
}


def _h_align(ctx: _Ctx) -> str:
    return "RIGHT" if ctx.rtl else "LEFT"


def _grid(cells: list[Any], widths: list[float], ctx: _Ctx) -> Table:
    """One row of cells side by side with no padding: layout only, no visible table."""
    table = Table([cells], colWidths=widths, hAlign=_h_align(ctx))
    table.setStyle(
        TableStyle(
            [
                # Tables set a cell font even around flowables: never ReportLab's Helvetica.
                ("FONT", (0, 0), (-1, -1), ctx.family),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _narrower(ctx: _Ctx, width: float) -> _Ctx:
    inner = _Ctx.__new__(_Ctx)
    inner.__dict__.update(ctx.__dict__)
    inner.width = width
    return inner


#: Boxes that may continue on the next page (between their blocks) instead of leaving a gap.
SPLITTABLE_BOXES = ("note",)


def _box_table(block: Box, ctx: _Ctx, width: float) -> Table:
    pad = 8
    inner_ctx = _narrower(ctx, width - 2 * pad - 6)
    if block.kind in SPLITTABLE_BOXES:
        # One row per block (a heading shares its row with what follows) so the table can
        # break between rows; each part keeps its border.
        rows: list[list[Any]] = []
        pending: list[Flowable] = []
        for child in block.blocks:
            if isinstance(child, (Steps, BulletList)):
                # One row per item, numbered on, so a long list can continue overleaf.
                numbered = isinstance(child, Steps)
                parts = [
                    _list((item,), inner_ctx, numbered, first=i + 1)
                    for i, item in enumerate(child.items)
                ]
            else:
                parts = [_flowables(child, inner_ctx)]
            if isinstance(child, (Heading, Title)):
                pending.extend(parts[0])
                continue
            for flowables in parts:
                rows.append([[*pending, *flowables]])
                pending = []
        if pending:
            rows.append([pending])
        table = Table(rows, colWidths=[width], hAlign=_h_align(ctx), splitByRow=1)
    else:
        inner: list[Flowable] = []
        for child in block.blocks:
            inner.extend(_flowables(child, inner_ctx))
        table = Table([[inner]], colWidths=[width], hAlign=_h_align(ctx))
    box_style = [
        tuple(ctx.accent if x is ACCENT else x for x in cmd) for cmd in _BOX_STYLES[block.kind]
    ]
    pad_left, pad_right = pad + 4, pad
    if ctx.rtl:
        # Mirrored: the accent bar on the right, the wider padding next to it.
        box_style = [
            ("LINEAFTER", *rest) if op == "LINEBEFORE" else (op, *rest) for op, *rest in box_style
        ]
        pad_left, pad_right = pad_right, pad_left
    table.setStyle(
        TableStyle(
            [
                *box_style,
                ("FONT", (0, 0), (-1, -1), ctx.family),
                ("LEFTPADDING", (0, 0), (-1, -1), pad_left),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad_right),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, 0), pad),
                ("BOTTOMPADDING", (0, -1), (-1, -1), pad - 2),
            ]
        )
    )
    return table


@_flowables.register
def _(block: Box, ctx: _Ctx) -> list[Flowable]:
    table = _box_table(block, ctx, ctx.width)
    space = ctx.tight.space
    if block.kind in SPLITTABLE_BOXES:
        return [_Spacer(4 * space), table, _Spacer(6 * space)]
    return [_Spacer(4 * space), KeepTogether([table]), _Spacer(6 * space)]


@_flowables.register
def _(block: Columns, ctx: _Ctx) -> list[Flowable]:
    gap = 10
    count = len(block.boxes)
    width = (ctx.width - gap * (count - 1)) / count
    cells: list[Any] = []
    for i, box in enumerate(block.boxes):
        if i:
            cells.append("")
        cells.append(_box_table(box, ctx, width))
    widths = [width if i % 2 == 0 else gap for i in range(2 * count - 1)]
    if ctx.rtl:
        cells.reverse()
    row = _grid(cells, widths, ctx)
    space = ctx.tight.space
    return [_Spacer(4 * space), KeepTogether([row]), _Spacer(6 * space)]
