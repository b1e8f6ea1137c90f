"""Error hierarchy: the CLI turns any HandoutError into a one-line message and exit code 1.

Messages name the file, key, field or row involved and say what to do. They never contain patient
data (names, dates of birth, free text): those would leak into terminals, logs and support tickets.
"""

from __future__ import annotations


class HandoutError(Exception):
    """Base class for every error the library raises on bad input or environment."""


class ContentError(HandoutError):
    """Raised when a content or clinic file is missing, malformed or fails its schema."""


class NotFoundError(HandoutError):
    """Raised when a finding, language, level or next step the user asked for does not exist."""


class TemplateError(HandoutError):
    """Raised when a template is missing, has a syntax error, or fails while rendering."""


class DocumentError(HandoutError):
    """Raised when a template's output is not valid leaflet markup."""


class InputError(HandoutError):
    """Raised when patient or request data is invalid (a bad date, an unprintable character)."""


class RenderError(HandoutError):
    """Raised when the PDF cannot be laid out or written."""


class BatchInputError(HandoutError):
    """Raised when a worklist cannot be used: unreadable, a bad header or name pattern, or (unless
    rows may be skipped) invalid rows. `problems` lists each one; none holds patient data."""

    def __init__(self, message: str, problems: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems
