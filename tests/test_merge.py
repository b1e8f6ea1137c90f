"""The merged print file: one document, duplex padding, per-leaflet page numbers and bookmarks."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfWriter

from handout.api import Engine
from handout.batch import BatchOptions, generate_batch
from handout.document import parse_document
from handout.errors import BatchInputError, RenderError
from handout.merge import MergeItem, render_merged
from handout.pdf import render_pdf
from handout.settings import LeafletRequest, Patient

from .conftest import page_texts, pdf_fonts, pdf_reader

LONG = " ".join(["Calcium deposits are common and most are harmless."] * 12)


def synthetic(paragraphs: int, lang: str = "en", footer: str = "Page {page} of {pages}"):
    """A leaflet of roughly `paragraphs` / 6 pages, built from leaflet markup."""
    body = "".join(f"<p>{i}. {LONG}</p>" for i in range(paragraphs))
    return parse_document(
        f'<leaflet title="T" author="Clinic" lang="{lang}" header="Clinic" footer="{footer}">'
        f"<title>Leaflet</title>{body}</leaflet>"
    )


def item(doc, title: str, page_size: str = "letter") -> MergeItem:
    return MergeItem(doc, "standard", page_size, title, f"key-{title}")


@pytest.fixture(scope="module")
def mixed():
    """Leaflets of 1, 4, 2, 3 and 1 pages, laid out alone and together."""
    docs = [synthetic(n) for n in (2, 20, 10, 15, 2)]
    singles = [render_pdf(d, "standard") for d in docs]
    assert [pages for _, pages in singles] == [1, 4, 2, 3, 1]
    merged = render_merged([item(d, f"ACC-{i}") for i, d in enumerate(docs)], "print")
    return docs, singles, merged


def test_every_leaflet_starts_on_an_odd_page(mixed):
    """Odd page counts are padded with one blank page so duplex prints start on a new sheet."""
    _, singles, merged = mixed
    assert merged.starts == (1, 3, 7, 9, 13)
    assert all(start % 2 == 1 for start in merged.starts)
    assert merged.leaflet_pages == tuple(pages for _, pages in singles)
    assert merged.pages == len(pdf_reader(merged.pdf).pages) == 13


def test_padding_pages_are_blank(mixed):
    """A padding page has no header, footer or text: nothing is printed on it."""
    _, _, merged = mixed
    reader = pdf_reader(merged.pdf)
    used = {
        s + k for s, n in zip(merged.starts, merged.leaflet_pages, strict=True) for k in range(n)
    }
    blanks = [number for number in range(1, merged.pages + 1) if number not in used]
    assert blanks == [2, 12]
    for number in blanks:
        page = reader.pages[number - 1]
        assert (page.extract_text() or "").strip() == ""
        content = page.get_contents()
        ops = b"" if content is None else content.get_data()
        assert ops.replace(b"1 0 0 1 0 0 cm", b"").strip() == b"", ops


def test_pages_read_exactly_like_the_single_leaflets(mixed):
    """Each leaflet's pages carry the same text as its own PDF, incl. 'Page X of Y' per leaflet."""
    _, singles, merged = mixed
    texts = page_texts(merged.pdf)
    for (pdf, pages), start in zip(singles, merged.starts, strict=True):
        assert texts[start - 1 : start - 1 + pages] == page_texts(pdf)
    assert "Page 3 of 4" in texts[4] and "Page 1 of 1" in texts[12]


def test_one_bookmark_per_leaflet_titled_by_id(mixed):
    """The outline lists each leaflet once, by id, pointing at its first page; it opens visible."""
    _, _, merged = mixed
    reader = pdf_reader(merged.pdf)
    outline = [(o.title, reader.get_destination_page_number(o) + 1) for o in reader.outline]
    assert outline == [(f"ACC-{i}", start) for i, start in enumerate(merged.starts)]
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_fonts_are_embedded_once_and_the_file_stays_small(mixed):
    """Font subsets are shared: the print file is far smaller than the leaflets' sum or a merge."""
    _, singles, merged = mixed
    fonts = pdf_fonts(merged.pdf)
    assert all(fonts.values()) and not any("Helvetica" in f for f in fonts)
    writer = PdfWriter()
    for pdf, _ in singles:
        writer.append(pdf_reader(pdf))
    naive = io.BytesIO()
    writer.write(naive)
    assert len(merged.pdf) < 0.5 * len(naive.getvalue())
    assert len(merged.pdf) < 0.5 * sum(len(pdf) for pdf, _ in singles)


def test_print_file_is_reproducible(mixed):
    """Two builds of the same leaflets are byte-identical (invariant mode)."""
    docs, _, merged = mixed
    again = render_merged([item(d, f"ACC-{i}") for i, d in enumerate(docs)], "print")
    assert again.pdf == merged.pdf


def test_mixed_paper_sizes_keep_each_leaflets_size():
    """A4 and Letter leaflets in one file keep their own page size (padding pages too)."""
    docs = [synthetic(2), synthetic(2), synthetic(10)]
    merged = render_merged(
        [item(docs[0], "a", "a4"), item(docs[1], "b", "letter"), item(docs[2], "c", "a4")], "x"
    )
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height)))
        for p in pdf_reader(merged.pdf).pages
    ]
    a4, letter = (595, 842), (612, 792)
    assert sizes == [a4, a4, letter, letter, a4, a4]


