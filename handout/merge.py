"""One print file for many leaflets: every leaflet laid out in a single ReportLab document.

Why one document instead of merging finished PDFs: each PDF embeds its own font subsets, so
concatenating N files grows linearly (about 40 KB of fonts per leaflet). One document embeds each
font once for all leaflets, about a tenth of the size (see docs/batch.md for measurements).

What the printer gets:
- each leaflet starts on an odd page, so a duplex printer starts it on a new sheet; a leaflet
  with an odd page count is followed by one blank page (no header, no footer);
- "Page X of Y" footers count the pages of each leaflet, exactly as its own PDF does;
- one bookmark (outline entry) per leaflet, titled with the worklist id, never the patient's name.

Leaflet flowables, page header and frame come from `handout.pdf` (`build_story`, `doc_template`),
so a leaflet in the print file is laid out exactly like its own PDF. This module is the second one
that imports ReportLab: the merged document needs its own canvas and page-template switching, and
keeping that here leaves the single-leaflet renderer untouched.

Memory stays flat: leaflets are read from an iterator and laid out one at a time, and only the
current leaflet's pages wait for their footers. What still grows is ReportLab's finished pages
(about 15 KB a page), which is why the batch runner splits very large print files into parts.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, KeepTogether, PageTemplate, Table
from reportlab.platypus.doctemplate import ActionFlowable, LayoutError

from handout import __version__
from handout.document import Document
from handout.errors import RenderError
from handout.pdf import (
    DEFAULT_OPTIONS,
    FOOTER_H,
    MARGIN,
    PAGE_SIZES,
    RenderOptions,
    build_story,
    doc_template,
)

#: Owner value of a page that belongs to no leaflet (duplex padding).
_BLANK = -1
#: Half the side of a shared picture's form box, in points: larger than any page.
_FORM_MARGIN = 5000


@dataclass(frozen=True)
class MergeItem:
    """One leaflet of the print file: its document model and the bookmark that finds it."""

    document: Document
    level: str
    page_size: str
    title: str  # bookmark text: the worklist id (never personal data)
    key: str  # unique bookmark key, e.g. the worklist row number
    options: RenderOptions = DEFAULT_OPTIONS  # as for its own PDF: clinic margins, large print, fit


@dataclass(frozen=True)
class MergedPdf:
    """The print file's bytes and where each leaflet sits in it (1-based first pages)."""

    pdf: bytes
    pages: int
    starts: tuple[int, ...]
    leaflet_pages: tuple[int, ...]


@dataclass
class _Leaflet:
    ctx: Any  # flowables._Ctx: styles and fonts of this leaflet (used via .text)
    document: Document
    pagesize: tuple[float, float]


@dataclass
class _CanvasState:
    """Kept outside the canvas's own attributes, which are snapshotted and restored per page."""

    owner: int = _BLANK
    closing: bool = False
    pending: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    forms: dict[Hashable, str] = field(default_factory=dict)  # picture signature -> form name


def _signature(value: Any) -> Hashable:
    """Everything that decides how a picture is drawn, as a hashable value.

    Two pictures with the same signature draw the same operators, so the second can reuse the
    first one's form. Numbers are kept exact; colours by their components.
    """
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, Color):
        return ("Color", *value.rgba())
    if isinstance(value, (list, tuple)):
        return tuple(_signature(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _signature(v)) for k, v in sorted(value.items()))
    if hasattr(value, "__dict__"):
        return (type(value).__name__, _signature(vars(value)))
    return (type(value).__name__, repr(value))


class _SharedDrawing(Flowable):
    """A picture drawn once per print file as a form XObject and placed wherever it recurs.

    Most pictures (the calcification panels, the risk icons) are the same for every patient with
    the same finding, language and level; as page content they would be repeated in every leaflet
    and dominate the file's size. A form is stored once and each use costs a few bytes.
    """

    def __init__(self, drawing: Drawing) -> None:
        super().__init__()
        self.drawing = drawing
        self.hAlign = getattr(drawing, "hAlign", "LEFT")
        self.vAlign = getattr(drawing, "vAlign", "BOTTOM")
        self.key = _signature(drawing)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width, self.height = self.drawing.wrap(aw, ah)
        return self.width, self.height

    def getSpaceBefore(self) -> float:  # noqa: N802 - ReportLab API
        return float(self.drawing.getSpaceBefore())

    def getSpaceAfter(self) -> float:  # noqa: N802 - ReportLab API
        return float(self.drawing.getSpaceAfter())

    def draw(self) -> None:
        canvas = self.canv
        forms = canvas.handout.forms
        name = forms.get(self.key)
        if name is None:
            name = forms[self.key] = f"handout-picture-{len(forms)}"
            state = canvas._doc.inObject
            # A generous box: a picture's text may reach past its nominal size, never clip it.
            canvas.beginForm(name, -_FORM_MARGIN, -_FORM_MARGIN, _FORM_MARGIN, _FORM_MARGIN)
            renderPDF.draw(self.drawing, canvas, 0, 0)
            canvas.endForm()
            canvas._doc.inObject = state  # back on the page (ReportLab leaves "form")
        canvas.doForm(name)


