"""Shared fixtures: a minimal on-disk project, the bundled settings, and PDF readers."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from handout.settings import Settings, bundled_root

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the minimal fixture project (content only) that a test may edit."""
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "project", target)
    return target


@pytest.fixture
def fixture_settings(project: Path) -> Settings:
    return Settings(
        content_dirs=(project / "content",),
        template_dirs=(bundled_root() / "templates",),
    )


@pytest.fixture(scope="session")
def bundled() -> Settings:
    return Settings.bundled()


def pdf_reader(data: bytes | Path) -> PdfReader:
    if isinstance(data, Path):
        data = data.read_bytes()
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes | Path) -> str:
    """All text a patient would see, pages joined, whitespace collapsed."""
    reader = pdf_reader(data)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def page_texts(data: bytes | Path) -> list[str]:
    """The text of each page, whitespace collapsed: to compare two PDFs page by page."""
    return [" ".join((p.extract_text() or "").split()) for p in pdf_reader(data).pages]


def pdf_fonts(data: bytes | Path) -> dict[str, bool]:
    """Every font any page references -> whether it is embedded."""
    reader = pdf_reader(data)
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            name = str(font.get("/BaseFont"))
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            embedded = descriptor is not None and any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            fonts[name] = embedded
    return fonts
