"""Library entry points: build, render and write leaflets, usable without the CLI.

An `Engine` holds everything that is the same for every leaflet (validated content, compiled
templates,
registered fonts) so a batch pays for it once per process. `generate_leaflet` is the one-call API.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

from reportlab.lib.units import mm

from handout.clinic import EXAMPLE_CLINIC, Clinic, load_clinic
from handout.content import ContentLibrary, LanguageContent
from handout.context import build_context
from handout.document import Document, parse_document
from handout.errors import HandoutError, InputError, NotFoundError
from handout.fit import Fitted, page_budget, render_fitted
from handout.fonts import check_printable
from handout.pdf import MARGIN, PAGE_SIZES, RenderOptions, write_atomic
from handout.settings import (
    DENSITIES,
    LEVELS,
    SIDES,
    LeafletRequest,
    Patient,
    Settings,
    bundled_root,
)
from handout.templates import TemplateRenderer

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class Leaflet:
    """A rendered leaflet and what a clinic needs to record about it (no patient data)."""

    pdf: bytes
    pages: int
    lang: str
    level: str
    finding: str
    content_version: str
    review_status: str
    warnings: tuple[str, ...]
    fit: int = 0  # 0: the level's own layout; higher: a tighter one was needed (handout.fit)


def _clean_text(value: str | None, field: str, lang: str) -> str | None:
    """NFC-normalise, refuse control characters, and check every character can be printed."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        return None
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") and char not in "\u200d":
            msg = f"{field}: contains a control or invisible character U+{ord(char):04X}; remove it"
            raise InputError(msg)
    if len(text) > MAX_NAME_LENGTH:
        msg = f"{field}: longer than {MAX_NAME_LENGTH} characters; shorten it"
        raise InputError(msg)
    check_printable(text, field, lang)
    return text


@dataclass(frozen=True)
class RequestProblem:
    """One problem with a request: the request field (a worklist column) and the error to report."""

    field: str
    error: HandoutError


