"""Pictures: what each drawing shows, that it fits its width, and that it prints reproducibly."""

from __future__ import annotations

import io
from itertools import groupby

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Group, Path, Rect, String
from reportlab.lib.colors import black
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from handout.fonts import chain_for, face_name, font_runs, register_fonts
from handout.pictures import (
    INK,
    IconLegend,
    Panel,
    TimelineStep,
    calcification_panels,
    icon_array,
    qr_code,
    timeline,
)
from handout.rtl import visual_rtl_line

from .conftest import pdf_fonts, pdf_text

F, B = "NotoSans", "NotoSans-Bold"
W = 7 * 72.0
MARK = "This is like yours"
STEPS = (
    TimelineStep("Today"),
    TimelineStep("Diagnostic mammogram", "in 6 months"),
    TimelineStep("Mammogram", "May 20, 2027"),
    TimelineStep("Back to routine screening", "in 24 months"),
)


@pytest.fixture(autouse=True, scope="module")
def _fonts():
    register_fonts()


def _panels(marked="micro-grouped", **kw):
    kinds = ("macro", "micro-scattered", "micro-grouped", "micro-linear")
    panels = [Panel(k, f"Caption for {k}", highlighted=k == marked) for k in kinds]
    return calcification_panels(panels, W, font=F, bold_font=B, marker_label=MARK, **kw)


def _icons(n, **kw):
    return icon_array(n, W, caption=f"{n} in 100 people", font=F, bold_font=B, **kw)


def _chain_runs(lang):
    """The run splitter handout.figures builds: each character in the first face of the chain."""
    chain = chain_for(lang)
    return lambda text, bold: [
        (face_name(family, bold=bold), run) for family, run in font_runs(text, chain, bold=bold)
    ]


def _all_pictures(**kw):
    return [
        _panels(**kw),
        icon_array(
            None,
            W,
            highlighted_range=(2, 95),
            caption="Between 2 and 95 in 100 people with this result have cancer.",
            legend=IconLegend("Has cancer", "Does not have cancer", "May have cancer"),
            font=F,
            bold_font=B,
            **kw,
        ),
        _icons(2, rtl=True, **kw),
        timeline(STEPS, W, font=F, bold_font=B, **kw),
        qr_code("https://example.org/leaflet", 72, font=F),
    ]


def _pdf(pictures) -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(W + 72, 1000), invariant=1, initialFontName=F)
    y = 1000 - 36
    for picture in pictures:
        y -= picture.height + 12
        renderPDF.draw(picture.drawing, canvas, 36, y)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _nodes(node, kind):
    if isinstance(node, kind):
        yield node
    for child in getattr(node, "contents", ()):
        yield from _nodes(child, kind)


def _figures(picture):
    """Grid figures (a Group of body Path + head) in drawing order, excluding legend icons."""
    groups = [g for g in picture.drawing.contents if isinstance(g, Group)]
    return groups[: picture.info.total]


def _left(s: String) -> float:
    w = stringWidth(s.text, s.fontName, s.fontSize)
    return s.x - {"start": 0, "middle": w / 2, "end": w}[s.textAnchor]


def _assert_inside(picture):
    for s in _nodes(picture.drawing, String):
        left = _left(s)
        right = left + stringWidth(s.text, s.fontName, s.fontSize)
        assert left >= -0.01 and right <= picture.width + 0.01, s.text
    x0, y0, x1, y1 = picture.drawing.getBounds()
    assert x0 >= -0.01 and x1 <= picture.width + 0.01
    assert y0 >= -1.3 and y1 <= picture.height + 1.3  # half of the 2.5 pt frame stroke at most


@pytest.mark.parametrize("n", [0, 2, 10, 50, 95, 100])
def test_icon_count_matches(n):
    """Exactly n figures are filled dark, both in the record and in the drawn shapes."""
    picture = _icons(n)
    assert picture.info.filled == n
    assert picture.info.cells.count("filled") == n
    assert picture.info.cells.count("open") == 100 - n
    bodies = [next(_nodes(g, Path)) for g in _figures(picture)]
    assert len(bodies) == 100
    assert sum(body.fillColor == INK for body in bodies) == n


def test_icons_fill_in_reading_order():
    """Filled figures start at the top left and run along the first row."""
    cells = _icons(12).info.cells
    assert cells[:12] == ("filled",) * 12
    assert set(cells[12:]) == {"open"}


