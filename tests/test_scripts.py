"""Writing systems: every language prints with embedded fonts, no missing glyphs, right order.

The sample leaflets in tests/fixtures/scripts/samples.yaml (one per language: a heading, sentences
with a number, a date and a phone number, a bold phrase, a patient name) are built straight into
Document objects and rendered. What a test can assert depends on the script (fonts-and-scripts.md
§6): extracted text for Latin, Cyrillic, Vietnamese, Chinese and Korean; word order from word
boxes for Arabic; HarfBuzz glyph coverage and rendered images for Hindi.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
from reportlab.platypus import Paragraph as RLParagraph

from handout import fonts
from handout.context import format_day
from handout.document import (
    Box,
    BulletList,
    Document,
    Heading,
    KeyFacts,
    Paragraph,
    Span,
    Steps,
    Title,
)
from handout.errors import InputError, RenderError
from handout.flowables import _Ctx, _flowables
from handout.fonts import (
    FAMILIES,
    FONT_DIR,
    chain_for,
    check_printable,
    face_name,
    font_runs,
    missing_characters,
    register_fonts,
)
from handout.pdf import render_pdf
from handout.rtl import RTLParagraph, has_rtl, reshape, visual_ltr, visual_order
from handout.styles import stylesheet

from .conftest import FIXTURES, pdf_fonts, pdf_reader, pdf_text

SAMPLES = yaml.safe_load((FIXTURES / "scripts" / "samples.yaml").read_text(encoding="utf-8"))
LANGS = ("en", "es", "vi", "tl", "ht", "pt", "fr", "ru", "zh-Hans", "zh-Hant", "ko", "ar", "hi")
#: Scripts whose PDF text extraction is reliable (fonts-and-scripts.md §6).
EXTRACTABLE = ("en", "es", "vi", "tl", "ht", "pt", "fr", "ru", "zh-Hans", "zh-Hant", "ko")
DAY = date(2027, 5, 20)
HARD_NAMES = ("Nguyễn Thị Ánh", "欧阳娜娜", "김민지", "Ольга", "عائشة", "अनीता", "O'Brien-Łukasz")
PRIMARY_FONT = {
    **dict.fromkeys(("en", "es", "vi", "tl", "ht", "pt", "fr", "ru"), "NotoSans-Regular"),
    "zh-Hans": "DroidSansFallback",
    "zh-Hant": "DroidSansFallback",
    "ko": "NanumGothic",
    "ar": "NotoSansArabic-Regular",
    "hi": "NotoSansDevanagari-Regular",
}
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MIRROR = str.maketrans("()[]{}«»", ")(][}{»«")

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) not installed: apt-get install poppler-utils",
)


# --- building and reading the sample leaflets ---------------------------------------------------


def _inline(text: str) -> tuple[Span, ...]:
    """`**bold**` markup in a sample string -> spans (as the template pipeline produces them)."""
    parts = re.split(r"\*\*(.+?)\*\*", unicodedata.normalize("NFC", text))
    return tuple(Span(p, bool(i % 2)) for i, p in enumerate(parts) if p)


def _fill(text: str, lang: str) -> str:
    return text.replace("{date}", format_day(DAY, lang)).replace("{name}", SAMPLES[lang]["name"])


def sample_document(lang: str) -> Document:
    """The sample leaflet for one language as a Document, dates formatted by Babel."""
    s = SAMPLES[lang]
    blocks = (
        Title(_inline(s["title"])),
        Heading(_inline(s["heading"])),
        *(Paragraph(_inline(_fill(p, lang))) for p in s["paragraphs"]),
        KeyFacts(tuple((_inline(label), _inline(_fill(v, lang))) for label, v in s["facts"])),
        Steps(tuple(_inline(x) for x in s["steps"])),
        BulletList(tuple(_inline(x) for x in s["bullets"])),
        Box("main", (Paragraph(_inline(s["box"])),)),
    )
    return Document(
        title=s["title"],
        subject="Sample leaflet",
        author="handout tests",
        lang=lang,
        direction=s["dir"],
        header=s["header"],
        footer=s["footer"],
        blocks=blocks,
    )


def expected_text(lang: str) -> str:
    """Everything the sample page shows, in drawing order (header first, footer last)."""
    s = SAMPLES[lang]
    parts = [s["header"], s["title"], s["heading"], *(_fill(p, lang) for p in s["paragraphs"])]
    for label, value in s["facts"]:
        parts += [label, _fill(value, lang)]
    parts += [f"{i}. {step}" for i, step in enumerate(s["steps"], start=1)]
    parts += [f"• {item}" for item in s["bullets"]]
    parts += [s["box"], s["footer"].replace("{page}", "1").replace("{pages}", "1")]
    return "\n".join(parts).replace("**", "")


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    """Every sample leaflet rendered once (letter, easy level)."""
    return {lang: render_pdf(sample_document(lang), "easy", "letter")[0] for lang in LANGS}


def _poppler(args: list[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _bbox_lines(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Words per line from `pdftotext -bbox`, lines top to bottom, pages in order.

    A word is (xMin, xMax, text). Words share a line when their vertical centres are close: a
    bracket from the fallback font has a taller box than the Arabic words around it.
    """
    out = _poppler(["pdftotext", "-bbox", str(pdf), "-"])
    lines: list[list[tuple[float, float, str]]] = []
    for page in out.split("<page ")[1:]:
        rows: list[tuple[float, list[tuple[float, float, str]]]] = []
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        ):
            x0, y0, x1, y1 = (float(m.group(i)) for i in range(1, 5))
            text = m.group(5).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            centre = (y0 + y1) / 2
            row = next((r for r in rows if abs(r[0] - centre) < 4), None)
            if row is None:
                rows.append((centre, [(x0, x1, text)]))
            else:
                row[1].append((x0, x1, text))
        lines.extend(words for _, words in sorted(rows, key=lambda r: r[0]))
    return lines


