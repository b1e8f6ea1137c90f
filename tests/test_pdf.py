"""The rendered PDF, read back as a patient (and a print shop) would see it."""

from __future__ import annotations

from datetime import date

import pytest

from handout.api import Engine
from handout.errors import InputError
from handout.settings import LeafletRequest, Patient

from .conftest import pdf_fonts, pdf_reader, pdf_text


def _request(**patient: object) -> LeafletRequest:
    return LeafletRequest(finding="tiny-spots", lang="en", level="easy", patient=Patient(**patient))  # type: ignore[arg-type]


def test_patient_and_clinic_details_appear(fixture_settings):
    """Name, exam date, side, next step, timing and clinic phone are printed."""
    leaflet = Engine(fixture_settings).render(
        _request(name="Maria Lopez", exam_date=date(2026, 11, 20), side="left")
    )
    text = pdf_text(leaflet.pdf)
    for expected in (
        "Maria Lopez",
        "November 20, 2026",
        "Left breast",
        "Follow-up mammogram",
        "in about 6 months",
        "(555) 010-0199",
        "BI-RADS category 3",
    ):
        assert expected in text


def test_follow_up_date_replaces_relative_timing(fixture_settings):
    """A booked follow-up date is printed instead of 'in about 6 months'."""
    leaflet = Engine(fixture_settings).render(_request(follow_up_date=date(2027, 5, 20)))
    text = pdf_text(leaflet.pdf)
    assert "on May 20, 2027" in text
    assert "in about 6 months" not in text


def test_hostile_name_prints_literally(fixture_settings):
    """Markup characters in a name are text, never markup."""
    name = "Ann <b>O'Neil & Co"
    text = pdf_text(Engine(fixture_settings).render(_request(name=name)).pdf)
    assert name in text


def test_very_long_name_wraps(fixture_settings):
    """A 200-character name renders (wrapped) instead of breaking the layout."""
    name = " ".join(["Bartholomew-Featherstonehaugh"] * 6)[:200]
    leaflet = Engine(fixture_settings).render(_request(name=name))
    assert "Featherstonehaugh" in pdf_text(leaflet.pdf)


def test_unprintable_character_names_field_and_code_point(fixture_settings):
    """A character no bundled font has is an error naming the field and U+XXXX, not a blank."""
    with pytest.raises(InputError, match=r"^name: character U\+1F600"):
        Engine(fixture_settings).render(_request(name="Ann \U0001f600"))


def test_control_character_in_name_is_refused(fixture_settings):
    """Invisible control characters are reported, not printed."""
    with pytest.raises(
        InputError, match=r"name: contains a control or invisible character U\+0007"
    ):
        Engine(fixture_settings).render(_request(name="Ann\x07"))


def test_fonts_are_all_embedded(fixture_settings):
    """Every font the PDF references is embedded; no stray Helvetica."""
    fonts = pdf_fonts(Engine(fixture_settings).render(_request(name="Łukasz Nguyễn")).pdf)
    assert fonts, "no fonts found"
    assert all(fonts.values()), fonts
    assert not any("Helvetica" in name for name in fonts)


@pytest.mark.parametrize(
    ("page_size", "points"), [("letter", (612, 792)), ("a4", (595, 842)), ("legal", (612, 1008))]
)
def test_page_size(fixture_settings, page_size, points):
    """Each page has the requested paper size."""
    req = LeafletRequest(finding="tiny-spots", page_size=page_size)
    reader = pdf_reader(Engine(fixture_settings).render(req).pdf)
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == points


def test_metadata_and_language(fixture_settings):
    """Title, author (clinic) and /Lang are set; the patient's name is not in the metadata."""
    leaflet = Engine(fixture_settings).render(_request(name="Maria Lopez"))
    reader = pdf_reader(leaflet.pdf)
    meta = reader.metadata
    assert meta.title == "Tiny spots (easy)"
    assert meta.author == "Example Breast Imaging Center"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Maria" not in str(dict(meta))


def test_page_numbers_and_footer(fixture_settings):
    """Every page says 'Page X of Y' and carries the content version and review date."""
    leaflet = Engine(fixture_settings).render(_request())
    reader = pdf_reader(leaflet.pdf)
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {leaflet.pages}" in text
        assert "Content version test.1" in text
        assert "November 26, 2026" in text


def test_output_is_reproducible(fixture_settings):
    """Two renders of the same request are byte-identical (invariant mode)."""
    engine = Engine(fixture_settings)
    assert engine.render(_request(name="A")).pdf == engine.render(_request(name="A")).pdf


def test_density_statement_is_verbatim(fixture_settings):
    """The regulated density text is printed exactly as stored."""
    req = LeafletRequest(finding="tiny-spots", density="dense")
    text = pdf_text(Engine(fixture_settings).render(req).pdf)
    assert "Dense statement for tests." in text


def test_unreviewed_content_is_reported(fixture_settings):
    """Text no qualified reviewer signed off produces a warning."""
    leaflet = Engine(fixture_settings).render(_request())
    assert leaflet.review_status == "pending"
    assert any("not been reviewed" in w for w in leaflet.warnings)