def _share_drawings(flowables: list[Any]) -> list[Any]:
    """The story with every picture (also inside kept-together groups and boxes) made shareable."""
    shared: list[Any] = []
    for flowable in flowables:
        if isinstance(flowable, Drawing):
            flowable = _SharedDrawing(flowable)
        elif isinstance(flowable, KeepTogether):
            flowable._content = _share_drawings(list(flowable._content))
        elif isinstance(flowable, Table):
            flowable._cellvalues = [
                [_share_drawings(c) if isinstance(c, list) else _share_cell(c) for c in row]
                for row in flowable._cellvalues
            ]
        shared.append(flowable)
    return shared


def _share_cell(cell: Any) -> Any:
    if isinstance(cell, (Drawing, KeepTogether, Table)):
        return _share_drawings([cell])[0]
    return cell


def _canvas_class(leaflets: dict[int, _Leaflet]) -> type[Canvas]:
    """A canvas that holds back one leaflet's pages until the leaflet ends, then draws its footers.

    The single-leaflet canvas defers every page to `save`; here only the current leaflet's pages
    wait, which keeps memory flat and keeps each bookmark pointing at the right page (ReportLab
    numbers a page when it is really shown).
    """

    class MergedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.handout = _CanvasState()

        def showPage(self) -> None:  # noqa: N802 - ReportLab API
            state = self.handout
            if state.owner == _BLANK:
                super().showPage()
                return
            state.pending.append((state.owner, dict(self.__dict__)))
            self._startPage()
            if state.closing:
                self._flush()

        def _flush(self) -> None:
            state = self.handout
            total = len(state.pending)
            owner = _BLANK
            for number, (owner, snapshot) in enumerate(state.pending, start=1):
                self.__dict__.update(snapshot)
                leaflet = leaflets[owner]
                # Same footer, place and style as pdf.render_pdf's canvas (tests compare the text).
                label = leaflet.document.footer.replace("{page}", str(number)).replace(
                    "{pages}", str(total)
                )
                para = leaflet.ctx.text(label, "footer")
                _, h = para.wrap(leaflet.pagesize[0] - 2 * MARGIN, FOOTER_H)
                para.drawOn(self, MARGIN, MARGIN - h - 10)
                super().showPage()
            state.pending.clear()
            state.closing = False
            leaflets.pop(owner, None)

        def save(self) -> None:
            if self.handout.pending:
                self._flush()
            super().save()

    return MergedCanvas


def _owned(index: int, draw: Any) -> Any:
    """Page callback: tell the canvas which leaflet the page belongs to, then draw the header."""

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.handout.owner = index
        if draw is not None:
            draw(canvas, doc)

    return on_page


class _MergedDocTemplate(BaseDocTemplate):
    """Lays leaflets out one after another, preparing each only when the previous one ends.

    Stories are built lazily and page templates live in two alternating slots, so memory does not
    grow with the number of leaflets (apart from ReportLab's own finished pages).
    """

    def __init__(self, target: Any, items: Iterator[MergeItem], **kwargs: Any) -> None:
        super().__init__(target, **kwargs)
        self.handout_items = items
        self.handout_leaflets: dict[int, _Leaflet] = {}
        self.handout_flow: list[Any] = []
        self.handout_count = 0
        self.handout_current = 0
        self.handout_title = ""
        self.handout_start = 1
        self.handout_starts: list[int] = []
        self.handout_pages: list[int] = []

    def handout_prepare(self, item: MergeItem) -> int:
        """Build the next leaflet's story and page templates; return its slot's template index."""
        index = self.handout_count
        self.handout_count += 1
        pagesize = PAGE_SIZES[item.page_size]
        options = item.options
        ctx, story = build_story(
            item.document, item.level, pagesize[0] - 2 * options.page_margin, options
        )
        story = _share_drawings(story)
        # The single-leaflet page template (frame, header) reused as is: same layout, same pages.
        single = doc_template(io.BytesIO(), item.document, ctx, pagesize).pageTemplates[0]
        slot = index % 2
        self.pageTemplates[slot] = PageTemplate(
            f"leaflet-{slot}", single.frames, onPage=_owned(index, single.onPage), pagesize=pagesize
        )
        blank = PageTemplate(
            f"blank-{slot}", single.frames, onPage=_owned(_BLANK, None), pagesize=pagesize
        )
        self.pageTemplates[2 + slot] = blank
        self.handout_leaflets[index] = _Leaflet(ctx, item.document, pagesize)
        self.handout_flow[0:0] = [
            _LeafletStart(index, item.title, item.key),
            *story,
            _LeafletEnd(),
        ]
        return slot