def _logical_rtl_line(words: list[tuple[float, float, str]]) -> list[str]:
    """Read one right-to-left line back into logical order from its word boxes.

    Words right to left; an Arabic word's glyphs are in visual order, so they are reversed (and
    brackets mirrored back); a run of left-to-right words (numbers, Latin) keeps its own order.
    """
    ordered = sorted(words, key=lambda w: -w[0])
    result: list[str] = []
    ltr_run: list[str] = []
    for _, _, text in ordered:
        text = _BIDI_CONTROLS.sub("", text)
        if has_rtl(text):
            result.extend(reversed(ltr_run))
            ltr_run = []
            # Reverse before NFKC: a lam-alef ligature is one glyph but two letters.
            result.append(unicodedata.normalize("NFKC", text[::-1].translate(_MIRROR)))
        else:
            ltr_run.append(unicodedata.normalize("NFKC", text))
    result.extend(reversed(ltr_run))
    return result


def _nfkc_words(text: str) -> list[str]:
    return unicodedata.normalize("NFKC", _BIDI_CONTROLS.sub("", text)).replace("**", "").split()


def _gray_image(pdf: Path, dpi: int = 150) -> tuple[int, int, bytes]:
    """First page as 8-bit grey pixels (pdftoppm's PGM output), no imaging library needed."""
    raw = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf)],
        check=True,
        capture_output=True,
    ).stdout
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", raw)
    assert header, "unexpected pdftoppm output"
    width, height = int(header.group(1)), int(header.group(2))
    return width, height, raw[header.end() :]


