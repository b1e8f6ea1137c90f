"""Find, merge and validate content YAML.

Content is loaded once per process and reused for every leaflet (batch runs print thousands). Each
file
is validated against a pydantic schema on load, so a typo in a key or a missing section is reported
with
the file and the key path, before anything is drawn. A clinic folder may hold partial copies of
bundled
files: they are deep-merged over the bundled file (mappings merge, everything else is replaced), so
a
clinic can change one section of one finding in one language and inherit everything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from handout.errors import ContentError, NotFoundError
from handout.schema import (
    CONTENT_PLACEHOLDERS,
    LANGUAGE_ALIASES,
    PLACEHOLDER_PATTERN,
    Catalog,
    DensityFile,
    FindingFacts,
    FindingFile,
    LanguageFile,
    NextStepFacts,
    NextStepsFile,
    SharedFile,
    SourcesFile,
)
from handout.settings import LEVELS

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# --------------------------------------------------------------------------- loading


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        msg = f"{display_path(path)}: not UTF-8 text ({err.reason}); save the file as UTF-8"
        raise ContentError(msg) from err
    except OSError as err:
        msg = f"{display_path(path)}: cannot read ({err.strerror})"
        raise ContentError(msg) from err
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        msg = f"{display_path(path)}:{where}: invalid YAML ({problem}); fix the syntax there"
        raise ContentError(msg) from err


def deep_merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; any other value in the override replaces the base value."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


def format_validation_error(path: str, err: ValidationError, limit: int = 1) -> str:
    """One line per problem: file, dotted key path, what is wrong."""
    lines = []
    errors = err.errors()
    # A sentence is plain text or a mapping (schema.Sentence): for a bad mapping, pydantic also
    # reports "not a valid string", which would hide the real problem. Report the mapping's.
    errors = [e for e in errors if "str" not in e["loc"]] or errors
    for e in errors[:limit]:
        loc = ".".join(str(p) for p in e["loc"] if p not in ("function-after", "ConditionalText"))
        text = e["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {loc or '(top level)'}: {text}")
    more = len(errors) - limit
    if more > 0:
        lines[-1] += f" (and {more} more problem(s); run `handout validate`)"
    return "\n".join(lines)


def _placeholder_problems(value: Any, loc: str, allowed: frozenset[str]) -> Iterator[str]:
    if isinstance(value, str):
        for name in PLACEHOLDER_PATTERN.findall(value):
            if name not in allowed:
                yield f"{loc}: unknown placeholder {{{name}}}; allowed: " + ", ".join(
                    "{" + a + "}" for a in sorted(allowed)
                )
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _placeholder_problems(v, f"{loc}.{k}" if loc else str(k), allowed)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _placeholder_problems(v, f"{loc}[{i}]", allowed)


@dataclass(frozen=True)
class DensityStatement:
    text: str
    lang: str
    warning: str | None
    citation: str


@dataclass(frozen=True)
class LanguageContent:
    """All validated text of one language, and the files it came from."""

    code: str
    language: LanguageFile
    shared: SharedFile
    next_steps: NextStepsFile
    findings: dict[str, FindingFile]
    files: tuple[Path, ...]

    def sources(self, finding: str) -> tuple[str, ...]:
        """Source ids of every file one leaflet draws from, de-duplicated, in a stable order."""
        seen: dict[str, None] = {}
        for part in (self.findings[finding], self.next_steps, self.shared, self.language):
            for s in part.sources:
                seen.setdefault(s, None)
        return tuple(seen)

    def last_reviewed(self, finding: str) -> date:
        """The oldest review date of the parts a leaflet uses: a leaflet is only that fresh."""
        parts = (self.findings[finding], self.next_steps, self.shared, self.language)
        return min(p.last_reviewed for p in parts)


class ContentLibrary:
    """Validated content from a search path of content folders (clinic overrides first).

    Languages are loaded on first use and cached, so printing one leaflet does not pay for (or fail
    on) every other language, while a batch pays for each language once.
    """

    def __init__(self, content_dirs: tuple[Path, ...]) -> None:
        if not content_dirs:
            msg = "no content folder given"
            raise ContentError(msg)
        self.content_dirs = content_dirs
        self._languages: dict[str, LanguageContent] = {}
        self.catalog: Catalog = self._load("catalog.yaml", Catalog)
        self.bibliography: SourcesFile = self._load("sources.yaml", SourcesFile)
        unknown = [s for s in self.catalog.sources if s not in self.bibliography.sources]
        if unknown:
            msg = f"content/catalog.yaml: sources: unknown source id(s) {', '.join(unknown)}"
            raise ContentError(msg + "; add them to content/sources.yaml")
        self._density: DensityFile | None = None

    # -- files ------------------------------------------------------------------------------
    def _layers(self, relative: str) -> list[Path]:
        """Existing copies of one content file, bundled (last dir) first, overrides after."""
        return [d / relative for d in reversed(self.content_dirs) if (d / relative).is_file()]

    def _load(self, relative: str, model: type[Any]) -> Any:
        obj, problems = self.load_file(relative, model, limit=1)
        if problems:
            raise ContentError(problems[0])
        return obj

    def load_file(
        self, relative: str, model: type[Any], limit: int | None = 1
    ) -> tuple[Any, list[str]]:
        """Load one content file (merged over its bundled original) -> (model or None, problems).

        `limit` caps how many schema problems are listed individually (None: all, for validate).
        """
        layers = self._layers(relative)
        if not layers:
            searched = ", ".join(display_path(d / relative) for d in self.content_dirs)
            return None, [f"content file {relative} not found (searched: {searched})"]
        data: Any = None
        try:
            for path in layers:
                raw = _read_yaml(path)
                if not isinstance(raw, dict):
                    msg = f"{display_path(path)}: the top level must be a mapping of keys to values"
                    raise ContentError(msg)
                data = raw if data is None else deep_merge(data, raw)
        except ContentError as err:
            return None, [str(err)]
        where = display_path(layers[-1])
        if len(layers) > 1:
            where += f" (merged over {display_path(layers[0])})"
        try:
            return model.model_validate(data), []
        except ValidationError as err:
            count = limit if limit is not None else len(err.errors())
            return None, format_validation_error(where, err, limit=count).splitlines()

    # -- languages ---------------------------------------------------------------------------
    def available_languages(self) -> tuple[str, ...]:
        codes: set[str] = set()
        for d in self.content_dirs:
            if d.is_dir():
                codes.update(p.parent.name for p in d.glob("*/language.yaml"))
        return tuple(sorted(codes))

    def resolve_language(self, tag: str) -> str:
        """BCP 47 tag -> the content folder to use; es-MX falls back to es, zh to zh-Hans.

        Falling back from a regional tag to its language is safe; falling back to another
        language never is, so an unknown language is an error listing what exists.
        """
        available = self.available_languages()
        lowered = {a.lower(): a for a in available}
        candidate = tag.strip().replace("_", "-")
        while candidate:
            low = candidate.lower()
            if low in lowered:
                return lowered[low]
            if low in LANGUAGE_ALIASES and LANGUAGE_ALIASES[low].lower() in lowered:
                return lowered[LANGUAGE_ALIASES[low].lower()]
            candidate = candidate.rpartition("-")[0]
        msg = f"unknown language {tag!r}; available: {', '.join(available)}"
        raise NotFoundError(msg)

    def language(self, tag: str) -> LanguageContent:
        code = self.resolve_language(tag)
        if code not in self._languages:
            self._languages[code] = self._load_language(code)
        return self._languages[code]

    def _load_language(self, code: str) -> LanguageContent:
        language: LanguageFile = self._load(f"{code}/language.yaml", LanguageFile)
        shared: SharedFile = self._load(f"{code}/shared.yaml", SharedFile)
        next_steps: NextStepsFile = self._load(f"{code}/next-steps.yaml", NextStepsFile)
        findings = {
            fid: self._load(f"{code}/findings/{fid}.yaml", FindingFile)
            for fid in self.catalog.findings
        }
        content = LanguageContent(
            code=code,
            language=language,
            shared=shared,
            next_steps=next_steps,
            findings=findings,
            files=tuple(
                p
                for rel in (
                    "language.yaml",
                    "shared.yaml",
                    "next-steps.yaml",
                    *(f"findings/{f}.yaml" for f in findings),
                )
                for p in self._layers(f"{code}/{rel}")
            ),
        )
        problems = list(self.language_problems(content))
        if problems:
            extra = (
                f" (and {len(problems) - 1} more; run `handout validate`)"
                if len(problems) > 1
                else ""
            )
            raise ContentError(problems[0] + extra)
        return content

    def language_problems(self, content: LanguageContent) -> Iterator[str]:
        """Cross-file checks the per-file schema cannot see: placeholders, timings, next steps."""
        code = content.code
        for name, part in (
            ("language.yaml", content.language),
            ("shared.yaml", content.shared),
            ("next-steps.yaml", content.next_steps),
            *((f"findings/{f}.yaml", ff) for f, ff in content.findings.items()),
        ):
            unknown = [s for s in part.sources if s not in self.bibliography.sources]
            if unknown:
                yield (
                    f"content/{code}/{name}: sources: unknown source id(s) {', '.join(unknown)}; "
                    "use ids from content/sources.yaml"
                )
        for timing in (*self.catalog.timings, "on-date"):
            if timing not in content.language.timings:
                yield f"content/{code}/language.yaml: timings.{timing}: missing timing phrase"
        for level in LEVELS:
            steps = content.next_steps.levels[level]
            for nid in self.catalog.next_steps:
                if nid not in steps:
                    yield f"content/{code}/next-steps.yaml: levels.{level}.{nid}: missing next step"
        for name, part in (
            ("shared.yaml", content.shared),
            ("next-steps.yaml", content.next_steps),
            *((f"findings/{f}.yaml", ff) for f, ff in content.findings.items()),
        ):
            data = part.model_dump(mode="python", exclude={"sources", "last_reviewed"})
            for problem in _placeholder_problems(data, "", CONTENT_PLACEHOLDERS):
                yield f"content/{code}/{name}: {problem}"
        for fid, facts in self.catalog.findings.items():
            if facts.schedule_months:
                for level in LEVELS:
                    sections = content.findings[fid].levels[level].sections
                    if "follow-up-plan" not in sections:
                        yield (
                            f"content/{code}/findings/{fid}.yaml: levels.{level}.sections: "
                            "missing follow-up-plan (the catalogue gives this finding a schedule)"
                        )

    # -- regulated text ------------------------------------------------------------------------
    def density(self) -> DensityFile:
        if self._density is None:
            self._density = self._load("regulated/density.yaml", DensityFile)
        return self._density

    def source_names(self, ids: tuple[str, ...]) -> tuple[str, ...]:
        """Short names to print, de-duplicated: one organisation's documents print once."""
        seen: dict[str, None] = {}
        for sid in ids:
            ref = self.bibliography.sources.get(sid)
            seen.setdefault(ref.short if ref else sid, None)
        return tuple(seen)

    def density_statement(self, kind: str, lang: str) -> DensityStatement:
        """The federal statement, verbatim: a translation only if a qualified reviewer approved it.

        Regulated wording is never re-levelled or machine translated; without a reviewed translation
        the English original is printed and the caller is told so.
        """
        density = self.density()
        original = density.statements[kind]["en"]  # type: ignore[index]
        root = lang.split("-")[0]
        translation = density.translations.get(lang) or density.translations.get(root)
        if lang != "en" and translation is not None and translation.review == "reviewed":
            text = translation.dense if kind == "dense" else translation.not_dense
            return DensityStatement(text, lang, None, density.citation)
        warning = None
        if root != "en":
            warning = (
                f"no reviewed {lang} translation of the breast-density statement; "
                "printing the official English text"
            )
        if not density.verified:
            warning = (warning + "; " if warning else "") + (
                "the density statement in content/regulated/density.yaml is not marked verified "
                "against 21 CFR 900.12; check it before relying on it"
            )
        return DensityStatement(original, "en", warning, density.citation)

    # -- lookups -----------------------------------------------------------------------------
    def finding(self, finding_id: str) -> FindingFacts:
        try:
            return self.catalog.findings[finding_id]
        except KeyError:
            msg = f"unknown finding {finding_id!r}; available: {', '.join(self.catalog.findings)}"
            raise NotFoundError(msg) from None

    def next_step(self, step_id: str) -> NextStepFacts:
        try:
            return self.catalog.next_steps[step_id]
        except KeyError:
            msg = f"unknown next step {step_id!r}; available: {', '.join(self.catalog.next_steps)}"
            raise NotFoundError(msg) from None