def test_rtl_fills_from_the_right():
    """Right to left, the first row fills from its right end, and the caption moves left."""
    picture = _icons(3, rtl=True)
    assert picture.info.cells[:10] == ("open",) * 7 + ("filled",) * 3
    filled_x = [g.contents[1].cx for g in _figures(picture) if g.contents[0].fillColor == INK]
    open_x = [g.contents[1].cx for g in _figures(picture)[:10] if g.contents[0].fillColor != INK]
    assert min(filled_x) > max(open_x)
    caption = next(_nodes(picture.drawing, String))
    assert caption.textAnchor == "end" and caption.x < min(open_x)


def test_icon_range_uses_a_third_style():
    """A range draws low filled, the rest of the range in the 'may be' style, then open figures."""
    picture = icon_array(None, W, highlighted_range=(2, 95), caption="2 to 95", font=F, bold_font=B)
    assert (picture.info.filled, picture.info.in_range) == (2, 93)
    assert picture.info.cells.count("open") == 5


def test_icon_array_without_count_is_skipped():
    """With no count and no range there is no picture, so an empty grid never reads as 0 in 100."""
    assert icon_array(None, W, caption="Between 2 and 95 in 100", font=F, bold_font=B) is None


@pytest.mark.parametrize(
    ("highlighted", "kw"), [(101, {}), (-1, {}), (5, {"highlighted_range": (2, 10)})]
)
def test_icon_array_rejects_bad_counts(highlighted, kw):
    """Counts outside 0..total, or a count together with a range, are errors."""
    with pytest.raises(ValueError):
        icon_array(highlighted, W, caption="x", font=F, bold_font=B, **kw)


def test_icon_array_fits_in_about_two_inches():
    """At 7 inches wide the grid and its caption fit in about 2.2 inches."""
    picture = _all_pictures()[1]
    assert picture.width == W
    assert picture.height <= 2.2 * 72


def test_narrow_icon_array_puts_caption_under_grid():
    """A narrow icon array stacks the caption under the grid and stays inside its width."""
    picture = icon_array(7, 200, caption="7 in 100 people " * 4, font=F, bold_font=B)
    caption = next(_nodes(picture.drawing, String))
    assert caption.y < picture.height - 10 * 14.4
    _assert_inside(picture)


def test_highlighted_panel_is_marked():
    """The matching panel gets the label and a thick frame; the others get neither."""
    picture = _panels()
    assert picture.info.marked == ("micro-grouped",)
    assert MARK in picture.info.texts
    panels = picture.drawing.contents
    frames = [[r for r in _nodes(p, Rect) if r.strokeWidth >= 2 and r.strokeColor] for p in panels]
    assert [bool(f) for f in frames] == [False, False, True, False]
    labels = [[s.text for s in _nodes(p, String)] for p in panels]
    assert MARK in labels[2] and not any(MARK in texts for texts in labels[:2] + labels[3:])


def test_panels_mirror_in_rtl():
    """Right to left, panels are drawn in reverse order and the mark follows its panel."""
    picture = _panels(marked="macro", rtl=True)
    assert picture.info.drawn_order == ("micro-linear", "micro-grouped", "micro-scattered", "macro")
    assert picture.info.marked == ("macro",)
    last = picture.drawing.contents[-1]
    assert MARK in [s.text for s in _nodes(last, String)]


def test_highlight_needs_a_label():
    """A highlighted panel without a label is an error: the mark is words as well as a frame."""
    with pytest.raises(ValueError, match="marker_label"):
        calcification_panels([Panel("macro", "Large", True)], W, font=F, bold_font=B)


def test_unknown_panel_kind_is_rejected():
    """A kind outside the four patterns is an error naming the choices."""
    with pytest.raises(ValueError, match="micro-linear"):
        Panel("big-dots", "x")  # type: ignore[arg-type]


def test_panel_proportions():
    """Panels are exactly the given width and about a third as tall."""
    picture = _panels()
    assert picture.width == W
    assert 0.25 * W <= picture.height <= 0.36 * W


def test_timeline_records_steps_and_marks_today():
    """Labels keep time order, today's marker is filled and the others hollow."""
    picture = timeline(STEPS, W, font=F, bold_font=B)
    assert picture.info.labels == tuple(s.label for s in STEPS)
    assert picture.info.drawn_order == picture.info.labels
    assert picture.info.whens == (None, "in 6 months", "May 20, 2027", "in 24 months")
    markers = [c for c in picture.drawing.contents if type(c).__name__ == "Circle"]
    assert [m.fillColor == INK for m in markers] == [True, False, False, False]
    assert picture.height <= 1.3 * 72


