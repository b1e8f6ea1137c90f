"""Where content and templates come from, and what one leaflet request asks for.

Plain frozen dataclasses so every stage (content, templates, PDF) receives the same immutable
values and
can be tested alone. All paths are absolute: nothing here depends on the current directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

Level = Literal["easy", "standard", "detailed"]
LEVELS: tuple[Level, ...] = ("easy", "standard", "detailed")
SIDES: tuple[str, ...] = ("left", "right", "both")
PAGE_SIZES: tuple[str, ...] = ("letter", "a4", "legal")
DENSITIES: tuple[str, ...] = ("dense", "not-dense")


def bundled_root() -> Path:
    """Folder holding the bundled `content/` and `templates/`.

    An installed wheel carries them in `handout/data/`; a source checkout (or editable install) has
    them at the repository's top level, next to the package.
    """
    package = Path(__file__).resolve().parent
    data = package / "data"
    if (data / "content").is_dir():
        return data
    return package.parent


@dataclass(frozen=True)
class Settings:
    """Search paths, most specific first: a clinic folder's overrides before the bundled ones."""

    content_dirs: tuple[Path, ...]
    template_dirs: tuple[Path, ...]
    clinic_file: Path | None = None
    strict: bool = False

    @classmethod
    def from_config(cls, config_dir: Path | None, *, strict: bool = False) -> Settings:
        """Bundled defaults with a clinic folder's `content/`, `templates/`, `clinic.yaml` on top.

        The folder's own files are searched first; anything it does not hold comes from the bundled
        defaults, so a clinic copies only what it changes.
        """
        settings = cls.bundled(strict=strict)
        if config_dir is None:
            return settings
        root = config_dir.resolve()
        clinic = root / "clinic.yaml"
        return cls(
            content_dirs=(root / "content", *settings.content_dirs),
            template_dirs=(root / "templates", *settings.template_dirs),
            clinic_file=clinic if clinic.is_file() else None,
            strict=strict,
        )

    @classmethod
    def bundled(cls, *, strict: bool = False) -> Settings:
        root = bundled_root()
        return cls(
            content_dirs=(root / "content",),
            template_dirs=(root / "templates",),
            clinic_file=None,
            strict=strict,
        )


@dataclass(frozen=True)
class Patient:
    """Everything optional: an anonymous leaflet (for a waiting-room rack) must work."""

    name: str | None = None
    exam_date: date | None = None
    side: str | None = None
    follow_up_date: date | None = None


@dataclass(frozen=True)
class LeafletRequest:
    """One leaflet: which finding, in which language and reading level, for whom."""

    finding: str
    lang: str = "en"
    level: str = "standard"
    patient: Patient = field(default_factory=Patient)
    next_step: str | None = None
    density: str | None = None
    page_size: str = "letter"
    #: BI-RADS subcategory (4A, 4B, 4C) when the radiologist gave one: narrows the stated chance.
    birads: str | None = None
    pictures: bool = True
    #: At least 18 pt body text, 1.5 line spacing, wider margins; more pages, same content.
    large_print: bool = False
