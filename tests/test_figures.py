"""Pictures in the leaflet: the right panel, the right icon count, the next-step timeline."""

from __future__ import annotations

import pytest

from handout.api import engine_for
from handout.document import Columns, IconArray, PanelsFigure, TimelineFigure
from handout.errors import InputError
from handout.settings import LeafletRequest, Settings

from .conftest import pdf_text

EXPECTED = {
    # finding: (panel marked as hers, icons: filled count or (low, high) or None)
    "macrocalcifications": ("macro", 0),
    "scattered-microcalcifications": ("micro-scattered", 0),
    "probably-benign-calcifications": ("micro-grouped", 2),
    "calcifications-need-more-imaging": ("micro-grouped", (0, 10)),
    "suspicious-calcifications": ("micro-grouped", None),
    "highly-suspicious-calcifications": ("micro-linear", 95),
}


def _figures(request: LeafletRequest) -> dict[type, object]:
    doc, _, _ = engine_for(Settings.bundled()).document(request)
    found: dict[type, object] = {}
    for block in doc.blocks:
        for inner in block.boxes if isinstance(block, Columns) else (block,):
            if isinstance(inner, (PanelsFigure, IconArray, TimelineFigure)):
                found[type(inner)] = inner
    return found


@pytest.mark.parametrize("level", ["easy", "standard", "detailed"])
@pytest.mark.parametrize("finding", list(EXPECTED))
def test_each_finding_shows_its_panel_icons_and_timeline(finding, level):
    """Numbers come from the catalogue: BI-RADS 3 shows 2 in 100, BI-RADS 5 shows 95, and so on."""
    panel, icons = EXPECTED[finding]
    figures = _figures(LeafletRequest(finding=finding, level=level))
    panels = figures[PanelsFigure]
    assert [p.kind for p in panels.panels if p.yours] == [panel]  # type: ignore[attr-defined]
    if icons is None:
        assert IconArray not in figures  # a plain BI-RADS 4 range is given in words only
    elif isinstance(icons, tuple):
        array = figures[IconArray]
        assert (array.filled, array.low, array.high) == (None, *icons)  # type: ignore[attr-defined]
    else:
        array = figures[IconArray]
        assert array.filled == icons  # type: ignore[attr-defined]
        assert array.caption  # type: ignore[attr-defined]
    timeline = figures[TimelineFigure]
    assert timeline.steps[0] == ("Today", None)  # type: ignore[attr-defined]
    assert len(timeline.steps) >= 2  # type: ignore[attr-defined]


def test_subcategory_narrows_the_icon_array():
    """With --birads 4A the icon array shows more than 2 and up to 10 in 100."""
    figures = _figures(LeafletRequest(finding="suspicious-calcifications", birads="4A"))
    array = figures[IconArray]
    assert (array.low, array.high) == (2, 10)  # type: ignore[attr-defined]
    assert "With result 4A: more than 2 and up to 10 in 100" in array.caption  # type: ignore[attr-defined]


def test_subcategory_for_the_wrong_finding_is_an_error():
    """A 4A subcategory on a BI-RADS 3 finding is refused."""
    with pytest.raises(InputError, match="birads: '4A' does not apply to probably-benign"):
        _figures(LeafletRequest(finding="probably-benign-calcifications", birads="4A"))


def test_follow_up_timeline_uses_the_booked_date():
    """A booked follow-up date appears on the timeline."""
    from datetime import date

    from handout.settings import Patient

    figures = _figures(
        LeafletRequest(
            finding="probably-benign-calcifications",
            patient=Patient(follow_up_date=date(2027, 5, 20)),
        )
    )
    whens = [when for _, when in figures[TimelineFigure].steps]  # type: ignore[attr-defined]
    assert any(w and "May 20, 2027" in w for w in whens)


def test_no_pictures_removes_them():
    """--no-pictures gives a text-only leaflet."""
    assert _figures(LeafletRequest(finding="macrocalcifications", pictures=False)) == {}


def test_picture_text_is_in_the_pdf():
    """Captions are real text in the PDF (searchable, readable by screen readers)."""
    leaflet = engine_for(Settings.bundled()).render(
        LeafletRequest(finding="probably-benign-calcifications", level="easy")
    )
    text = pdf_text(leaflet.pdf)
    assert "Like yours" in text
    assert "Today" in text


def test_4c_upper_bound_is_exclusive():
    """BI-RADS 4C is "fewer than 95 in 100": the caption says up to 94, the icons stop at 94."""
    array = _figures(LeafletRequest(finding="suspicious-calcifications", birads="4C"))[IconArray]
    assert (array.low, array.high) == (50, 94)  # type: ignore[attr-defined]
    assert "up to 94 in 100" in array.caption  # type: ignore[attr-defined]