def _ink_box(image: tuple[int, int, bytes]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of all non-white pixels."""
    width, height, pixels = image
    xs, ys = [], []
    for y in range(height):
        row = pixels[y * width : (y + 1) * width]
        dark = [x for x, v in enumerate(row) if v < 160]
        if dark:
            xs += [dark[0], dark[-1]]
            ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def _build_flowables(path: Path, flowables: list, width: float = 70 * mm) -> None:
    """A bare PDF with a narrow frame, for line-breaking tests (fonts embedded, no Helvetica)."""
    register_fonts()
    doc = BaseDocTemplate(
        str(path), pagesize=(width + 40, 300), invariant=1, initialFontName="NotoSans"
    )
    frame = Frame(20, 20, width, 260, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("p", [frame])])
    doc.build(flowables)


def _line_texts(para: RLParagraph) -> list[str]:
    """The text of each line ReportLab made of a wrapped Paragraph."""
    lines = []
    for line in para.blPara.lines:
        if hasattr(line, "words"):
            lines.append("".join(getattr(w, "text", "") for w in line.words))
        else:
            lines.append(" ".join(line[1]))
    return lines


# --- fonts, chains, coverage -------------------------------------------------------------------


def test_font_files_and_licences_ship_together():
    """Every bundled font file exists next to a licence text naming it, and the README lists it."""
    readme = (FONT_DIR / "README.md").read_text(encoding="utf-8")
    licences = "".join(p.name for p in FONT_DIR.glob("*.txt"))
    for family in FAMILIES.values():
        for filename in family.faces().values():
            assert (FONT_DIR / filename).is_file(), filename
            assert filename in readme, filename
        assert family.name in licences, family.name


def test_fonts_register_once_per_process():
    """Registering again is a no-op: the registry, coverage sets and patches are built once."""
    register_fonts()
    register_fonts()
    assert register_fonts.cache_info().misses == 1
    assert fonts.patch_reportlab.cache_info().misses == 1


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_has_a_chain_reaching_every_script(lang):
    """Each chain starts with the language's own font and falls back to every bundled script."""
    chain = chain_for(lang)
    assert chain[0] == {
        "ar": "NotoSansArabic",
        "hi": "NotoSansDevanagari",
        "zh-Hans": "DroidSansFallback",
        "zh-Hant": "DroidSansFallback",
        "ko": "NanumGothic",
    }.get(lang, "NotoSans")
    assert set(chain) == set(FAMILIES)
    # Digits, Latin letters and "°" come from Noto Sans right after a primary that lacks them.
    assert "NotoSans" in chain[:2]


@pytest.mark.parametrize(
    ("tag", "same_as"),
    [
        ("es-MX", "es"),
        ("zh", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),
        ("ar-EG", "ar"),
        ("pt-BR", "pt"),
        ("hi-IN", "hi"),
        ("ko-KR", "ko"),
    ],
)
def test_chain_for_regional_tags(tag, same_as):
    """BCP 47 tags with a region or script use the chain of the language they belong to."""
    assert chain_for(tag) == chain_for(same_as)


@pytest.mark.parametrize("lang", LANGS)
def test_sample_text_is_covered(lang):
    """Every character of each sample leaflet is covered by its chain, regular and bold."""
    text = expected_text(lang) + SAMPLES[lang]["name"]
    for bold in (False, True):
        assert missing_characters(text, chain_for(lang), bold=bold) == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", HARD_NAMES)
def test_hard_names_are_covered_by_every_chain(lang, name):
    """Names in any bundled script print on a leaflet in any language (en and ar included)."""
    for bold in (False, True):
        assert missing_characters(name, chain_for(lang), bold=bold) == []
    check_printable(name, "name", lang)


@pytest.mark.parametrize("lang", ["en", "ar", "zh-Hans", "hi"])
@pytest.mark.parametrize(
    ("char", "code"), [("\U0001f600", "U+1F600"), ("\u1200", "U+1200"), ("\U00010330", "U+10330")]
)
def test_uncovered_character_names_field_and_code_point(lang, char, code):
    """A character no bundled font has (emoji, Ethiopic, Gothic) is an error, never a blank."""
    with pytest.raises(InputError, match=rf"^name: character {re.escape(code)} \("):
        check_printable(f"Ann {char}", "name", lang)


def test_renderer_refuses_uncovered_content_character():
    """Content with an unprintable character fails the render with the code point in the error."""
    doc = sample_document("ar")
    bad = Document(**{**doc.__dict__, "blocks": (Paragraph((Span("مرحبا \u1200"),)),)})
    with pytest.raises(RenderError, match=r"U\+1200"):
        render_pdf(bad, "easy")


def test_coverage_checks_nfc():
    """Decomposed input (NFD) is checked as the NFC text that is printed."""
    name = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert name != unicodedata.normalize("NFC", name)
    assert missing_characters(name, chain_for("ko")) == []
    words = RTLParagraph(
        [(unicodedata.normalize("NFD", "إسماعيل"), False)], _style("ar"), chain_for("ar")
    )
    assert unicodedata.normalize("NFKC", words.plain_text()) == "إسماعيل"


def test_droid_has_no_bold_and_maps_bold_to_regular():
    """Chinese bold deliberately prints in the regular face (the bundled CJK font has no bold)."""
    assert face_name("DroidSansFallback", bold=True) == "DroidSansFallback"
    assert face_name("NotoSans", bold=True) == "NotoSans-Bold"


def test_font_runs_keep_a_word_in_one_font():
    """A word is set in one font when one covers it, without pulling in an unrelated font."""
    # Vietnamese name on a Korean leaflet: all Noto Sans, not Nanum letters plus a Noto "ễ".
    assert font_runs("Nguyễn Thị Ánh", chain_for("ko")) == [("NotoSans", "Nguyễn Thị Ánh")]
    # Traditional Chinese stays in Droid (Nanum also has these hanzi and the digits): only "6".
    runs = font_runs("請在6個月後", chain_for("zh-Hant"))
    assert runs == [
        ("DroidSansFallback", "請在"),
        ("NotoSans", "6"),
        ("DroidSansFallback", "個月後"),
    ]
    # Korean on an English leaflet comes from Nanum (Droid's stray Hangul are ignored).
    assert font_runs("김민지", chain_for("en")) == [("NanumGothic", "김민지")]
    assert font_runs("欧阳娜娜", chain_for("en")) == [("DroidSansFallback", "欧阳娜娜")]


# --- every language renders --------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_renders_on_one_page(lang):
    """The sample leaflet of each language lays out on one letter page at every reading level."""
    for level in ("easy", "standard", "detailed"):
        _, pages = render_pdf(sample_document(lang), level, "letter")
        assert pages == 1


@pytest.mark.parametrize("lang", LANGS)
def test_all_fonts_embedded_and_no_helvetica(rendered, lang):
    """Every font the PDF uses is an embedded subset, the language's own font among them."""
    used = pdf_fonts(rendered[lang])
    assert used and all(used.values()), used
    assert not any("Helvetica" in name for name in used)
    assert all(re.match(r"/[A-Z]{6}\+", name) for name in used), used
    assert any(name.endswith("+" + PRIMARY_FONT[lang]) for name in used), used


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_lang_is_set(rendered, lang):
    """The PDF catalogue's /Lang is the leaflet's BCP 47 tag."""
    assert pdf_reader(rendered[lang]).trailer["/Root"]["/Lang"] == lang


@pytest.mark.parametrize("lang", EXTRACTABLE)
def test_text_reads_back_exactly(rendered, lang):
    """Extracted text equals the source, ignoring whitespace (Latin, Cyrillic, Vietnamese, CJK)."""
    page = pdf_reader(rendered[lang]).pages[0]
    assert _squash(page.extract_text()) == _squash(expected_text(lang))


def test_latin_bold_headings_use_the_bold_face(rendered):
    """Headings and bold phrases are set in a real bold face (no aliasing of Regular and Bold)."""
    for lang in ("en", "vi", "ru", "ko", "ar", "hi"):
        names = set(pdf_fonts(rendered[lang]))
        assert any(n.endswith("-Bold") or n.endswith("GothicBold") for n in names), (lang, names)


# --- Arabic ------------------------------------------------------------------------------------


def _style(lang: str, name: str = "body"):
    register_fonts()
    ctx = _Ctx(sample_document(lang), "easy", 400)
    return ctx.styles[name]


def test_arabic_words_read_back_with_pypdf(rendered):
    """pypdf finds every Arabic word of the source (NFKC), with every letter and haraka."""
    extracted = unicodedata.normalize("NFKC", pdf_reader(rendered["ar"]).pages[0].extract_text())
    source = expected_text("ar")
    # pypdf sometimes glues two words at a bold/regular boundary, so words are found as substrings
    # of the whitespace-free text, and the letters are compared as a multiset.
    glued = "".join(extracted.split())
    for word in _nfkc_words(source):
        letters = "".join(c for c in word if has_rtl(c) or unicodedata.category(c) == "Mn")
        assert letters in glued, word
    arabic = lambda s: Counter(c for c in s if has_rtl(c) or unicodedata.category(c) == "Mn")  # noqa: E731
    assert arabic(extracted) == arabic(unicodedata.normalize("NFKC", source))


_ARABIC_LONG = (
    "اشربي كوباً من الماء قبل الفحص. **لا تستخدمي** مزيل العرق يوم التصوير، لأنه قد يظهر "
    "على الصورة. إذا شعرتِ بألم، يمكنكِ تناول Paracetamol 500 mg (حبة واحدة) بعد 6 ساعات. "
    "اتصلي بنا على الرقم (555) 010-0199 قبل 20/11/2026 إذا كانت لديكِ أسئلة."
)


@needs_poppler
def test_arabic_word_order_on_every_wrapped_line(tmp_path):
    """Word boxes read right to left give the logical text on every line, across four pages."""
    chain = chain_for("ar")
    text = " ".join([_ARABIC_LONG] * 6)
    path = tmp_path / "ar-long.pdf"
    _build_flowables(path, [RTLParagraph(_spans(text), _style("ar"), chain)])
    lines = _bbox_lines(path)
    assert len(lines) > 20
    pages = int(re.search(r"Pages:\s+(\d+)", _poppler(["pdfinfo", str(path)])).group(1))
    assert pages >= 3
    read = [word for line in lines for word in _logical_rtl_line(line)]
    assert read == _nfkc_words(text)


@needs_poppler
def test_arabic_leaflet_word_order_and_mirrored_layout(rendered, tmp_path):
    """On the Arabic leaflet, body lines read in order and the layout is mirrored to the right."""
    path = tmp_path / "ar.pdf"
    path.write_bytes(rendered["ar"])
    lines = _bbox_lines(path)
    read = [" ".join(_logical_rtl_line(line)) for line in lines]
    s = SAMPLES["ar"]
    # Title, heading, and the first paragraph (two lines) in logical order.
    assert read[1] == " ".join(_nfkc_words(s["title"]))
    assert read[2] == " ".join(_nfkc_words(s["heading"]))
    assert " ".join(read[3:5]) == " ".join(_nfkc_words(s["paragraphs"][0]))
    right = 612 - 54  # letter width minus the margin
    words = {text: (x0, x1) for line in lines for x0, x1, text in line}
    # Header, numbers and bullets sit at the right margin.
    assert max(x1 for _, x1, _ in lines[0]) == pytest.approx(right, abs=1)
    assert words[".1"][1] == pytest.approx(right, abs=1)
    assert words["•"][1] == pytest.approx(right, abs=1)
    # Facts: the first label ("الاسم") is right of its value, which is right of the second pair.
    label = words[reshape("الاسم")[::-1]]
    value = words[reshape("محمد")[::-1]]
    second = words[reshape("الفحص")[::-1]]
    assert label[0] > value[0] > second[0]


def _spans(text: str) -> list[tuple[str, bool]]:
    return [(s.text, s.bold) for s in _inline(text)]


def test_arabic_brackets_mirrored_and_numbers_kept_in_order():
    """Visual order mirrors brackets and keeps phone numbers, ranges and dates left to right."""
    from handout.rtl import protect_numbers

    def visual(text: str) -> str:
        return "".join(c for c, _ in visual_order([(protect_numbers(text), False)], "R"))

    assert visual("قبل (نص) بعد") == "دعب (صن) لبق"
    assert "(555)\u00a0010-0199" in visual("الرقم (555) 010-0199 من")
    assert "38–39" in visual("بين 38–39 درجة")
    assert "20/11/2026" in visual("في 20/11/2026 و")
    assert visual("(6 أشهر)") == "(رهشأ 6)"
    # Latin words keep their order inside Arabic text.
    assert "Paracetamol 500 mg" in visual("تناولي Paracetamol 500 mg الآن")


def test_arabic_harakat_and_lam_alef_are_kept():
    """Joining keeps harakat (the reshaper's default deletes them) and forms lam-alef."""
    shaped = reshape("قرصاً لا")
    assert "\u064b" in shaped
    assert "\ufefb" in shaped  # lam-alef isolated ligature
    assert unicodedata.normalize("NFKC", shaped) == "قرصاً لا"


def test_arabic_bold_kept_per_run():
    """Inline bold inside Arabic text is set in the bold face, not dropped."""
    para = RTLParagraph(_spans("كلمة **مهمة جداً** هنا"), _style("ar"), chain_for("ar"))
    para.wrap(400, 1000)
    markup = para._inner.text  # type: ignore[union-attr]
    assert markup.count("<b>") == 1
    bold = re.search(r"<b>(.*?)</b>", markup).group(1)
    # Visual order: the words and their letters reversed (each haraka before its letter).
    assert bold == reshape("مهمة جداً")[::-1]


def test_arabic_split_rebuilds_for_the_new_width():
    """A split Arabic paragraph continues with the remaining words, re-broken for its frame."""
    para = RTLParagraph(_spans(_ARABIC_LONG), _style("ar"), chain_for("ar"))
    head, tail = para.split(150, 40)
    assert head.plain_text() + " " + tail.plain_text() == para.plain_text()
    wide, _ = tail.wrap(400, 1000)
    assert wide == 400


def test_arabic_name_on_english_leaflet_is_joined_and_in_visual_order():
    """An Arabic name on a left-to-right leaflet is reshaped and reordered, not left backwards."""
    assert visual_ltr("عائشة محمد") == reshape("محمد")[::-1] + " " + reshape("عائشة")[::-1]
    ctx = _Ctx(sample_document("en"), "easy", 400)
    markup = ctx.markup((Span("Name: عائشة"),))
    assert '<font face="NotoSansArabic">' in markup
    assert reshape("عائشة")[::-1] in markup


def test_rtl_boxes_and_facts_are_mirrored():
    """In right-to-left documents the box accent bar is on the right and fact columns reversed."""
    ctx = _Ctx(sample_document("ar"), "easy", 400)
    box = _flowables(sample_document("ar").blocks[-1], ctx)[1]._content[0]
    commands = [c[0] for c in box._linecmds]
    assert "LINEAFTER" in commands and "LINEBEFORE" not in commands
    table = _flowables(sample_document("ar").blocks[4], ctx)[0]
    assert table._colWidths == [120.0, 80.0, 120.0, 80.0]
    assert table.hAlign == "RIGHT"


def test_english_paragraph_on_arabic_leaflet_is_set_left_to_right():
    """An all-English paragraph (a clinic address, the federal density statement) on an Arabic
    leaflet keeps its brackets and final full stop where an English reader expects them."""
    from reportlab.lib.enums import TA_LEFT

    ctx = _Ctx(sample_document("ar"), "easy", 200)
    address = "Example Breast Imaging Center (accredited facility name), 100 Main Street."
    para = ctx.para((Span(address),), "body")
    assert not isinstance(para, RTLParagraph)
    assert para.style.alignment == TA_LEFT
    doc = sample_document("ar")
    doc = replace(doc, blocks=(*doc.blocks, Paragraph((Span(address),))))
    text = " ".join(pdf_text(render_pdf(doc, "easy", "letter")[0]).split())
    assert address in text
    # Any Arabic letter keeps the paragraph right to left, even one that starts in Latin.
    assert isinstance(ctx.para((Span("BI-RADS 3 فئة"),), "body"), RTLParagraph)


# --- Hindi -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bold", [False, True])
def test_hindi_words_shape_without_missing_glyphs(bold):
    """HarfBuzz shapes every Devanagari word of the sample with the exact font file: no glyph 0."""
    import uharfbuzz as hb

    path = (
        FONT_DIR
        / FAMILIES["NotoSansDevanagari"].faces()[face_name("NotoSansDevanagari", bold=bold)]
    )
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))
    words = {w for w in re.split(r"[\s\u00a0]+", expected_text("hi") + SAMPLES["hi"]["name"])}
    devanagari = [w for w in words if any("\u0900" <= c <= "\u097f" for c in w)]
    assert len(devanagari) > 40
    for word in devanagari:
        # Only the Devanagari part: Latin letters and "°" go to Noto Sans (see the next test).
        word = "".join(c for c in word if not c.isascii() or c.isdigit() or c in "().,?-")
        buf = hb.Buffer()
        buf.add_str(word)
        buf.guess_segment_properties()
        hb.shape(font, buf, {})
        assert all(g.codepoint != 0 for g in buf.glyph_infos), word


