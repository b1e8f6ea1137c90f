"""Render the images in README.md and docs/ from real leaflets, so they never drift from the output.

Usage: python scripts/docs_images.py   (needs `pdftoppm` from poppler-utils; Pillow comes with
ReportLab). Writes docs/images/*.png. Every image is a page of a PDF that `handout` itself produced
with the bundled content, for fictional patients; the branded one uses a clinic folder made here.
Run it after changing content, templates or styles, and look at the pictures before committing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handout.api import Engine  # noqa: E402
from handout.scaffold import init_clinic_folder  # noqa: E402
from handout.settings import LeafletRequest, Patient, Settings  # noqa: E402

OUT = ROOT / "docs" / "images"
GAP = 12  # grey gap between pages in a composite, in pixels
GREY = (200, 200, 200)


def pages(pdf: bytes, dpi: int, work: Path, first: int = 1, last: int = 2) -> list[Image.Image]:
    """Pages `first`..`last` of a PDF as images, rasterised by poppler as a viewer would."""
    source = work / "leaflet.pdf"
    source.write_bytes(pdf)
    prefix = work / "page"
    for old in work.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first), "-l", str(last), source, prefix],
        check=True,
    )
    return [Image.open(p).convert("RGB") for p in sorted(work.glob("page-*.png"))]


def grid(images: list[Image.Image], columns: int) -> Image.Image:
    """Images left to right, top to bottom, with grey gaps (all the same size)."""
    w, h = images[0].size
    rows = -(-len(images) // columns)
    sheet = Image.new("RGB", (columns * w + (columns - 1) * GAP, rows * h + (rows - 1) * GAP), GREY)
    for i, image in enumerate(images):
        sheet.paste(image, ((i % columns) * (w + GAP), (i // columns) * (h + GAP)))
    return sheet


def main() -> None:
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm not found: install poppler-utils (apt-get install poppler-utils)")
    engine = Engine(Settings.bundled())
    maria = Patient(
        name="Maria Lopez",
        exam_date=date(2026, 11, 20),
        side="left",
        follow_up_date=date(2027, 5, 20),
    )
    with tempfile.TemporaryDirectory(prefix="handout-docs-") as tmp:
        work = Path(tmp)

        # README top: the quickstart's leaflet, first page.
        quick = LeafletRequest(
            finding="probably-benign-calcifications",
            lang="en",
            level="easy",
            patient=Patient(name="Maria Lopez", exam_date=date(2026, 11, 20), side="left"),
        )
        pages(engine.render(quick).pdf, 70, work, 1, 1)[0].save(
            OUT / "leaflet-probably-benign-easy-en.png"
        )

        # README "Pictures": both pages of a BI-RADS 3 (booked date) and a BI-RADS 5 leaflet.
        benign = LeafletRequest(
            finding="probably-benign-calcifications", lang="en", level="easy", patient=maria
        )
        grace = Patient(name="Grace Example", exam_date=date(2026, 11, 20), side="right")
        biopsy = LeafletRequest(
            finding="highly-suspicious-calcifications", lang="en", level="standard", patient=grace
        )
        gallery = [
            *pages(engine.render(benign).pdf, 55, work),
            *pages(engine.render(biopsy).pdf, 55, work),
        ]
        grid(gallery, 2).save(OUT / "gallery.png")

        # docs/languages.md: the first page in every language, one Vietnamese name throughout.
        name = Patient(name="Nguyễn Thị Ánh", exam_date=date(2026, 11, 20), side="left")
        firsts = []
        for lang in engine.library.available_languages():
            request = LeafletRequest(
                finding="probably-benign-calcifications", lang=lang, level="easy", patient=name
            )
            page = pages(engine.render(request).pdf, 40, work, 1, 1)[0]
            ImageDraw.Draw(page).text((8, page.height - 14), lang, fill=(0, 0, 0))
            firsts.append(page)
        grid(firsts, 5).save(OUT / "languages-contact-sheet.png")

        # README "Customizing": logo, accent colour, QR code and a BI-RADS 4B icon array.
        folder = work / "riverside"
        init_clinic_folder(folder)
        logo = Image.new("RGB", (120, 40), (107, 44, 107))
        ImageDraw.Draw(logo).text((10, 14), "RIVERSIDE", fill=(255, 255, 255))
        logo.save(folder / "logo.png")
        (folder / "clinic.yaml").write_text(
            "name: Riverside Breast Imaging\nphone: '(555) 010-0142'\n"
            "hours: 'Monday to Friday, 7 am to 6 pm'\nlogo: logo.png\naccent_color: '#6B2C6B'\n"
            "qr_url: 'https://example.org/riverside'\nmargin_mm: 15\n",
            encoding="utf-8",
        )
        branded = Engine(Settings.from_config(folder))
        ana = Patient(name="Ana Ruiz", exam_date=date(2026, 11, 21), side="right")
        request = LeafletRequest(
            finding="suspicious-calcifications",
            lang="en",
            level="standard",
            birads="4B",
            patient=ana,
        )
        pages(branded.render(request).pdf, 70, work, 1, 1)[0].save(OUT / "branded-leaflet.png")
    for image in sorted(OUT.glob("*.png")):
        print(f"wrote {image.relative_to(ROOT)} {Image.open(image).size}")


if __name__ == "__main__":
    main()
