"""Clinic folders: scaffold, override one section, branding checks, upgrade diffs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from handout.api import Engine
from handout.cli import cli
from handout.clinic import contrast_with_white, load_clinic
from handout.errors import ContentError, InputError
from handout.scaffold import init_clinic_folder, templates_diff
from handout.settings import LeafletRequest, Settings

from .conftest import pdf_text

OVERRIDE = """\
levels:
  standard:
    routine-screening:
      sections:
        next-steps:
          heading: "Your next mammogram"
          body:
            - p: "Riverside books your next regular mammogram for you {timing}."
"""


def test_scaffold_edit_one_section_keeps_the_rest(tmp_path):
    """After `init` and one edited section, the leaflet has the clinic's words and the defaults."""
    folder = tmp_path / "my-clinic"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(folder)]).exit_code == 0
    assert (folder / "clinic.yaml").is_file() and (folder / "README.md").is_file()
    (folder / "content" / "en").mkdir(parents=True)
    (folder / "content" / "en" / "next-steps.yaml").write_text(OVERRIDE)
    out = tmp_path / "a.pdf"
    result = runner.invoke(
        cli,
        ["--config", str(folder), "generate", "--finding", "macrocalcifications", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "Riverside books your next regular mammogram" in text
    assert "Your Breast Imaging Center" in text  # from the scaffolded clinic.yaml
    bundled = Engine(Settings.bundled()).library.language("en")
    untouched = bundled.shared.levels["standard"].sections["what-are-calcifications"].heading
    assert untouched in text


def test_config_from_environment(tmp_path, monkeypatch):
    """HANDOUT_CONFIG names the default clinic folder."""
    folder = tmp_path / "c"
    init_clinic_folder(folder)
    monkeypatch.setenv("HANDOUT_CONFIG", str(folder))
    out = tmp_path / "b.pdf"
    result = CliRunner().invoke(
        cli, ["generate", "--finding", "macrocalcifications", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Your Breast Imaging Center" in pdf_text(out)


def test_init_refuses_a_non_empty_folder(tmp_path):
    """init never overwrites a clinic's existing files."""
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "clinic.yaml").write_text("name: mine\n")
    with pytest.raises(InputError, match="already exists and is not empty"):
        init_clinic_folder(tmp_path / "x")


def test_templates_diff_reports_upstream_change(tmp_path, monkeypatch):
    """After the bundled template changes, `templates diff` shows the change."""
    bundled = tmp_path / "bundled"
    shutil.copytree(Path(__file__).resolve().parent.parent / "templates", bundled / "templates")
    monkeypatch.setattr("handout.scaffold.bundled_root", lambda: bundled)
    folder = tmp_path / "clinic"
    init_clinic_folder(folder, with_templates=True)
    statuses = {r.relative: r for r in templates_diff(folder)}
    assert statuses["templates/easy/leaflet.xml.j2"].status == "bundled file unchanged since copied"
    easy = bundled / "templates" / "easy" / "leaflet.xml.j2"
    easy.write_text(easy.read_text() + "{# upstream tweak #}\n")
    changed = {r.relative: r for r in templates_diff(folder)}["templates/easy/leaflet.xml.j2"]
    assert changed.status == "bundled file CHANGED since copied"
    assert "+{# upstream tweak #}" in changed.diff


def test_copied_templates_still_render(tmp_path):
    """Templates copied by `init --with-templates` render the same leaflet text."""
    folder = tmp_path / "clinic"
    init_clinic_folder(folder, with_templates=True)
    request = LeafletRequest(finding="macrocalcifications")
    copied = Engine(Settings.from_config(folder)).render(request)
    assert "Your Breast Imaging Center" in pdf_text(copied.pdf)


def test_extending_builtin_changes_one_block(tmp_path):
    """An override extending `builtin:` can drop one block and keep everything else."""
    folder = tmp_path / "clinic"
    (folder / "templates" / "standard").mkdir(parents=True)
    (folder / "templates" / "standard" / "leaflet.xml.j2").write_text(
        '{% extends "builtin:standard/leaflet.xml.j2" %}{% block summary %}{% endblock %}'
    )
    engine = Engine(Settings.from_config(folder))
    doc, _, content = engine.document(LeafletRequest(finding="macrocalcifications"))
    kinds = [getattr(b, "kind", None) for b in doc.blocks]
    assert "summary" not in kinds and "main" in kinds


def _clinic(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(f"name: C\nphone: '1'\nhours: '9-5'\n{extra}")
    return path


def test_low_contrast_colour_is_refused(tmp_path):
    """An accent colour under 4.5:1 on white is refused with the measured ratio."""
    with pytest.raises(ContentError, match=r"accent_color: #FFCC00 has contrast 1\.\d:1 .*4\.5:1"):
        load_clinic(_clinic(tmp_path, "accent_color: '#FFCC00'\n"))
    assert load_clinic(_clinic(tmp_path, "accent_color: '#1f4e79'\n")).accent_color == "#1F4E79"


def test_contrast_formula_matches_wcag():
    """#767676 is the classic lightest grey that passes 4.5:1 on white."""
    assert contrast_with_white("#767676") >= 4.5 > contrast_with_white("#777777")


def test_margin_outside_printable_range_is_refused(tmp_path):
    """Margins must stay within what printers can print."""
    with pytest.raises(ContentError, match="margin_mm: .*outside the printable range"):
        load_clinic(_clinic(tmp_path, "margin_mm: 3\n"))


def test_logo_must_be_an_image(tmp_path):
    """A logo that is not PNG or JPEG is named in a clear error."""
    (tmp_path / "logo.png").write_bytes(b"not an image")
    with pytest.raises(ContentError, match="logo: logo.png is not a valid PNG or JPEG"):
        load_clinic(_clinic(tmp_path, "logo: logo.png\n"))


def _branded(tmp_path: Path) -> Settings:
    from PIL import Image

    folder = tmp_path / "brand"
    init_clinic_folder(folder)
    Image.new("RGB", (120, 40), (107, 44, 107)).save(folder / "logo.png")
    (folder / "clinic.yaml").write_text(
        "name: Riverside\nphone: '(555) 010-0142'\nhours: '8-5'\nlogo: logo.png\n"
        "accent_color: '#6B2C6B'\nqr_url: 'https://example.org/riverside'\nmargin_mm: 15\n"
    )
    return Settings.from_config(folder)


def test_logo_is_embedded_as_an_image(tmp_path):
    """The clinic logo is placed in the PDF as an image XObject on every page."""
    from .conftest import pdf_reader

    leaflet = Engine(_branded(tmp_path)).render(LeafletRequest(finding="macrocalcifications"))
    for page in pdf_reader(leaflet.pdf).pages:
        xobjects = page["/Resources"]["/XObject"]
        assert any(x.get_object()["/Subtype"] == "/Image" for x in xobjects.values())


def _font_sizes(data: bytes) -> list[float]:
    from .conftest import pdf_reader

    sizes: list[float] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.append(font_size * tm[0])

    for page in pdf_reader(data).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_large_print_body_is_at_least_18_pt(tmp_path):
    """Large print sets the body text at 18 pt or more (measured in the PDF)."""
    request = LeafletRequest(finding="macrocalcifications", level="easy", large_print=True)
    leaflet = Engine(Settings.bundled()).render(request)
    sizes = _font_sizes(leaflet.pdf)
    body = max(set(round(s) for s in sizes), key=[round(s) for s in sizes].count)
    assert body >= 18
    normal = Engine(Settings.bundled()).render(LeafletRequest(finding="macrocalcifications"))
    assert leaflet.pages > normal.pages


def test_qr_code_from_clinic_config(tmp_path):
    """A clinic qr_url adds a QR code drawing (and its caption) to the contact box."""
    leaflet = Engine(_branded(tmp_path)).render(LeafletRequest(finding="macrocalcifications"))
    text = pdf_text(leaflet.pdf)
    assert "Scan to visit our web page" in text
    assert "https://example.org/riverside" in "".join(text.split())  # may wrap in the column


def test_clinic_details_per_leaflet_language(tmp_path):
    """`translations` gives the hours per language; fields left out print as written."""
    clinic = load_clinic(
        _clinic(
            tmp_path,
            "address: ['1 Main St']\ntranslations:\n"
            "  es: {hours: 'de 9:00 a 17:00'}\n  ZH-hans: {hours: '9点至17点', name: '诊所'}\n",
        )
    )
    spanish, written = clinic.for_language("es")
    assert written and (spanish.hours, spanish.name, spanish.address) == (
        "de 9:00 a 17:00",
        "C",
        ("1 Main St",),
    )
    chinese, written = clinic.for_language("zh-Hans")  # tags match whatever their case
    assert written and (chinese.hours, chinese.name) == ("9点至17点", "诊所")
    assert clinic.for_language("en-US") == (clinic, True)  # the file's own language
    assert clinic.for_language("zh-Hant") == (clinic, False)  # another script, not a match
    with pytest.raises(ContentError, match=r"clinic.yaml: translations\.es\.phone: Extra inputs"):
        load_clinic(_clinic(tmp_path, "translations:\n  es: {phone: '2'}\n"))


def test_leaflets_print_the_clinic_hours_in_their_language(tmp_path):
    """The bundled example clinic's hours are in the leaflet's language; a clinic without a
    version for a language prints them as written and the user is told which language lacks it."""
    bundled = Engine(Settings.bundled())
    spanish = bundled.render(LeafletRequest(finding="macrocalcifications", lang="es"))
    assert "Horario: de lunes a viernes, de 8:00 a 17:00." in pdf_text(spanish.pdf)
    assert not any("no Spanish" in w for w in spanish.warnings)
    english = bundled.render(LeafletRequest(finding="macrocalcifications", lang="en"))
    assert "We answer calls Monday to Friday, 8 am to 5 pm." in pdf_text(english.pdf)

    settings = Settings(
        content_dirs=Settings.bundled().content_dirs,
        template_dirs=Settings.bundled().template_dirs,
        clinic_file=_clinic(tmp_path, ""),
    )
    leaflet = Engine(settings).render(LeafletRequest(finding="macrocalcifications", lang="es"))
    assert "Horario: 9-5." in pdf_text(leaflet.pdf)
    [warning] = [w for w in leaflet.warnings if "clinic's hours" in w]
    assert "no Spanish (es) version" in warning and "translations" in warning