def test_hindi_fallback_for_degree_sign():
    """ "°C" would be .notdef in Noto Sans Devanagari, so the chain sends it to Noto Sans."""
    import uharfbuzz as hb

    path = FONT_DIR / "NotoSansDevanagari-Regular.ttf"
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))
    buf = hb.Buffer()
    buf.add_str("°C")
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    assert any(g.codepoint == 0 for g in buf.glyph_infos)
    assert font_runs("38\u00a0°C", chain_for("hi")) == [("NotoSans", "38\u00a0°C")]


def _shaped_glyph_ids(para: RLParagraph) -> list[int]:
    from reportlab.pdfbase import pdfmetrics

    ids = []
    for line in para.blPara.lines:
        for frag in line.words:
            face = pdfmetrics.getFont(frag.fontName).face
            ids += [face.charToGlyph.get(ord(c), 0) for c in frag.text]
    return ids


def test_shaped_word_mixing_fonts_has_no_notdef():
    """A shaped word drawn in two fonts ("°C।") is shaped per font, without .notdef boxes."""
    from reportlab.lib.abag import ABag
    from reportlab.pdfbase import ttfonts

    register_fonts()
    ctx = _Ctx(sample_document("hi"), "easy", 400)
    para = ctx.para((Span("बुखार 38\u00a0°C। फिर <b>39\u00a0°C।</b> हो"),), "body")
    para.wrap(90, 1000)  # wraps: several fragments and lines (the setRise crash condition)
    ids = _shaped_glyph_ids(para)
    assert ids and 0 not in ids
    # Without the per-font shaping, ReportLab shapes the word with its first font: glyph 0.
    word = [
        0,
        (ABag(fontName="NotoSans", fontSize=12), "°C"),
        (ABag(fontName="NotoSansDevanagari", fontSize=12), "।"),
    ]
    assert 0 in _word_glyph_ids(ttfonts.shapeFragWord._handout_original(word))
    assert 0 not in _word_glyph_ids(ttfonts.shapeFragWord(word))


