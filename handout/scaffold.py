"""`handout init` and `handout templates diff`: clinic folders that survive upgrades.

A clinic copies only what it changes. When it copies a bundled template, the pristine bundled text
is kept beside it (`.handout/bundled/…`) and the copy's first line records where it came from, so a
later `templates diff` can show exactly what changed upstream since the copy was made: the clinic
sees when its customisation no longer tracks the bundled wording or structure.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path

from handout import __version__
from handout.content import display_path
from handout.errors import InputError
from handout.settings import bundled_root

BASE_DIR = Path(".handout") / "bundled"

CLINIC_TEMPLATE = """\
# Your clinic, printed on every leaflet. Checked by `handout --config {folder} validate`.
name: "Your Breast Imaging Center"
# The accredited facility name (US MQSA lay summaries must name the facility that did the exam).
facility_name: "Your Breast Imaging Center"
address:
  - "Street and number"
  - "City, State ZIP"
phone: "(555) 010-0100"
hours: "Monday to Friday, 8 am to 5 pm"
website: "https://example.org"
# The details above are written in this language. For leaflets in other languages, give the
# fields that change (hours, address, name, facility_name); others print as written above:
language: en
# translations:
#   es: {{hours: "de lunes a viernes, de 8:00 a 17:00"}}
#   zh-Hans: {{hours: "周一至周五，上午8点至下午5点"}}
# Optional branding:
# logo: "logo.png"               # PNG or JPEG in this folder, placed in the header
# accent_color: "#1F4E79"        # headings and boxes; needs 4.5:1 contrast on white
# qr_url: "https://example.org"  # printed as a QR code in the "who to call" box
# margin_mm: 19                  # page margins, 10 to 40 mm
"""

README_TEMPLATE = """\
# Clinic folder for handout

Use it with `handout --config {folder} generate …` (or set `HANDOUT_CONFIG={folder}`).
Everything here is used before the bundled defaults; anything not here comes from them.

- `clinic.yaml` — your name, address, phone, hours and branding.
- `content/<lang>/…yaml` — your own wording. A file only needs the keys you change; it is merged
  over the bundled file. Example, `content/en/next-steps.yaml`, changing one section of one next
  step at one level:

  ```yaml
  levels:
    easy:
      stereotactic-biopsy:
        sections:
          next-steps:
            heading: "What to do next"
            body:
              - steps:
                  - "Our nurse will call you within 2 working days to book your biopsy."
                  - "Come for your biopsy {{timing}}."
  ```
- `templates/` — leaflet structure. `handout init --with-templates` copies the bundled templates
  here; `handout --config {folder} templates diff` shows what changed in the bundled versions
  since you copied them (after you upgrade handout).

Check everything with `handout --config {folder} validate`.
"""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _header(relative: str, data: bytes) -> str:
    return (
        f"{{# handout: copied from bundled templates/{relative} (handout {__version__}, "
        f"sha256 {_sha256(data)[:16]}). `handout templates diff` shows upstream changes. #}}\n"
    )


def init_clinic_folder(folder: Path, *, with_templates: bool = False) -> list[Path]:
    """Create a clinic folder; refuses to touch a folder that already has files in it."""
    if folder.exists() and any(folder.iterdir()):
        msg = f"{folder} already exists and is not empty; choose a new folder"
        raise InputError(msg)
    written: list[Path] = []

    def write(path: Path, text: str | bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        written.append(path)

    name = str(folder)
    write(folder / "clinic.yaml", CLINIC_TEMPLATE.format(folder=name))
    write(folder / "README.md", README_TEMPLATE.format(folder=name))
    (folder / "content").mkdir(parents=True, exist_ok=True)
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    if with_templates:
        bundled = bundled_root() / "templates"
        for source in sorted(bundled.rglob("*.j2")):
            relative = source.relative_to(bundled).as_posix()
            data = source.read_bytes()
            write(folder / "templates" / relative, _header(relative, data) + data.decode("utf-8"))
            write(folder / BASE_DIR / "templates" / relative, data)
    return written


@dataclass(frozen=True)
class OverrideStatus:
    """One overriding file and what happened to its bundled original since it was copied."""

    relative: str
    status: str
    diff: str


def templates_diff(folder: Path) -> list[OverrideStatus]:
    """For every template or content file in the clinic folder, compare with the bundled one."""
    results: list[OverrideStatus] = []
    root = bundled_root()
    for kind in ("templates", "content"):
        overrides = folder / kind
        if not overrides.is_dir():
            continue
        for path in sorted(p for p in overrides.rglob("*") if p.is_file()):
            if path.suffix not in (".j2", ".yaml", ".yml"):
                continue
            relative = f"{kind}/{path.relative_to(overrides).as_posix()}"
            bundled = root / relative
            base = folder / BASE_DIR / relative
            if not bundled.is_file():
                results.append(OverrideStatus(relative, "yours only (no bundled file)", ""))
                continue
            current = bundled.read_text(encoding="utf-8")
            if not base.is_file():
                results.append(
                    OverrideStatus(
                        relative,
                        "no record of the bundled version it came from (not made by "
                        "`handout init --with-templates`); compare with the bundled file by hand: "
                        + display_path(bundled),
                        "",
                    )
                )
                continue
            copied = base.read_text(encoding="utf-8")
            if copied == current:
                results.append(OverrideStatus(relative, "bundled file unchanged since copied", ""))
                continue
            diff = "".join(
                difflib.unified_diff(
                    copied.splitlines(keepends=True),
                    current.splitlines(keepends=True),
                    fromfile=f"bundled {relative} (when copied)",
                    tofile=f"bundled {relative} (now)",
                )
            )
            results.append(OverrideStatus(relative, "bundled file CHANGED since copied", diff))
    return results