def test_timeline_mirrors_in_rtl():
    """Right to left, today is the rightmost marker and later steps run leftwards."""
    picture = timeline(STEPS, W, font=F, bold_font=B, rtl=True)
    assert picture.info.drawn_order == tuple(reversed(picture.info.labels))
    markers = [c for c in picture.drawing.contents if type(c).__name__ == "Circle"]
    assert markers[0].fillColor == INK and markers[0].cx == max(m.cx for m in markers)


@pytest.mark.parametrize("count", [1, 6])
def test_timeline_needs_two_to_five_steps(count):
    """Fewer than two or more than five steps is an error."""
    with pytest.raises(ValueError, match="2 to 5"):
        timeline([TimelineStep("Step")] * count, W, font=F, bold_font=B)


def test_long_labels_wrap_inside_the_width():
    """Long labels wrap within their column, an overlong word shrinks or breaks, none overflow."""
    steps = [
        TimelineStep("Today"),
        TimelineStep("A diagnostic mammogram with extra magnified views of the left breast"),
        TimelineStep("Kontrollmammographieuntersuchungstermin", "in about twelve months from now"),
        TimelineStep("Back to routine screening"),
        TimelineStep("Talk with your care team about the results"),
    ]
    picture = timeline(steps, 4 * 72, font=F, bold_font=B)
    _assert_inside(picture)
    sizes = {s.fontSize for s in _nodes(picture.drawing, String)}
    assert min(sizes) >= 8
    wide = timeline(steps[:3], W, font=F, bold_font=B)
    _assert_inside(wide)
    label_lines = [t for t in wide.info.texts if t in steps[1].label]
    assert 2 <= len(label_lines) <= 3


@pytest.mark.parametrize("rtl", [False, True])
def test_every_picture_stays_inside_its_width(rtl):
    """Panels, icon array and timeline keep every shape and string inside the drawing."""
    for picture in _all_pictures():
        assert picture.width in (W, 72)
        _assert_inside(picture)
    _assert_inside(_panels(rtl=rtl))


def test_text_uses_the_given_fonts_and_sizes():
    """Every string uses the caller's fonts, and ordinary-length text stays at 10 pt or more."""
    for picture in _all_pictures():
        assert picture.drawing.initialFontName == F
        for s in _nodes(picture.drawing, String):
            assert s.fontName in (F, B)
            assert s.fontSize >= 10


def test_visual_hook_runs_per_wrapped_line():
    """The visual-order hook sees each wrapped line, so line order stays logical top to bottom."""
    label = "one two three four five six seven eight nine ten eleven twelve"
    steps = [TimelineStep("Now"), TimelineStep(label)]
    plain = timeline(steps, 200, font=F, bold_font=B)
    flipped = timeline(steps, 200, font=F, bold_font=B, visual=lambda s: s[::-1])
    assert flipped.info.texts == tuple(line[::-1] for line in plain.info.texts)


def test_output_is_deterministic():
    """Two independent builds and renders give byte-identical PDFs."""
    first = _pdf(_all_pictures())
    qr_code.cache_clear()
    assert _pdf(_all_pictures()) == first


def test_pdf_embeds_only_given_fonts():
    """A PDF of all pictures references only embedded Noto Sans, never Helvetica."""
    fonts = pdf_fonts(_pdf(_all_pictures()))
    assert fonts and all(fonts.values())
    assert not any("Helvetica" in name for name in fonts)
    assert all("NotoSans" in name for name in fonts)


def test_strings_are_real_pdf_text():
    """Timeline labels, panel captions and the icon caption can be extracted from the PDF."""
    pictures = _all_pictures()
    text = pdf_text(_pdf(pictures))
    for label in ("Today", "Diagnostic mammogram", "in 6 months", "May 20, 2027", MARK):
        assert label in text
    for picture in pictures[:4]:
        for line in picture.info.texts:
            assert line in text


def test_qr_code_is_cached_and_records_value():
    """The QR picture is built once per value and size, at the requested size."""
    qr_code.cache_clear()
    first = qr_code("https://example.org/a", 72, font=F)
    assert qr_code("https://example.org/a", 72, font=F) is first
    assert qr_code("https://example.org/b", 72, font=F) is not first
    assert first.info.value == "https://example.org/a"
    assert (first.width, first.height) == (72, 72)
    dark = [r for r in _nodes(first.drawing, Rect) if r.fillColor == black]
    assert len(dark) > 50


