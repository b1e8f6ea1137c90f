"""Renderers for the picture blocks (panels, icon array, timeline, QR code).

Kept apart from flowables.py so the drawing code (handout.pictures) and the text renderer each stay
one job; importing this module registers the renderers with flowables.py's block dispatcher.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Table, TableStyle

from handout import picture_text, pictures
from handout.document import IconArray, PanelsFigure, QrFigure, TimelineFigure
from handout.flowables import _Ctx, _flowables, _Spacer
from handout.fonts import check_printable, face_name, font_runs
from handout.styles import INK

QR_SIZE = 64.0
#: Share of the column each picture uses: enough to read, small enough that a leaflet with all three
#: pictures still fits one duplex sheet at the easy and standard levels.
PANELS_SHARE = 0.75
ICONS_SHARE = 0.62
TIMELINE_SHARE = 0.85


def _runs(ctx: _Ctx) -> picture_text.Runs:
    """The leaflet's font chain for picture text: each character in the first face that has it."""
    chain = ctx.chain

    def runs(text: str, bold: bool) -> Sequence[tuple[str, str]]:
        text = unicodedata.normalize("NFC", text)
        return [(face_name(f, bold=bold), t) for f, t in font_runs(text, chain, bold=bold)]

    return runs


def _fonts(ctx: _Ctx) -> dict[str, Any]:
    return {
        "font": ctx.family,
        "bold_font": ctx.bold_face,
        "rtl": ctx.rtl,
        "visual": getattr(ctx, "visual_line", None),
        "runs": _runs(ctx),
    }


def _checked(ctx: _Ctx, *texts: str) -> None:
    """Refuse picture text that no font of the chain can draw, naming the code point.

    Pictures draw each character in the first font of the chain that has it (`_runs`), so only a
    character missing from every bundled font fails; ReportLab would print nothing for it.
    """
    lang = getattr(ctx, "lang", "en")
    for text in texts:
        if text:
            check_printable(text, "picture text", lang)


#: Pictures are the same for every leaflet with the same finding, language and level (a batch
#: prints thousands), and building them is about a tenth of a leaflet's time: build once, reuse.
_PICTURES: dict[tuple[Any, ...], Any] = {}
_PICTURES_MAX = 256
_MISSING = object()


def _reuse(block: Any, ctx: _Ctx, build: Callable[[], Any]) -> Any:
    """The drawing for `block` in this context: built on first use, then a fresh shallow copy.

    A copy, because ReportLab marks a flowable it has placed (`_postponed`, frame names); the
    shapes inside are only read, so sharing them keeps the output bytes the same.
    """
    key = (block, ctx.width, ctx.chain, ctx.rtl, ctx.lang, ctx.tight)
    drawing = _PICTURES.get(key, _MISSING)
    if drawing is _MISSING:
        drawing = build()
        if len(_PICTURES) >= _PICTURES_MAX:
            _PICTURES.pop(next(iter(_PICTURES)))
        _PICTURES[key] = drawing
    if drawing is None:
        return None
    fresh = copy.copy(drawing)
    fresh.__dict__.pop("_postponed", None)
    return fresh


def _framed(drawing: Any, ctx: _Ctx) -> list[Flowable]:
    """A picture in the flow, aligned to the reading side (right for right-to-left leaflets)."""
    drawing.hAlign = "RIGHT" if ctx.rtl else "LEFT"
    space = ctx.tight.space
    return [_Spacer(6 * space), KeepTogether([drawing]), _Spacer(8 * space)]


@_flowables.register
def _(block: PanelsFigure, ctx: _Ctx) -> list[Flowable]:
    def build() -> Any:
        _checked(ctx, block.marker, *(p.caption for p in block.panels))
        panels = [pictures.Panel(p.kind, p.caption, p.yours) for p in block.panels]  # type: ignore[arg-type]
        return pictures.calcification_panels(
            panels,
            ctx.width * PANELS_SHARE * ctx.tight.pictures,
            marker_label=block.marker,
            **_fonts(ctx),
        ).drawing

    return _framed(_reuse(block, ctx, build), ctx)


@_flowables.register
def _(block: IconArray, ctx: _Ctx) -> list[Flowable]:
    def build() -> Any:
        _checked(ctx, block.caption, block.legend_filled, block.legend_open, block.legend_range)
        legend = pictures.IconLegend(
            filled=block.legend_filled,
            open=block.legend_open,
            in_range=block.legend_range if block.filled is None else None,
        )
        picture = pictures.icon_array(
            block.filled,
            ctx.width * ICONS_SHARE,
            caption=block.caption,
            highlighted_range=(block.low, block.high)
            if block.low is not None and block.high is not None
            else None,
            legend=legend,
            **_fonts(ctx),
        )
        return None if picture is None else picture.drawing

    drawing = _reuse(block, ctx, build)
    return [] if drawing is None else _framed(drawing, ctx)


@_flowables.register
def _(block: TimelineFigure, ctx: _Ctx) -> list[Flowable]:
    def build() -> Any:
        _checked(ctx, *(t for step in block.steps for t in step if t))
        steps = [pictures.TimelineStep(label, when) for label, when in block.steps]
        return pictures.timeline(steps, ctx.width * TIMELINE_SHARE, **_fonts(ctx)).drawing

    return _framed(_reuse(block, ctx, build), ctx)


@_flowables.register
def _(block: QrFigure, ctx: _Ctx) -> list[Flowable]:
    picture = pictures.qr_code(block.value, QR_SIZE, font=ctx.family)
    caption = ctx.text(block.caption, "item") if block.caption else ""
    cells = [caption, picture.drawing] if ctx.rtl else [picture.drawing, caption]
    widths = [ctx.width - QR_SIZE - 6, QR_SIZE + 6] if ctx.rtl else [QR_SIZE + 6, None]
    table = Table([cells], colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), ctx.family),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ]
        )
    )
    return [table]