def _word_glyph_ids(word: list) -> list[int]:
    from reportlab.pdfbase import pdfmetrics

    return [
        pdfmetrics.getFont(f.fontName).face.charToGlyph.get(ord(c), 0)
        for f, s in word[1:]
        for c in s
    ]


def test_setrise_guard_is_applied_once():
    """setRise on an empty text object no longer crashes (pitfall 4), and still sets the rise."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.pdfgen.textobject import PDFTextObject

    register_fonts()
    text = PDFTextObject(Canvas("/dev/null", initialFontName="NotoSans"))
    text._code = []
    text.setRise(2)
    assert text._code == ["2 Ts"]
    text.setRise(3)
    assert text._code == ["3 Ts"]
    assert PDFTextObject.setRise.__qualname__.endswith("set_rise")


_SETRISE_REPRO = """
import io, sys
from reportlab.lib.fonts import addMapping
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate
import reportlab.platypus.paragraph as paragraph
from handout.fonts import FONT_DIR, patch_reportlab

if sys.argv[1] == "guarded":
    patch_reportlab()
    # Only the setRise guard: ReportLab's own word shaping, as in the crash report.
    paragraph.shapeFragWord = ttfonts.shapeFragWord._handout_original
# Arabic shaped by ReportLab itself (the leaflets never do this; it is the known trigger).
pdfmetrics.registerFont(TTFont("AR", str(FONT_DIR / "NotoSansArabic-Regular.ttf")))
pdfmetrics.registerFont(TTFont("AR-B", str(FONT_DIR / "NotoSansArabic-Bold.ttf")))
pdfmetrics.registerFont(TTFont("NS", str(FONT_DIR / "NotoSans-Regular.ttf")))
for bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
    addMapping("AR", bold, italic, "AR-B" if bold else "AR")