def test_qr_code_rejects_empty_value():
    """An empty QR value is an error rather than a blank square."""
    with pytest.raises(ValueError):
        qr_code("", 72, font=F)


# --- font chains: every character in a face that has it ------------------------------------------

DROID = "DroidSansFallback"
ARABIC = "NotoSansArabic"
ARABIC_BOLD = face_name(ARABIC, bold=True)


def _drawable(s: String) -> bool:
    """Whether the String's face has a real glyph for each of its characters."""
    cmap = getFont(s.fontName).face.charToGlyph
    return all(cmap.get(ord(c)) for c in str(s.text))


def _lines(picture) -> dict[float, list[String]]:
    """Strings by baseline, left to right: one entry per drawn line."""
    lines: dict[float, list[String]] = {}
    for s in _nodes(picture.drawing, String):
        lines.setdefault(round(s.y, 3), []).append(s)
    return {y: sorted(group, key=_left) for y, group in lines.items()}


def _digits_apart(text: str, bold: bool) -> list[tuple[str, str]]:
    """A stand-in run splitter: digits in the bold face, everything else regular."""
    return [(B if digit else F, "".join(g)) for digit, g in groupby(text, str.isdigit)]


def test_latin_output_is_unchanged_by_the_font_chain():
    """Latin text through the chain is one run per line: the PDF is byte-identical to one font."""
    assert _pdf(_all_pictures(runs=_chain_runs("en"))) == _pdf(_all_pictures())


@pytest.mark.parametrize(("rtl", "anchor"), [(False, "start"), (True, "end")])
def test_runs_are_consecutive_strings_that_keep_the_line_anchor(rtl, anchor):
    """A line of several runs is drawn run after run, and the whole line keeps its alignment."""
    caption = "2 in 100 people"
    plain = next(_nodes(_icons(2, rtl=rtl).drawing, String))
    picture = icon_array(2, W, caption=caption, font=F, bold_font=B, rtl=rtl, runs=_digits_apart)
    [line] = [group for group in _lines(picture).values() if len(group) > 1]
    assert [(s.text, s.fontName) for s in line] == [
        ("2", B),
        (" in ", F),
        ("100", B),
        (" people", F),
    ]
    assert {s.textAnchor for s in line} == {"start"}
    for before, after in zip(line, line[1:], strict=False):
        assert after.x == pytest.approx(
            before.x + stringWidth(before.text, B if before.text.isdigit() else F, before.fontSize)
        )
    left = line[0].x
    right = line[-1].x + stringWidth(line[-1].text, line[-1].fontName, line[-1].fontSize)
    assert (right if anchor == "end" else left) == pytest.approx(plain.x)
    assert picture.info.texts == (caption,)
    _assert_inside(picture)


def test_centred_runs_stay_centred_under_their_panel():
    """Panel captions are centred as a whole line, whatever faces their runs use."""
    panels = [Panel("macro", "Spots 12 to 15"), Panel("micro-linear", "In 1 line", True)]
    plain = calcification_panels(panels, W, font=F, bold_font=B, marker_label=MARK)
    split = calcification_panels(
        panels, W, font=F, bold_font=B, marker_label=MARK, runs=_digits_apart
    )
    for plain_panel, split_panel in zip(
        plain.drawing.contents, split.drawing.contents, strict=True
    ):
        [centre] = [s.x for s in _nodes(plain_panel, String) if s.text != MARK]
        line = sorted((s for s in _nodes(split_panel, String) if s.text != MARK), key=_left)
        assert len(line) > 1 and len({s.y for s in line}) == 1
        right = _left(line[-1]) + stringWidth(line[-1].text, line[-1].fontName, line[-1].fontSize)
        assert (_left(line[0]) + right) / 2 == pytest.approx(centre)


def test_visual_order_comes_before_the_run_split():
    """Runs are split from each line as drawn: the splitter sees what `visual` returned."""
    seen: list[str] = []

    def runs(text, bold):
        seen.append(text)
        return [(F, text)]

    steps = [TimelineStep("Now"), TimelineStep("one two three four five six seven eight")]
    picture = timeline(steps, 200, font=F, bold_font=B, visual=lambda s: s[::-1], runs=runs)
    assert set(picture.info.texts) <= set(seen)
    assert "woN" in picture.info.texts