class _LeafletStart(ActionFlowable):
    """At a leaflet's first page: note the page and add its bookmark."""

    def __init__(self, index: int, title: str, key: str) -> None:
        super().__init__()
        self.index, self.title, self.key = index, title, key

    def apply(self, doc: Any) -> None:
        doc.handout_current = self.index
        doc.handout_title = self.title
        doc.handout_start = doc.page
        doc.handout_starts.append(doc.page)
        doc.canv.bookmarkPage(self.key)
        doc.canv.addOutlineEntry(self.title, self.key, level=0)
        if self.index == 0:
            doc.canv.showOutline()  # open the viewer's bookmark panel: it is the print file's index


class _LeafletEnd(ActionFlowable):
    """After a leaflet: queue the next one and end the page; after an odd page, pad with a blank."""

    def apply(self, doc: Any) -> None:
        doc.handout_pages.append(doc.page - doc.handout_start + 1)
        item = next(doc.handout_items, None)
        if item is None:
            return  # the last leaflet: the build ends here and shows the page
        doc.canv.handout.closing = True
        # The padding page is the back of this leaflet's last sheet: it takes this leaflet's size.
        blank = 2 + doc.handout_current % 2
        slot = doc.handout_prepare(item)
        odd = doc.page % 2 == 1
        if odd:
            doc.handout_flow.insert(0, _PadEnd(slot))
        doc.handle_nextPageTemplate(blank if odd else slot)
        doc.handle_pageBreak()


class _PadEnd(ActionFlowable):
    """On a padding page: end it at once, so the next leaflet starts on the following (odd) page."""

    def __init__(self, slot: int) -> None:
        super().__init__()
        self.slot = slot

    def apply(self, doc: Any) -> None:
        doc.handle_nextPageTemplate(self.slot)
        doc.handle_pageBreak()


def render_merged(items: Iterable[MergeItem], title: str, lang: str | None = None) -> MergedPdf:
    """Lay out every item, in order, in one PDF. Writes no file.

    `items` is consumed one leaflet at a time (a generator keeps memory flat). `title` becomes the
    PDF title, e.g. the print file's name; the author is the first leaflet's (the clinic); `lang`
    sets /Lang, which a caller passes only when every leaflet has the same language.
    """
    iterator = iter(items)
    first = next(iterator, None)
    if first is None:
        msg = "a print file needs at least one leaflet"
        raise RenderError(msg)
    buf = io.BytesIO()
    pagesize = PAGE_SIZES[first.page_size]
    doc = _MergedDocTemplate(
        buf,
        iterator,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=first.document.author,
        subject="",
        creator=f"handout {__version__}",
        lang=lang,
        invariant=1,
    )
    # Two slots for leaflet page templates and two for padding pages, filled by handout_prepare.
    # The first page begins before any flowable is read, so the first leaflet is prepared now.
    doc.addPageTemplates([PageTemplate("unused", [], pagesize=pagesize)] * 4)
    doc.handout_prepare(first)
    doc.initialFontName = doc.handout_leaflets[0].ctx.family
    try:
        doc.build(doc.handout_flow, canvasmaker=_canvas_class(doc.handout_leaflets))
    except LayoutError as err:
        # ReportLab's message quotes the text that did not fit, which may be personal data.
        msg = (
            f"the leaflet for id {doc.handout_title!r} could not be laid out in the print file; "
            "render it alone to see why"
        )
        raise RenderError(msg) from err
    return MergedPdf(
        pdf=buf.getvalue(),
        pages=doc.page,
        starts=tuple(doc.handout_starts),
        leaflet_pages=tuple(doc.handout_pages),
    )
