"""Find and render leaflet templates (Jinja2, sandboxed) into leaflet XML.

The search path for one (language, level) is, in each template folder (clinic folder first, then the
bundled one): `<lang>/<level>/`, `<lang>/`, `<level>/`, `_base/`. The first file found wins, so a
language or a clinic can replace one template without copying the rest. Every template folder is
also
reachable as `builtin:` (bundled only), so an override can `{% extends
"builtin:standard/leaflet.xml.j2" %}`
and change a single block.

Templates run in Jinja2's immutable sandbox with StrictUndefined and autoescaping: a template cannot
reach Python internals, a typo in a variable name is an error instead of a blank, and every value is
escaped for the leaflet XML.
"""

from __future__ import annotations

import logging
import signal
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from handout.content import display_path
from handout.errors import TemplateError

log = logging.getLogger(__name__)

ENTRY = "leaflet.xml.j2"
#: A leaflet template renders in about a millisecond; anything near this is a runaway loop.
RENDER_TIME_LIMIT = 5.0
#: A leaflet is a few kilobytes of XML; megabytes mean a template is generating junk.
MAX_OUTPUT_CHARS = 2_000_000


class _TemplateTimeout(Exception):
    """Raised inside the template's frame when the time limit passes (so we know its line)."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop a runaway template. The sandbox blocks unsafe attributes, not endless loops.

    Uses a real-time interval timer, which only the main thread of a process can set; elsewhere
    (a library caller's worker thread) the limit is not applied.
    """
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable:
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise _TemplateTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def search_path(template_dirs: tuple[Path, ...], lang: str, level: str) -> tuple[Path, ...]:
    """Ordered folders for one language and level; only folders that exist are kept."""
    candidates = []
    for root in template_dirs:
        candidates += [root / lang / level, root / lang, root / level, root / "_base"]
    return tuple(p for p in candidates if p.is_dir())


@lru_cache(maxsize=64)
def _environment(
    dirs: tuple[Path, ...], builtin: tuple[Path, ...]
) -> ImmutableSandboxedEnvironment:
    """One compiled environment per search path, cached: templates compile once per process."""
    loader = ChoiceLoader(
        [
            PrefixLoader({"builtin": FileSystemLoader([str(d) for d in builtin])}, delimiter=":"),
            FileSystemLoader([str(d) for d in dirs]),
        ]
    )
    return ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _location(err: BaseException) -> str:
    """file:line of the innermost template frame in a Jinja traceback ('' if none)."""
    where = ""
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename.endswith(".j2"):
            where = f"{display_path(Path(frame.filename))}:{frame.lineno}"
    return where


class TemplateRenderer:
    """Renders `leaflet.xml.j2` for a language and level from a stack of template folders."""

    def __init__(self, template_dirs: tuple[Path, ...], builtin_dir: Path) -> None:
        self.template_dirs = template_dirs
        self.builtin_dir = builtin_dir

    def _builtin_path(self, lang: str, level: str) -> tuple[Path, ...]:
        return (self.builtin_dir, *search_path((self.builtin_dir,), lang, level))

    def resolve(self, lang: str, level: str) -> Path:
        """The file that will be used: for `--verbose` logs and for tests pinning the order."""
        dirs = search_path(self.template_dirs, lang, level)
        for d in dirs:
            if (d / ENTRY).is_file():
                return d / ENTRY
        searched = ", ".join(display_path(d) for d in dirs) or "(no template folders exist)"
        msg = f"no {ENTRY} for language {lang!r}, level {level!r}; searched: {searched}"
        raise TemplateError(msg)

    def render(self, lang: str, level: str, context: Mapping[str, Any]) -> str:
        dirs = search_path(self.template_dirs, lang, level)
        env = _environment(dirs, self._builtin_path(lang, level))
        chosen = self.resolve(lang, level)
        log.debug("template for %s/%s: %s", lang, level, chosen)
        try:
            template = env.get_template(ENTRY)
            with _time_limit(RENDER_TIME_LIMIT):
                output = template.render(context)
        except _TemplateTimeout as err:
            msg = (
                f"{_location(err) or ENTRY}: stopped after {RENDER_TIME_LIMIT:g} s "
                "(an endless or very long loop?)"
            )
            raise TemplateError(msg) from err
        except TemplateSyntaxError as err:
            where = f"{display_path(Path(err.filename))}:{err.lineno}" if err.filename else ENTRY
            msg = f"{where}: template syntax error: {err.message}"
            raise TemplateError(msg) from err
        except UndefinedError as err:
            available = ", ".join(sorted(k for k in context if not k.startswith("_")))
            msg = f"{_location(err) or ENTRY}: {err.message}; available variables: {available}"
            raise TemplateError(msg) from err
        except SecurityError as err:
            msg = f"{_location(err) or ENTRY}: refused by the template sandbox: {err}"
            raise TemplateError(msg) from err
        except TemplateNotFound as err:
            where = _location(err) or ENTRY
            name = str(err.name)
            if ".." in name.replace("\\", "/").split("/") or name.startswith("/"):
                msg = (
                    f"{where}: refused to include {name!r}: templates may only use files in "
                    "the template folders"
                )
            else:
                msg = f"{where}: template {name!r} not found in the template folders"
            raise TemplateError(msg) from err
        except (JinjaTemplateError, TypeError, ValueError, OverflowError) as err:
            msg = f"{_location(err) or ENTRY}: template failed: {err}"
            raise TemplateError(msg) from err
        if len(output) > MAX_OUTPUT_CHARS:
            msg = (
                f"{chosen}: produced over {MAX_OUTPUT_CHARS:,} characters; a leaflet is far smaller"
            )
            raise TemplateError(msg)
        return output
