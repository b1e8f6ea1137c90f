"""A leaflet that runs over its page budget is set tighter, never smaller than 12 pt, and the print
file lays each leaflet out exactly as its own PDF (same tightness, margins and print size)."""

from __future__ import annotations

import unicodedata

import pytest

from handout.api import engine_for
from handout.batch import BatchOptions, generate_batch
from handout.fit import PAGE_BUDGET, render_fitted
from handout.fonts import chain_for, script_for
from handout.pdf import RenderOptions, render_pdf
from handout.settings import LeafletRequest, Patient, Settings
from handout.styles import FIT_STEPS, MIN_LEADING, stylesheet

from .conftest import page_texts, pdf_text

SETTINGS = Settings.bundled()
ENGINE = engine_for(SETTINGS)
LANGUAGES = ENGINE.library.available_languages()
FINDINGS = tuple(ENGINE.library.catalog.findings)
DENSITY = ENGINE.library.density_statement("dense", "en").text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_density_leaflets_stay_on_one_sheet_in_every_language(lang):
    """With the federal density box, easy and standard still print on one duplex sheet, in full.

    The statement is there word for word (it is never shortened to fit); the leaflet is set tighter.
    """
    for finding in FINDINGS:
        for level in ("easy", "standard"):
            for page_size in ("letter", "a4"):
                request = LeafletRequest(
                    finding=finding,
                    lang=lang,
                    level=level,
                    page_size=page_size,
                    density="dense",
                    patient=Patient(name="Sample Patient"),
                )
                leaflet = ENGINE.render(request)
                assert leaflet.pages <= 2, (finding, level, page_size)
                # NFKC: shaped Hindi leaflets set "fi" as a ligature, which reads back as "ﬁ".
                text = " ".join(unicodedata.normalize("NFKC", pdf_text(leaflet.pdf)).split())
                assert " ".join(DENSITY.split()) in text, (finding, level, page_size)


def test_a_leaflet_that_fits_is_printed_in_the_levels_own_layout():
    """Tightening is only for leaflets that need it: the others are byte-identical to before."""
    request = LeafletRequest(finding="macrocalcifications", lang="en", level="easy")
    leaflet = ENGINE.render(request)
    doc, _, _ = ENGINE.document(request)
    assert leaflet.fit == 0
    assert leaflet.pdf == render_pdf(doc, "easy", "letter", ENGINE.render_options(request))[0]


def test_an_overlong_leaflet_is_tightened_only_as_far_as_needed():
    """The density box pushes this leaflet to 3 pages; the first tighter layout that fits wins."""
    request = LeafletRequest(
        finding="macrocalcifications", lang="en", level="easy", density="dense"
    )
    doc, _, _ = ENGINE.document(request)
    options = ENGINE.render_options(request)
    pages = [render_pdf(doc, "easy", "letter", RenderOptions(fit=k))[1] for k in range(3)]
    assert pages[0] == 3
    fitted = render_fitted(doc, "easy", "letter", options)
    assert fitted.pages == 2 and fitted.within_budget
    assert fitted.options.fit == next(k for k, n in enumerate(pages) if n <= 2)
    leaflet = ENGINE.render(request)
    assert (leaflet.pages, leaflet.fit) == (2, fitted.options.fit)


def test_large_print_is_never_tightened():
    """Large print has no page budget: it keeps 18 pt and 1.5 spacing, however many pages."""
    request = LeafletRequest(
        finding="macrocalcifications", lang="en", level="easy", density="dense", large_print=True
    )
    leaflet = ENGINE.render(request)
    assert leaflet.fit == 0 and leaflet.pages > PAGE_BUDGET["easy"]


@pytest.mark.parametrize("lang", ["en", "vi", "hi", "zh-Hans", "ar"])
@pytest.mark.parametrize("fit", range(len(FIT_STEPS)))
def test_tighter_layouts_keep_body_text_at_12_pt_and_script_leading(lang, fit):
    """Tighter never means smaller than 12 pt, nor less line spacing than a script needs."""
    family, script = chain_for(lang)[0], script_for(lang)
    for level in ("easy", "standard", "detailed"):
        styles = stylesheet(level, family, lang == "ar", script, False, None, fit)
        for name in ("body", "item", "lead", "fact-value"):
            style = styles[name]
            assert style.fontSize >= 12, (level, name)
            assert style.leading >= style.fontSize * MIN_LEADING.get(script, 1.2) - 0.01


def test_print_file_lays_leaflets_out_like_their_own_pdfs(tmp_path):
    """Tightened, large-print and plain rows: each leaflet's pages in the print file read exactly
    like its own PDF, so the print file never has a third page the patient's PDF does not."""
    worklist = tmp_path / "w.csv"
    worklist.write_text(
        "id,finding,lang,level,density,large_print\n"
        "T1,macrocalcifications,en,easy,dense,no\n"
        "L1,macrocalcifications,en,easy,,yes\n"
        "P1,suspicious-calcifications,es,standard,,no\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    options = BatchOptions(jobs=1, merge=out / "print.pdf")
    report = generate_batch(worklist, out, SETTINGS, options)
    assert report.ok
    assert [r.pages for r in report.rows] == [2, 4, 2]
    merged = (out / "print.pdf").read_bytes()
    texts = page_texts(merged)
    start = 0
    for row in report.rows:
        single = page_texts((out / row.file).read_bytes())
        assert texts[start : start + len(single)] == single, row.id
        start += len(single) + len(single) % 2  # odd page counts get a blank back page

    # A resumed run knows no layout step for the rows it skips: the print file finds it again.
    again = generate_batch(
        worklist, out, SETTINGS, BatchOptions(jobs=1, merge=out / "print.pdf", resume=True)
    )
    assert {r.status for r in again.rows} == {"skipped"}
    assert (out / "print.pdf").read_bytes() == merged


def test_a_leaflet_over_budget_even_set_tighter_is_printed_with_a_warning(monkeypatch):
    """If nothing fits, the level's own layout is printed and the user is told, without the name."""
    monkeypatch.setitem(PAGE_BUDGET, "easy", 1)
    request = LeafletRequest(
        finding="macrocalcifications",
        lang="en",
        level="easy",
        patient=Patient(name="Maria Example"),
    )
    leaflet = ENGINE.render(request)
    assert (leaflet.pages, leaflet.fit) == (2, 0)
    warning = next(w for w in leaflet.warnings if "more than 1 pages" in w)
    assert "macrocalcifications / en / easy" in warning and "Maria" not in warning