style = ParagraphStyle("s", fontName="AR", fontSize=12, leading=19, shaping=1)
words = "يُرجى العودة لإجراء تصوير متابعة للثدي بعد ستة أشهر. اشربي كوباً من الماء".split()
crashes = 0
for i in range(len(words)):
    text = " ".join(f"<b>{w}</b>" if j == i else w for j, w in enumerate(words))
    for width in range(60, 300, 20):
        doc = SimpleDocTemplate(io.BytesIO(), pagesize=(600, 800), initialFontName="NS",
                                leftMargin=10, rightMargin=590 - width)
        try:
            doc.build([Paragraph(text, style)])
        except IndexError:
            crashes += 1
print(crashes)
"""


@pytest.mark.parametrize(("mode", "crashes"), [("plain", True), ("guarded", False)])
def test_setrise_crash_reproduced_and_guarded(mode, crashes):
    """Shaped multi-fragment paragraphs crash plain ReportLab in setRise, not the guarded one."""
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _SETRISE_REPRO, mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert (int(result.stdout.strip()) > 0) is crashes


@needs_poppler
def test_hindi_rendered_image_shows_shaping(tmp_path):
    """Rendered pixels: shaped Hindi differs from unshaped and its conjuncts are narrower."""
    words = "स्वास्थ्य क्षत्रिय श्रद्धा"
    style = _style("hi")
    assert style.shaping == 1
    from reportlab.lib.styles import ParagraphStyle

    flat = ParagraphStyle("flat", parent=style, shaping=0)
    images = {}
    for name, st in (("shaped", style), ("flat", flat)):
        path = tmp_path / f"{name}.pdf"
        _build_flowables(path, [RLParagraph(words, st)], width=400)
        images[name] = _gray_image(path)
    assert images["shaped"][2] != images["flat"][2]
    shaped_box, flat_box = _ink_box(images["shaped"]), _ink_box(images["flat"])
    assert shaped_box[2] - shaped_box[0] < flat_box[2] - flat_box[0]


@needs_poppler
def test_hindi_leaflet_has_ink_under_every_word(rendered, tmp_path):
    """Rendered Hindi leaflet: every word pdftotext finds has dark pixels in its box (no blanks)."""
    path = tmp_path / "hi.pdf"
    path.write_bytes(rendered["hi"])
    width, _, pixels = _gray_image(path, dpi=144)  # two pixels per point
    boxes = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">',
        _poppler(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"]),
    )
    assert len(boxes) > 60
    for box in boxes:
        x0, y0, x1, y1 = (int(float(v) * 2) for v in box)
        dark = sum(
            1 for y in range(y0, y1 + 1) for x in range(x0, x1 + 1) if pixels[y * width + x] < 160
        )
        assert dark >= 3, box


# --- Chinese and Korean line breaking ----------------------------------------------------------


_NO_LINE_START = "，。；：！？"


def _chinese_lines(width: float) -> list[str]:
    style = _style("zh-Hans")
    ctx = _Ctx(sample_document("zh-Hans"), "easy", width)
    lines = []
    for lang in ("zh-Hans", "zh-Hant"):
        for text in SAMPLES[lang]["paragraphs"]:
            para = ctx.para(_inline(_fill(text, lang)), "body")
            assert para.style.wordWrap == "CJK" and style.wordWrap == "CJK"
            para.wrap(width, 10000)
            lines += _line_texts(para)
    return lines


def test_chinese_lines_never_start_with_closing_punctuation():
    """At every column width, no Chinese line starts with ，。；：！？ (kinsoku patch in force)."""
    register_fonts()
    for width in range(100, 420, 3):
        for line in _chinese_lines(width)[1:]:
            assert line[:1] not in _NO_LINE_START, (width, line)


def test_chinese_check_would_catch_the_unpatched_table(monkeypatch):
    """Without the patch some width does start a line with "，", so the test above has teeth."""
    import reportlab.lib.textsplit as textsplit
    import reportlab.platypus.paragraph as paragraph

    register_fonts()
    original = "".join(c for c in textsplit.ALL_CANNOT_START if c not in fonts.KINSOKU_EXTRA)
    monkeypatch.setattr(textsplit, "ALL_CANNOT_START", original)
    monkeypatch.setattr(paragraph, "ALL_CANNOT_START", original)
    bad = [
        line
        for width in range(100, 420, 3)
        for line in _chinese_lines(width)
        if line[:1] in _NO_LINE_START
    ]
    assert bad


def test_korean_breaks_between_words_only():
    """Korean wraps at spaces at every width, never inside a word."""
    register_fonts()
    ctx = _Ctx(sample_document("ko"), "easy", 400)
    assert ctx.styles["body"].wordWrap != "CJK"
    for text in SAMPLES["ko"]["paragraphs"]:
        source = _fill(text, "ko").replace("**", "")
        words = set(source.split())
        for width in range(160, 420, 7):  # from the widest word up
            para = ctx.para(_inline(_fill(text, "ko")), "body")
            para.wrap(width, 10000)
            for line in _line_texts(para):
                assert all(w in words for w in line.split()), (width, line)


def test_vietnamese_and_hindi_get_taller_leading():
    """Stacked Vietnamese capitals and Devanagari matras get at least 1.5x leading."""
    for lang in ("vi", "hi"):
        for style in stylesheet("easy", chain_for(lang)[0], False, fonts.script_for(lang)).values():
            assert style.leading >= 1.5 * style.fontSize - 0.01, (lang, style.name)
    assert stylesheet("easy", "NotoSans")["body"].leading == 16.5  # Latin unchanged


def test_devanagari_name_on_english_leaflet_is_shaped():
    """A Hindi name on an English leaflet gets a shaped paragraph; plain English text does not."""
    ctx = _Ctx(sample_document("en"), "easy", 400)
    assert ctx.para((Span("अनीता शर्मा"),), "fact-value").style.shaping == 1
    assert ctx.para((Span("Anita Sharma"),), "fact-value").style.shaping == 0


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_hard_names_render_on_the_leaflet(lang, tmp_path):
    """All hard names print in one key-facts table on an English and an Arabic leaflet."""
    doc = sample_document(lang)
    rows = tuple((_inline("Name"), _inline(name)) for name in HARD_NAMES)
    doc = Document(**{**doc.__dict__, "blocks": (*doc.blocks, KeyFacts(rows))})
    pdf, pages = render_pdf(doc, "easy")
    assert pages == 1
    used = pdf_fonts(pdf)
    assert all(used.values()) and not any("Helvetica" in n for n in used)
    for face in (
        "NotoSans",
        "NotoSansArabic",
        "NotoSansDevanagari",
        "DroidSansFallback",
        "NanumGothic",
    ):
        assert any(n.split("+")[1].startswith(face) for n in used), (face, used)
    if lang == "en":
        text = _squash(pdf_reader(pdf).pages[0].extract_text())
        for name in ("Nguyễn Thị Ánh", "欧阳娜娜", "김민지", "Ольга", "O'Brien-Łukasz"):
            assert _squash(name) in text


@pytest.mark.parametrize(
    ("lang", "style", "text", "fallback"),
    [
        ("ar", "fact-label", "Name", "Name"),
        ("ar", "title", "نتيجة (الفحص)", "("),
        ("zh-Hans", "body", "每**100个**", "100"),
        ("en", "body", "Name: **欧阳娜娜**", "欧阳娜娜"),
    ],
)
def test_fallback_runs_in_bold_text_are_bold(lang, style, text, fallback):
    """Text that falls back to another font inside bold text (or a bold style) is bold there too."""
    from reportlab.platypus.paragraph import Paragraph as RLP

    ctx = _Ctx(sample_document(lang), "easy", 400)
    para = ctx.para(_inline(text), style)
    para.wrap(400, 1000)
    inner = para._inner if isinstance(para, RTLParagraph) else para
    assert isinstance(inner, RLP)
    frags = [
        (f.fontName, f.text)
        if hasattr(line, "words")
        else (inner.frags[0].fontName, " ".join(line[1]))
        for line in inner.blPara.lines
        for f in (line.words if hasattr(line, "words") else [None])
    ]
    faces = {name for name, t in frags if t.strip() and (fallback in t or t.strip() in fallback)}
    expected = {"欧阳娜娜": "DroidSansFallback"}.get(fallback, "NotoSans-Bold")
    assert faces == {expected}, faces


def test_visual_line_for_pictures():
    """Pictures draw one line at a time: Arabic lines come back joined and in visual order."""
    ar = _Ctx(sample_document("ar"), "easy", 400)
    assert ar.visual_line("بعد 6 أشهر") == reshape("أشهر")[::-1] + " 6 " + reshape("بعد")[::-1]
    en = _Ctx(sample_document("en"), "easy", 400)
    assert en.visual_line("In 6 months") == "In 6 months"
    assert ar.bold_face == "NotoSansArabic-Bold"
    assert _Ctx(sample_document("zh-Hant"), "easy", 400).bold_face == "DroidSansFallback"