def test_language_is_set_only_when_shared():
    """/Lang is the caller's choice (one language for all leaflets) and absent otherwise."""
    docs = [synthetic(2), synthetic(2, lang="es")]
    one = pdf_reader(render_merged([item(docs[0], "a")], "x", "en").pdf)
    assert one.trailer["/Root"]["/Lang"] == "en"
    both = pdf_reader(render_merged([item(d, str(i)) for i, d in enumerate(docs)], "x").pdf)
    assert "/Lang" not in both.trailer["/Root"]


def test_empty_print_file_is_an_error():
    """There is no print file without leaflets."""
    with pytest.raises(RenderError, match="at least one leaflet"):
        render_merged([], "x")


def test_real_leaflets_merge_like_their_files(fixture_settings):
    """Leaflets from the fixture project read the same alone and in the print file."""
    engine = Engine(fixture_settings)
    requests = [
        LeafletRequest(
            finding="tiny-spots",
            level=level,
            patient=Patient(name=f"Person {i}", exam_date=date(2026, 11, 20)),
        )
        for i, level in enumerate(("easy", "standard", "detailed"))
    ]
    items = []
    for i, request in enumerate(requests):
        doc, clean, _ = engine.document(request)
        items.append(MergeItem(doc, clean.level, clean.page_size, f"ID-{i}", f"row-{i}"))
    merged = render_merged(items, "print", "en")
    texts = page_texts(merged.pdf)
    for request, start in zip(requests, merged.starts, strict=True):
        single = engine.render(request)
        assert texts[start - 1 : start - 1 + single.pages] == page_texts(single.pdf)
    outline = [o.title for o in pdf_reader(merged.pdf).outline]
    assert outline == ["ID-0", "ID-1", "ID-2"]
    assert not any("Person" in title for title in outline)


def write_rows(path, count):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "finding", "lang", "level", "name"])
        for i in range(count):
            writer.writerow([f"R{i}", "tiny-spots", "en", "easy", f"Secret Person {i}"])
    return path


def test_batch_merge_is_much_smaller_than_the_leaflets(tmp_path, fixture_settings):
    """`--merge` writes every printed row in worklist order, far smaller than the files' sum."""
    worklist = write_rows(tmp_path / "w.csv", 12)
    out = tmp_path / "out"
    report = generate_batch(
        worklist, out, fixture_settings, BatchOptions(jobs=1, merge=out / "print.pdf")
    )
    (part,) = report.merged
    assert part.path == out / "print.pdf" and part.leaflets == 12 and part.pages == 24
    singles = sum(p.stat().st_size for p in out.glob("000*.pdf"))
    assert part.path.stat().st_size < 0.25 * singles
    reader = pdf_reader(part.path)
    assert [o.title for o in reader.outline] == [f"R{i}" for i in range(12)]
    assert reader.metadata.title == "print"


def test_large_print_files_are_split_into_parts(tmp_path, fixture_settings):
    """--merge-chunk N splits the print file into numbered parts of at most N leaflets."""
    worklist = write_rows(tmp_path / "w.csv", 5)
    out = tmp_path / "out"
    options = BatchOptions(jobs=2, merge=tmp_path / "print.pdf", merge_chunk=2)
    report = generate_batch(worklist, out, fixture_settings, options)
    assert [(p.path.name, p.leaflets) for p in report.merged] == [
        ("print-part001-of-003.pdf", 2),
        ("print-part002-of-003.pdf", 2),
        ("print-part003-of-003.pdf", 1),
    ]
    titles = [o.title for p in report.merged for o in pdf_reader(p.path).outline]
    assert titles == [f"R{i}" for i in range(5)]


def test_print_file_may_not_replace_a_leaflet(tmp_path, fixture_settings):
    """A --merge path equal to a leaflet's file is refused before anything is written."""
    worklist = write_rows(tmp_path / "w.csv", 2)
    out = tmp_path / "out"
    with pytest.raises(BatchInputError, match="would overwrite a leaflet"):
        generate_batch(
            worklist, out, fixture_settings, BatchOptions(jobs=1, merge=out / "00001-R0.pdf")
        )
    assert not out.exists() or not list(out.glob("*.pdf"))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_pages_look_exactly_like_the_single_leaflets(tmp_path, fixture_settings):
    """Rendered to pixels, each merged page equals the leaflet's own page (pictures included)."""
    engine = Engine(fixture_settings)
    requests = [
        LeafletRequest(finding="tiny-spots", level=level, patient=Patient(name="Ann Example"))
        for level in ("easy", "detailed")
    ]
    items = []
    for i, request in enumerate(requests):
        doc, clean, _ = engine.document(request)
        items.append(MergeItem(doc, clean.level, clean.page_size, f"ID-{i}", f"row-{i}"))
    merged = render_merged(items, "print", "en")
    (tmp_path / "merged.pdf").write_bytes(merged.pdf)
    for i, (request, start) in enumerate(zip(requests, merged.starts, strict=True)):
        single = engine.render(request)
        (tmp_path / f"single{i}.pdf").write_bytes(single.pdf)
        last = start + single.pages - 1
        mine = _pixels(tmp_path / "merged.pdf", tmp_path / f"m{i}", start, last)
        theirs = _pixels(tmp_path / f"single{i}.pdf", tmp_path / f"s{i}", 1, single.pages)
        assert mine == theirs


def _pixels(pdf, prefix, first, last):
    subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", "-f", str(first), "-l", str(last), str(pdf), str(prefix)],
        check=True,
    )
    pages = sorted(prefix.parent.glob(f"{prefix.name}-*.pgm"))
    return [page.read_bytes() for page in pages]
