"""Leaflet flowables -> pages -> PDF bytes, and writing the file.

The page template (header with the clinic's name and logo, "Page X of Y" footer), the document's
metadata and the atomic write live here; what goes on the pages is handout.flowables'. Output is
reproducible (`invariant`), embeds every font it uses and references no other (`initialFontName`:
otherwise ReportLab adds a non-embedded Helvetica that print shops reject in preflight).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, LEGAL, LETTER
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from handout import __version__
from handout.document import Document, Heading, Title
from handout.errors import RenderError
from handout.flowables import DEFAULT_OPTIONS, MARGIN, RenderOptions, _Ctx, _flowables
from handout.fonts import register_fonts
from handout.styles import RULE

__all__ = [
    "DEFAULT_OPTIONS",
    "FOOTER_H",
    "HEADER_H",
    "MARGIN",
    "PAGE_SIZES",
    "RenderOptions",
    "build_story",
    "doc_template",
    "render_pdf",
    "write_atomic",
]

PAGE_SIZES = {"letter": LETTER, "a4": A4, "legal": LEGAL}
HEADER_H = 0.45 * inch
FOOTER_H = 0.45 * inch


def _canvas_class(ctx: _Ctx, doc: Document, pagesize: tuple[float, float]) -> type[Canvas]:
    """A canvas that defers the footer until the page count is known ("Page 1 of 2")."""
    page_w, _ = pagesize
    margin = ctx.options.page_margin

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                label = doc.footer.replace("{page}", str(number)).replace("{pages}", str(total))
                para = ctx.text(label, "footer")
                w, h = para.wrap(page_w - 2 * margin, FOOTER_H)
                para.drawOn(self, margin, margin - h - 10)
                super().showPage()
            super().save()

    return NumberedCanvas


def _header(ctx: _Ctx, doc: Document, pagesize: tuple[float, float]) -> Callable[..., None]:
    page_w, page_h = pagesize
    margin = ctx.options.page_margin
    logo = ImageReader(ctx.options.logo) if ctx.options.logo else None
    logo_h = min(margin - 14, 40.0)
    logo_w = 0.0
    if logo is not None:
        iw, ih = logo.getSize()
        logo_w = min(logo_h * iw / ih, (page_w - 2 * margin) / 3)
        logo_h = logo_w * ih / iw

    def draw(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        text_w = page_w - 2 * margin - (logo_w + 8 if logo is not None else 0)
        if doc.header:
            para = ctx.text(doc.header, "header")
            _, h = para.wrap(text_w, HEADER_H)
            x = margin + (page_w - 2 * margin - text_w if ctx.rtl else 0)
            para.drawOn(canvas, x, page_h - margin + 6)
        if logo is not None:
            # The clinic's logo at the outer corner of the header, scaled to fit the margin.
            x = margin if ctx.rtl else page_w - margin - logo_w
            canvas.drawImage(logo, x, page_h - margin + 6, logo_w, logo_h, mask="auto")
        canvas.setStrokeColor(ctx.accent)
        canvas.setLineWidth(1)
        canvas.line(margin, page_h - margin + 2, page_w - margin, page_h - margin + 2)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(margin, margin - 4, page_w - margin, margin - 4)
        canvas.restoreState()

    return draw


def build_story(
    doc: Document, level: str, width: float, options: RenderOptions = DEFAULT_OPTIONS
) -> tuple[_Ctx, list[Flowable]]:
    """The flowables for one leaflet; the batch merger puts several of these in one document."""
    from handout import figures  # noqa: F401 - registers the picture renderers

    register_fonts()
    ctx = _Ctx(doc, level, width, options)
    story: list[Flowable] = []
    pending_heading: list[Flowable] = []
    for block in doc.blocks:
        flowables = _flowables(block, ctx)
        if isinstance(block, (Heading, Title)):
            pending_heading.extend(flowables)
            continue
        if pending_heading:
            # A heading never ends a page alone: keep it with the start of what it introduces.
            story.append(KeepTogether([*pending_heading, flowables[0]]))
            flowables = flowables[1:]
            pending_heading = []
        story.extend(flowables)
    story.extend(pending_heading)
    return ctx, story


def doc_template(
    target: Any, doc: Document, ctx: _Ctx, pagesize: tuple[float, float]
) -> BaseDocTemplate:
    """A page template with header, body frame and metadata; reproducible bytes (invariant)."""
    page_w, page_h = pagesize
    margin = ctx.options.page_margin
    template = BaseDocTemplate(
        target,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=doc.title,
        author=doc.author,
        subject=doc.subject,
        creator=f"handout {__version__}",
        lang=doc.lang,
        invariant=1,
        initialFontName=ctx.family,
    )
    frame = Frame(
        margin,
        margin,
        page_w - 2 * margin,
        page_h - 2 * margin,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=6,
        bottomPadding=0,
    )
    template.addPageTemplates(
        [PageTemplate("leaflet", [frame], onPage=_header(ctx, doc, pagesize))]
    )
    return template


def render_pdf(
    doc: Document, level: str, page_size: str = "letter", options: RenderOptions = DEFAULT_OPTIONS
) -> tuple[bytes, int]:
    """Lay the document out; return the PDF bytes and the page count. Writes no file."""
    pagesize = PAGE_SIZES[page_size]
    ctx, story = build_story(doc, level, pagesize[0] - 2 * options.page_margin, options)
    buf = io.BytesIO()
    template = doc_template(buf, doc, ctx, pagesize)
    try:
        template.build(story, canvasmaker=_canvas_class(ctx, doc, pagesize))
    except LayoutError as err:
        msg = f"the leaflet could not be laid out on {page_size} paper: {err}"
        raise RenderError(msg) from err
    return buf.getvalue(), template.page


def write_atomic(data: bytes, path: Path) -> None:
    """Write to a temporary file in the target folder, then rename: a reader (or a printer watching
    the folder) never sees half a PDF, and an interrupted run leaves nothing behind."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".handout-", suffix=".tmp", dir=folder)
    except OSError as err:
        msg = f"cannot write to {folder}: {err.strerror}; choose a folder you can write to"
        raise RenderError(msg) from err
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        msg = f"cannot write {path}: {err.strerror}; choose a path you can write to"
        raise RenderError(msg) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