def test_chinese_caption_prints_digits_and_latin_through_the_chain():
    """Droid has no digits or Latin: they print in Noto Sans, inside a Chinese line."""
    caption = "100人中有2人 (2%) BI-RADS"
    kw = {"font": DROID, "bold_font": face_name(DROID, bold=True), "runs": _chain_runs("zh-Hans")}
    steps = [TimelineStep("今天"), TimelineStep("乳腺X线检查", "2027年5月20日")]
    pictures = [icon_array(2, W, caption=caption, **kw), timeline(steps, W, **kw)]
    for picture in pictures:
        strings = list(_nodes(picture.drawing, String))
        assert all(_drawable(s) for s in strings), [s.text for s in strings if not _drawable(s)]
        _assert_inside(picture)
    data = _pdf(pictures)
    text = pdf_text(data)
    for expected in ("100", "2", "(2%)", "BI-RADS", "X", "2027", "今天"):
        assert expected in text
    fonts = pdf_fonts(data)
    assert all(fonts.values())
    assert any(DROID in name for name in fonts)
    assert any("NotoSans" in name and DROID not in name for name in fonts)


def test_single_font_chinese_would_lose_the_digits():
    """Without a splitter the Chinese face draws the digits: the gap the chain closes."""
    picture = icon_array(2, W, caption="100人中有2人", font=DROID, bold_font=DROID)
    assert not all(_drawable(s) for s in _nodes(picture.drawing, String))


def test_arabic_caption_prints_latin_and_digits_through_the_chain():
    """An Arabic caption with a Latin word and numbers: visual order first, then runs."""
    caption = "2 من كل 100 شخص لديهم سرطان (BI-RADS 3)"
    picture = icon_array(
        2,
        W,
        caption=caption,
        font=ARABIC,
        bold_font=ARABIC_BOLD,
        rtl=True,
        visual=visual_rtl_line,
        runs=_chain_runs("ar"),
    )
    strings = list(_nodes(picture.drawing, String))
    assert all(_drawable(s) for s in strings), [s.text for s in strings if not _drawable(s)]
    assert {s.fontName for s in strings} >= {ARABIC_BOLD, "NotoSans-Bold"}
    _assert_inside(picture)
    data = _pdf([picture])
    text = pdf_text(data)
    for expected in ("2", "100", "BI-RADS", "3"):
        assert expected in text
    assert all(pdf_fonts(data).values())


def test_no_break_space_keeps_a_number_with_its_unit():
    """Lines wrap at spaces but never at a no-break space ("38\u00a0°C" stays together)."""
    caption = "Call us if you have a fever of 38\u00a0°C or more after the biopsy"
    for width in range(120, 320, 8):
        picture = icon_array(7, width, caption=caption, font=F, bold_font=B)
        assert any("38\u00a0°C" in line for line in picture.info.texts), width


def test_devanagari_is_shaped_and_the_degree_sign_falls_back():
    """Hindi runs are HarfBuzz-shaped (vowel signs, conjuncts); "°C" comes from Noto Sans."""
    deva = "NotoSansDevanagari"
    kw = {"font": deva, "bold_font": face_name(deva, bold=True), "runs": _chain_runs("hi")}
    steps = [TimelineStep("आज"), TimelineStep("नियमित स्वास्थ्य जाँच", "बुखार 38\u00a0°C")]
    picture = timeline(steps, W, **kw)
    strings = list(_nodes(picture.drawing, String))
    line_y = next(c.cy for c in picture.drawing.contents if type(c).__name__ == "Circle")
    [label] = [s for s in strings if s.y < line_y and s.x > W / 2]
    assert hasattr(label.text, "__shapeData__")  # HarfBuzz glyphs, not the letters in order
    shaped_width = stringWidth(label.text, label.fontName, label.fontSize)
    assert shaped_width < stringWidth(steps[1].label, label.fontName, label.fontSize)
    assert any("°C" in s.text and s.fontName == "NotoSans" for s in strings)
    _assert_inside(picture)
    assert all(pdf_fonts(_pdf([picture])).values())


def test_labels_in_a_row_share_a_baseline_when_only_some_use_a_fallback():
    """A Chinese label with a Noto Sans "X" sits on the same baseline as one without."""
    kw = {"font": DROID, "bold_font": DROID, "runs": _chain_runs("zh-Hans")}
    steps = [TimelineStep("今天"), TimelineStep("乳腺X线检查"), TimelineStep("复查")]
    picture = timeline(steps, W, **kw)
    line_y = next(c.cy for c in picture.drawing.contents if type(c).__name__ == "Circle")
    assert len({round(s.y, 3) for s in _nodes(picture.drawing, String) if s.y < line_y}) == 1
