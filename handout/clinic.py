"""The clinic printed on every leaflet: name, address, phone, hours, and its branding.

Validated like content, with errors naming the file and key. The bundled example clinic is clearly
fictional (555 phone number) so nobody mistakes a test print for a real one. Branding is checked
where a leaflet could become hard to read: an accent colour must keep 4.5:1 contrast against white
(WCAG AA for text), because leaflets are photocopied and read by people with low vision.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from handout.content import _read_yaml, display_path, format_validation_error
from handout.errors import ContentError

EXAMPLE_CLINIC = "example-clinic.yaml"
MIN_CONTRAST = 4.5
#: Margins a desktop printer can print and a reader can hold without covering text.
MARGIN_MM_RANGE = (10.0, 40.0)
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    match = _HEX.match(hex_colour)
    if not match:
        msg = f"{hex_colour!r} is not a colour like #1F4E79"
        raise ValueError(msg)
    value = match.group(1)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(hex_colour: str) -> float:
    return 1.05 / (relative_luminance(hex_colour) + 0.05)


class ClinicText(BaseModel):
    """The clinic's details as written for one leaflet language; any field left out is kept as
    written in the clinic file's own language (a name or street address rarely changes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, min_length=1)
    facility_name: str | None = None
    address: tuple[str, ...] | None = None
    hours: str | None = Field(default=None, min_length=1)


class Clinic(BaseModel):
    """Identity and contact details; `facility_name` is the accredited name MQSA asks for.

    The details are written in `language`; `translations` gives them per leaflet language (BCP 47
    tag as in content/, e.g. es, zh-Hans), so a Spanish leaflet does not print the opening hours in
    English in the middle of a Spanish sentence.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    language: str = "en"
    translations: dict[str, ClinicText] = {}
    facility_name: str | None = None
    address: tuple[str, ...] = ()
    phone: str = Field(min_length=1)
    hours: str = Field(min_length=1)
    website: str | None = None
    #: Printed as a QR code in the contact box (the clinic's page or a web version of the leaflet).
    qr_url: str | None = None
    #: PNG or JPEG, relative to the clinic file; placed in the header, scaled to fit.
    logo: Path | None = None
    #: Headings, rules and box borders; must keep 4.5:1 contrast on white.
    accent_color: str | None = None
    margin_mm: float | None = None

    def for_language(self, code: str) -> tuple[Clinic, bool]:
        """The details to print on a leaflet in `code`, and whether they are written for it
        (False: a language the clinic file has no translation for, so they print as written)."""
        if _same_language(code, self.language):
            return self, True
        text = next(
            (t for tag, t in self.translations.items() if tag.lower() == code.lower()), None
        )
        if text is None:
            return self, False
        changes = {k: v for k, v in text.model_dump().items() if v is not None}
        return self.model_copy(update=changes), True

    @field_validator("accent_color")
    @classmethod
    def _readable_colour(cls, value: str | None) -> str | None:
        if value is None:
            return None
        ratio = contrast_with_white(value)
        if ratio < MIN_CONTRAST:
            msg = (
                f"{value} has contrast {ratio:.1f}:1 against white; text needs at least "
                f"{MIN_CONTRAST}:1 (WCAG AA) to stay readable when photocopied; "
                "choose a darker colour"
            )
            raise ValueError(msg)
        return "#" + value.lstrip("#").upper()

    @field_validator("margin_mm")
    @classmethod
    def _printable_margin(cls, value: float | None) -> float | None:
        low, high = MARGIN_MM_RANGE
        if value is not None and not low <= value <= high:
            msg = f"{value} mm is outside the printable range {low:g} to {high:g} mm"
            raise ValueError(msg)
        return value


def _same_language(a: str, b: str) -> bool:
    """en = en, en = en-US; but zh-Hans != zh-Hant: a script subtag is a different text."""
    a, b = a.lower(), b.lower()
    return a == b or a == b.split("-")[0] or b == a.split("-")[0]


def load_clinic(path: Path) -> Clinic:
    """Read and validate a clinic file; every problem becomes a one-line ContentError."""
    if not path.is_file():
        msg = f"clinic file {display_path(path)} not found; pass an existing clinic.yaml"
        raise ContentError(msg)
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        msg = f"{display_path(path)}: the top level must be a mapping (name:, phone:, hours:, ...)"
        raise ContentError(msg)
    try:
        clinic = Clinic.model_validate(raw)
    except ValidationError as err:
        raise ContentError(format_validation_error(display_path(path), err)) from err
    if clinic.logo is not None:
        logo = clinic.logo if clinic.logo.is_absolute() else path.parent / clinic.logo
        _check_logo(logo, display_path(path))
        clinic = clinic.model_copy(update={"logo": logo.resolve()})
    return clinic


def _check_logo(logo: Path, where: str) -> None:
    if logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        msg = f"{where}: logo: {logo.name} is not a PNG or JPEG file; convert it to PNG"
        raise ContentError(msg)
    try:
        header = logo.read_bytes()[:8]
    except OSError as err:
        msg = f"{where}: logo: cannot read {display_path(logo)} ({err.strerror})"
        raise ContentError(msg) from err
    if not (header.startswith(b"\x89PNG") or header.startswith(b"\xff\xd8")):
        msg = f"{where}: logo: {logo.name} is not a valid PNG or JPEG image"
        raise ContentError(msg)
