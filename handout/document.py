"""The leaflet as plain data: what templates produce and the PDF renderer consumes.

Templates emit a small XML vocabulary; this module parses it into frozen dataclasses. The split
keeps
ReportLab out of templates and words out of the renderer, lets tests compare documents as JSON, and
gives one place where every piece of text is a plain string again (entities decoded), so the
renderer
escapes each string exactly once.

Vocabulary::

    <leaflet title="" subject="" author="" lang="" dir="ltr|rtl" header="" footer="">
      <title>…</title>            leaflet title
      <h2>…</h2> <h3>…</h3>       headings
      <p style="body|lead|small">…</p>
      <ul><li>…</li></ul>         bullet list
      <ol><li>…</li></ol>         numbered steps
      <facts><row><label>…</label><value>…</value></row></facts>
      <box kind="main|note|questions|contact|summary|regulated">…blocks…</box>
      <lines n="4"/>              ruled lines to write on
      <columns><box …/><box …/></columns>   boxes side by side
      <panels marker="">                    calcification patterns; yours="true" marks hers
        <panel kind="macro|micro-scattered|micro-grouped|micro-linear" yours="true">…</panel>
      </panels>
      <icons filled="2" | low="2" high="10"  100 figures, with legend-filled/-open/-range="…"
             legend-filled="" …>caption</icons>
      <timeline><step when="in about 6 months">label</step>…</timeline>
      <qr value="https://…">caption</qr>
    </leaflet>

Inline text may contain <b>…</b>. Anything else is an error, never silently dropped.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from handout.errors import DocumentError

BOX_KINDS = ("main", "note", "questions", "contact", "summary", "regulated")
PARAGRAPH_STYLES = ("body", "lead", "small")


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False


Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Title:
    text: Inline


@dataclass(frozen=True)
class Heading:
    text: Inline
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: Inline
    style: str = "body"


@dataclass(frozen=True)
class BulletList:
    items: tuple[Inline, ...]


@dataclass(frozen=True)
class Steps:
    items: tuple[Inline, ...]


@dataclass(frozen=True)
class KeyFacts:
    rows: tuple[tuple[Inline, Inline], ...]


@dataclass(frozen=True)
class WriteLines:
    count: int


@dataclass(frozen=True)
class Box:
    kind: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class PanelSpec:
    kind: str
    caption: str
    yours: bool = False


@dataclass(frozen=True)
class PanelsFigure:
    """Calcification patterns side by side; the one like hers is marked with `marker`."""

    panels: tuple[PanelSpec, ...]
    marker: str


@dataclass(frozen=True)
class IconArray:
    """100 figures; `filled` dark ones, or a range low..high (then `filled` is None)."""

    caption: str
    filled: int | None
    low: int | None
    high: int | None
    legend_filled: str
    legend_open: str
    legend_range: str


@dataclass(frozen=True)
class TimelineFigure:
    steps: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class QrFigure:
    value: str
    caption: str


@dataclass(frozen=True)
class Columns:
    """Boxes side by side (questions next to contact details), to keep a leaflet on one sheet."""

    boxes: tuple[Box, ...]


Block = (
    Title
    | Heading
    | Paragraph
    | BulletList
    | Steps
    | KeyFacts
    | WriteLines
    | Box
    | Columns
    | PanelsFigure
    | IconArray
    | TimelineFigure
    | QrFigure
)


@dataclass(frozen=True)
class Document:
    title: str
    subject: str
    author: str
    lang: str
    direction: str
    header: str
    footer: str
    blocks: tuple[Block, ...]


def plain_text(inline: Inline) -> str:
    return "".join(span.text for span in inline)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _collapse(text: str) -> str:
    """Template whitespace (indentation, newlines) is not meaningful; single spaces are."""
    return " ".join(text.split())


def _inline(el: ET.Element, where: str) -> Inline:
    spans: list[Span] = []

    def add(text: str | None, bold: bool) -> None:
        if text:
            spans.append(Span(_nfc(text), bold))

    add(el.text, False)
    for child in el:
        if child.tag != "b":
            msg = f"{where}: <{child.tag}> is not allowed inside <{el.tag}> (only <b>)"
            raise DocumentError(msg)
        if len(child):
            msg = f"{where}: <b> cannot contain other tags"
            raise DocumentError(msg)
        add(child.text, True)
        add(child.tail, False)
    # Collapse whitespace across span boundaries, keeping one space where the source had any.
    joined: list[Span] = []
    for span in spans:
        text = " ".join(span.text.split())
        if span.text[:1].isspace():
            text = " " + text
        if span.text[-1:].isspace() and text.strip():
            text = text + " "
        if joined and joined[-1].text.endswith(" ") and text.startswith(" "):
            text = text[1:]
        if text:
            if joined and joined[-1].bold == span.bold:
                joined[-1] = Span(joined[-1].text + text, span.bold)
            else:
                joined.append(Span(text, span.bold))
    if joined:
        joined[0] = Span(joined[0].text.lstrip(), joined[0].bold)
        joined[-1] = Span(joined[-1].text.rstrip(), joined[-1].bold)
    result = tuple(s for s in joined if s.text)
    if not result:
        msg = f"{where}: <{el.tag}> is empty"
        raise DocumentError(msg)
    return result


def _items(el: ET.Element, where: str) -> tuple[Inline, ...]:
    items = []
    for child in el:
        if child.tag != "li":
            msg = f"{where}: <{el.tag}> may only contain <li>, found <{child.tag}>"
            raise DocumentError(msg)
        items.append(_inline(child, where))
    if not items:
        msg = f"{where}: <{el.tag}> has no <li> items"
        raise DocumentError(msg)
    return tuple(items)


def _block(el: ET.Element, where: str) -> Block:
    tag = el.tag
    if tag == "title":
        return Title(_inline(el, where))
    if tag in ("h2", "h3"):
        return Heading(_inline(el, where), level=int(tag[1]))
    if tag == "p":
        style = el.get("style", "body")
        if style not in PARAGRAPH_STYLES:
            msg = f"{where}: <p style={style!r}> unknown; use one of {', '.join(PARAGRAPH_STYLES)}"
            raise DocumentError(msg)
        return Paragraph(_inline(el, where), style)
    if tag == "ul":
        return BulletList(_items(el, where))
    if tag == "ol":
        return Steps(_items(el, where))
    if tag == "facts":
        rows = []
        for row in el:
            label, value = row.find("label"), row.find("value")
            if row.tag != "row" or label is None or value is None:
                msg = f"{where}: <facts> needs <row><label>…</label><value>…</value></row> items"
                raise DocumentError(msg)
            rows.append((_inline(label, where), _inline(value, where)))
        return KeyFacts(tuple(rows))
    if tag == "lines":
        try:
            count = int(el.get("n", "4"))
        except ValueError:
            count = -1
        if not 1 <= count <= 30:
            msg = f"{where}: <lines n=…> must be a whole number from 1 to 30"
            raise DocumentError(msg)
        return WriteLines(count)
    if tag == "box":
        kind = el.get("kind", "note")
        if kind not in BOX_KINDS:
            msg = f"{where}: <box kind={kind!r}> unknown; use one of {', '.join(BOX_KINDS)}"
            raise DocumentError(msg)
        inner = tuple(_block(child, where) for child in el)
        if not inner:
            msg = f"{where}: <box kind={kind!r}> is empty"
            raise DocumentError(msg)
        if any(isinstance(b, (Box, Title)) for b in inner):
            msg = f"{where}: a <box> cannot contain another <box> or a <title>"
            raise DocumentError(msg)
        return Box(kind, inner)
    if tag in _FIGURES:
        return _FIGURES[tag](el, where)
    if tag == "columns":
        boxes = tuple(_block(child, where) for child in el)
        if not 2 <= len(boxes) <= 3 or not all(isinstance(b, Box) for b in boxes):
            msg = f"{where}: <columns> holds two or three <box> elements and nothing else"
            raise DocumentError(msg)
        return Columns(boxes)  # type: ignore[arg-type]
    msg = f"{where}: unknown element <{tag}>"
    raise DocumentError(msg)


def _int(el: ET.Element, name: str, where: str) -> int | None:
    value = el.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 100:
        msg = f"{where}: <{el.tag} {name}=…> must be a whole number from 0 to 100"
        raise DocumentError(msg)
    return number


def _text(el: ET.Element) -> str:
    return _nfc(_collapse("".join(el.itertext())))


def _panels(el: ET.Element, where: str) -> PanelsFigure:
    panels = tuple(
        PanelSpec(kind=p.get("kind", ""), caption=_text(p), yours=p.get("yours") == "true")
        for p in el
        if p.tag == "panel"
    )
    if not panels or len(panels) != len(el):
        msg = f"{where}: <panels> needs one or more <panel kind=…> elements and nothing else"
        raise DocumentError(msg)
    return PanelsFigure(panels, _nfc(el.get("marker", "")))


def _icons(el: ET.Element, where: str) -> IconArray:
    filled, low, high = _int(el, "filled", where), _int(el, "low", where), _int(el, "high", where)
    if (filled is None) == (low is None or high is None):
        msg = f"{where}: <icons> needs either filled=… or both low=… and high=…"
        raise DocumentError(msg)
    return IconArray(
        caption=_text(el),
        filled=filled,
        low=low,
        high=high,
        legend_filled=_nfc(el.get("legend-filled", "")),
        legend_open=_nfc(el.get("legend-open", "")),
        legend_range=_nfc(el.get("legend-range", "")),
    )


def _timeline(el: ET.Element, where: str) -> TimelineFigure:
    steps = tuple((_text(s), _nfc(s.get("when") or "") or None) for s in el)
    if not 2 <= len(steps) <= 5 or any(s.tag != "step" for s in el):
        msg = f"{where}: <timeline> needs 2 to 5 <step> elements"
        raise DocumentError(msg)
    return TimelineFigure(steps)


def _qr(el: ET.Element, where: str) -> QrFigure:
    value = el.get("value", "")
    if not value:
        msg = f"{where}: <qr> needs a value=… (the web address)"
        raise DocumentError(msg)
    return QrFigure(value, _text(el))


_FIGURES: dict[str, Callable[[ET.Element, str], Block]] = {
    "panels": _panels,
    "icons": _icons,
    "timeline": _timeline,
    "qr": _qr,
}


def parse_document(markup: str, where: str = "template output") -> Document:
    """Parse leaflet XML into a Document; `where` (the template name) prefixes every error."""
    try:
        root = ET.fromstring(markup)  # noqa: S314 - our own template output, no external entities
    except ET.ParseError as err:
        line, col = err.position
        msg = f"{where}: output is not well-formed leaflet XML (line {line}, column {col})"
        raise DocumentError(msg) from err
    if root.tag != "leaflet":
        msg = f"{where}: the root element must be <leaflet>, not <{root.tag}>"
        raise DocumentError(msg)
    direction = root.get("dir", "ltr")
    if direction not in ("ltr", "rtl"):
        msg = f"{where}: <leaflet dir=…> must be ltr or rtl"
        raise DocumentError(msg)
    blocks = tuple(_block(child, where) for child in root)
    if not blocks:
        msg = f"{where}: the leaflet has no content"
        raise DocumentError(msg)
    return Document(
        title=_nfc(_collapse(root.get("title", ""))),
        subject=_nfc(_collapse(root.get("subject", ""))),
        author=_nfc(_collapse(root.get("author", ""))),
        lang=root.get("lang", "en"),
        direction=direction,
        header=_nfc(_collapse(root.get("header", ""))),
        footer=_nfc(_collapse(root.get("footer", ""))),
        blocks=blocks,
    )


def iter_text(blocks: tuple[Block, ...]) -> list[tuple[str, str]]:
    """(kind, plain text) for every piece of text, in reading order: for checks and readability."""
    out: list[tuple[str, str]] = []
    for block in blocks:
        if isinstance(block, Title):
            out.append(("title", plain_text(block.text)))
        elif isinstance(block, Heading):
            out.append(("heading", plain_text(block.text)))
        elif isinstance(block, Paragraph):
            out.append((f"p:{block.style}", plain_text(block.text)))
        elif isinstance(block, (BulletList, Steps)):
            kind = "li" if isinstance(block, BulletList) else "step"
            out.extend((kind, plain_text(item)) for item in block.items)
        elif isinstance(block, KeyFacts):
            for label, value in block.rows:
                out.append(("fact-label", plain_text(label)))
                out.append(("fact-value", plain_text(value)))
        elif isinstance(block, Box):
            out.extend((f"{kind}@{block.kind}", text) for kind, text in iter_text(block.blocks))
        elif isinstance(block, Columns):
            out.extend(iter_text(block.boxes))
        elif isinstance(block, PanelsFigure):
            out.extend(("figure", p.caption) for p in block.panels)
        elif isinstance(block, IconArray):
            out.append(("figure", block.caption))
        elif isinstance(block, TimelineFigure):
            out.extend(("figure", " ".join(filter(None, step))) for step in block.steps)
    return out