class Engine:
    """Content, templates and clinic loaded once; renders any number of leaflets."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.library = ContentLibrary(settings.content_dirs)
        self.templates = TemplateRenderer(settings.template_dirs, bundled_root() / "templates")
        self.warnings: list[str] = []
        self._clinics: dict[str, tuple[Clinic, bool]] = {}
        if settings.clinic_file is not None:
            self.clinic = load_clinic(settings.clinic_file)
            self.example_clinic = False
        else:
            self.clinic = load_clinic(settings.content_dirs[-1] / EXAMPLE_CLINIC)
            self.example_clinic = True

    def clinic_for(self, code: str) -> tuple[Clinic, bool]:
        """The clinic's details for leaflets in `code` (Clinic.for_language), made once per
        language: a batch asks for them three times per leaflet."""
        if code not in self._clinics:
            self._clinics[code] = self.clinic.for_language(code)
        return self._clinics[code]

    def request_problems(self, request: LeafletRequest) -> list[RequestProblem]:
        """Every problem with a request, in the order rendering checks them.

        One set of rules for both paths: a single leaflet stops at the first problem
        (`_check_request`), a worklist reports all of them per row before writing anything.
        """
        problems: list[RequestProblem] = []

        def attempt(field: str, check: Callable[[], object]) -> None:
            try:
                check()
            except HandoutError as err:
                problems.append(RequestProblem(field, err))

        if request.level not in LEVELS:
            msg = f"unknown reading level {request.level!r}; available: {', '.join(LEVELS)}"
            problems.append(RequestProblem("level", NotFoundError(msg)))
        if request.page_size not in PAGE_SIZES:
            msg = f"unknown page size {request.page_size!r}; available: {', '.join(PAGE_SIZES)}"
            problems.append(RequestProblem("page_size", NotFoundError(msg)))
        if request.density is not None and request.density not in DENSITIES:
            msg = f"unknown density {request.density!r}; available: {', '.join(DENSITIES)}"
            problems.append(RequestProblem("density", NotFoundError(msg)))
        attempt("finding", lambda: self.library.finding(request.finding))
        if request.birads is not None and request.finding in self.library.catalog.findings:
            facts = self.library.finding(request.finding)
            if request.birads not in facts.subcategories:
                allowed = ", ".join(facts.subcategories) or "none for this finding"
                msg = (
                    f"birads: {request.birads!r} does not apply to {request.finding} "
                    f"(BI-RADS {facts.birads}); subcategories: {allowed}"
                )
                problems.append(RequestProblem("birads", InputError(msg)))
        if request.next_step is not None:
            step = request.next_step
            attempt("next_step", lambda: self.library.next_step(step))
        content: list[LanguageContent] = []
        attempt("lang", lambda: content.append(self.library.language(request.lang)))
        patient = request.patient
        if patient.side is not None and patient.side not in SIDES:
            msg = f"side: {patient.side!r} is not one of {', '.join(SIDES)}"
            problems.append(RequestProblem("side", InputError(msg)))
        if (
            patient.exam_date
            and patient.follow_up_date
            and patient.follow_up_date < patient.exam_date
        ):
            msg = "follow-up date: is before the mammogram date; check both dates"
            problems.append(RequestProblem("follow_up_date", InputError(msg)))
        if content:
            code = content[0].code
            attempt("name", lambda: _clean_text(patient.name, "name", code))
            clinic, _ = self.clinic_for(code)
            for field, value in (
                ("clinic name", clinic.name),
                ("clinic phone", clinic.phone),
                ("clinic hours", clinic.hours),
                *(("clinic address", line) for line in clinic.address),
            ):
                # The clinic is fine in itself; it is this row's language whose fonts lack it.
                attempt("lang", partial(check_printable, value, field, code))
        return problems

    def _check_request(self, request: LeafletRequest) -> tuple[LeafletRequest, LanguageContent]:
        problems = self.request_problems(request)
        if problems:
            raise problems[0].error
        content = self.library.language(request.lang)
        patient = request.patient
        clean = replace(
            request,
            lang=content.code,
            patient=replace(patient, name=_clean_text(patient.name, "name", content.code)),
        )
        return clean, content

    def render_options(self, request: LeafletRequest) -> RenderOptions:
        """The clinic's branding and the request's print size, for the renderer."""
        clinic = self.clinic
        return RenderOptions(
            margin=clinic.margin_mm * mm if clinic.margin_mm is not None else MARGIN,
            accent=clinic.accent_color,
            logo=str(clinic.logo) if clinic.logo is not None else None,
            large_print=request.large_print,
        )

    def warnings_for(self, request: LeafletRequest, content: LanguageContent) -> tuple[str, ...]:
        """What the user must know about this leaflet; printed once per run by the CLI."""
        notes = []
        translation = content.language.translation
        if translation.review != "reviewed":
            kind = "text" if translation.original else "translation"
            notes.append(
                f"the {content.language.name} ({content.code}) {kind} has not been reviewed by a "
                "qualified medical reviewer (review: pending in its language.yaml)"
            )
        if request.density:
            statement = self.library.density_statement(request.density, content.code)
            if statement.warning:
                notes.append(statement.warning)
        _, written = self.clinic_for(content.code)
        if not written:
            notes.append(
                f"the clinic's hours and address have no {content.language.name} ({content.code}) "
                f"version, so they print as written ({self.clinic.language}); add "
                f"translations: {{{content.code}: {{hours: ...}}}} to the clinic file"
            )
        if self.example_clinic:
            notes.append(
                "using the bundled example clinic (fictional contact details); pass --clinic FILE"
            )
        return tuple(notes)

    def document(self, request: LeafletRequest) -> tuple[Document, LeafletRequest, LanguageContent]:
        request, content = self._check_request(request)
        clinic, _ = self.clinic_for(content.code)
        context = build_context(self.library, content, request, clinic)
        markup = self.templates.render(content.code, request.level, context)
        where = str(self.templates.resolve(content.code, request.level))
        return parse_document(markup, where), request, content

    def laid_out(
        self, request: LeafletRequest, fit: int | None = None
    ) -> tuple[Document, LeafletRequest, RenderOptions]:
        """The document and the options it prints with, for a print file that must match the
        leaflet's own PDF page for page. `fit`, when an earlier render chose it, saves laying the
        leaflet out again to choose it."""
        doc, request, _ = self.document(request)
        options = self.render_options(request)
        if fit is None:
            fit = render_fitted(doc, request.level, request.page_size, options).options.fit
        return doc, request, replace(options, fit=fit)

    def render(self, request: LeafletRequest) -> Leaflet:
        doc, request, content = self.document(request)
        fitted = render_fitted(doc, request.level, request.page_size, self.render_options(request))
        return Leaflet(
            pdf=fitted.pdf,
            pages=fitted.pages,
            lang=content.code,
            level=request.level,
            finding=request.finding,
            content_version=self.library.catalog.content_version,
            review_status=content.language.translation.review,
            warnings=self.warnings_for(request, content) + _over_budget(fitted, request),
            fit=fitted.options.fit,
        )


def _over_budget(fitted: Fitted, request: LeafletRequest) -> tuple[str, ...]:
    """A leaflet that needs more paper than its level allows: the desk should know before printing.

    Names the finding, language and level only, so a batch reports it once per combination.
    """
    if fitted.within_budget:
        return ()
    budget = page_budget(request.level, fitted.options)
    return (
        f"the {request.finding} / {request.lang} / {request.level} leaflet needs more than "
        f"{budget} pages on {request.page_size} even set tighter; shorten the clinic's own text "
        "or leave out an option (e.g. --density)",
    )


@lru_cache(maxsize=8)
def engine_for(settings: Settings) -> Engine:
    """One engine per distinct settings per process."""
    return Engine(settings)


def render_leaflet_bytes(request: LeafletRequest, settings: Settings | None = None) -> Leaflet:
    """Render one leaflet in memory."""
    return engine_for(settings or Settings.bundled()).render(request)


def generate_leaflet(
    request: LeafletRequest, output: Path, settings: Settings | None = None
) -> Leaflet:
    """Render one leaflet and write it atomically to `output` (no partial file on any error)."""
    leaflet = render_leaflet_bytes(request, settings)
    write_atomic(leaflet.pdf, output)
    return leaflet


__all__ = [
    "Engine",
    "Leaflet",
    "LeafletRequest",
    "Patient",
    "RequestProblem",
    "Settings",
    "engine_for",
    "generate_leaflet",
    "render_leaflet_bytes",
]
