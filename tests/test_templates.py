"""Template lookup order, sandboxing and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from handout.errors import TemplateError
from handout.templates import TemplateRenderer, search_path


def _tree(root: Path, *files: str) -> None:
    for f in files:
        path = root / f
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'<leaflet><p>{{{{ "{f}" }}}}</p></leaflet>')


def test_search_path_order(tmp_path):
    """Clinic folder before bundled; within each: lang/level, lang, level, _base."""
    clinic, bundled = tmp_path / "clinic", tmp_path / "bundled"
    for root in (clinic, bundled):
        for sub in ("es/easy", "es", "easy", "_base"):
            (root / sub).mkdir(parents=True, exist_ok=True)
    assert search_path((clinic, bundled), "es", "easy") == (
        clinic / "es" / "easy",
        clinic / "es",
        clinic / "easy",
        clinic / "_base",
        bundled / "es" / "easy",
        bundled / "es",
        bundled / "easy",
        bundled / "_base",
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["_base/leaflet.xml.j2", "easy/leaflet.xml.j2"], "easy/leaflet.xml.j2"),
        (["easy/leaflet.xml.j2", "es/leaflet.xml.j2"], "es/leaflet.xml.j2"),
        (["es/leaflet.xml.j2", "es/easy/leaflet.xml.j2"], "es/easy/leaflet.xml.j2"),
    ],
)
def test_most_specific_template_wins(tmp_path, files, expected):
    """A language-specific template beats a level template, which beats the base."""
    _tree(tmp_path, *files)
    renderer = TemplateRenderer((tmp_path,), tmp_path)
    assert renderer.resolve("es", "easy") == tmp_path / expected
    assert expected in renderer.render("es", "easy", {})


def test_missing_template_lists_searched_folders(tmp_path):
    """'Not found' names every folder searched."""
    (tmp_path / "_base").mkdir()
    with pytest.raises(
        TemplateError, match=r"no leaflet.xml.j2 for language 'en', level 'easy'; searched: .*_base"
    ):
        TemplateRenderer((tmp_path,), tmp_path).resolve("en", "easy")


def test_undefined_variable_names_file_line_and_available(tmp_path):
    """A typo in a variable is an error with file, line and the variables that exist."""
    (tmp_path / "_base").mkdir()
    (tmp_path / "_base" / "leaflet.xml.j2").write_text("<leaflet>\n<p>{{ pateint }}</p></leaflet>")
    with pytest.raises(
        TemplateError,
        match=r"leaflet.xml.j2:2: 'pateint' is undefined; available variables: patient",
    ):
        TemplateRenderer((tmp_path,), tmp_path).render("en", "easy", {"patient": "x"})


def test_sandbox_refuses_python_internals(tmp_path):
    """A template reaching for __class__ is stopped with a message naming the file."""
    (tmp_path / "_base").mkdir()
    (tmp_path / "_base" / "leaflet.xml.j2").write_text(
        "<leaflet>{{ ''.__class__.__mro__ }}</leaflet>"
    )
    with pytest.raises(TemplateError, match=r"leaflet.xml.j2:1: refused by the template sandbox"):
        TemplateRenderer((tmp_path,), tmp_path).render("en", "easy", {})


def test_syntax_error_names_file_and_line(tmp_path):
    """A template syntax error names the file and line."""
    (tmp_path / "_base").mkdir()
    (tmp_path / "_base" / "leaflet.xml.j2").write_text("<leaflet>\n{% if %}</leaflet>")
    with pytest.raises(TemplateError, match=r"leaflet.xml.j2:2: template syntax error"):
        TemplateRenderer((tmp_path,), tmp_path).render("en", "easy", {})


def test_values_are_escaped(tmp_path):
    """Autoescaping turns markup in values into text."""
    (tmp_path / "_base").mkdir()
    (tmp_path / "_base" / "leaflet.xml.j2").write_text("<leaflet><p>{{ name }}</p></leaflet>")
    out = TemplateRenderer((tmp_path,), tmp_path).render("en", "easy", {"name": "<b>A & B"})
    assert "&lt;b&gt;A &amp; B" in out


def test_runaway_loop_is_stopped(tmp_path, monkeypatch):
    """A template that loops for too long is stopped with its file and line."""
    monkeypatch.setattr("handout.templates.RENDER_TIME_LIMIT", 0.3)
    (tmp_path / "_base").mkdir()
    (tmp_path / "_base" / "leaflet.xml.j2").write_text(
        "<leaflet>\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
        "{% endfor %}</leaflet>"
    )
    with pytest.raises(TemplateError, match=r"leaflet.xml.j2:2: stopped after 0.3 s"):
        TemplateRenderer((tmp_path,), tmp_path).render("en", "easy", {})


def test_include_outside_template_folders_is_refused(tmp_path):
    """A template cannot read files outside the template folders."""
    (tmp_path / "_base").mkdir()
    (tmp_path / "_base" / "leaflet.xml.j2").write_text(
        '<leaflet>{% include "../../../etc/passwd" %}</leaflet>'
    )
    with pytest.raises(TemplateError, match=r"refused to include '../../../etc/passwd'"):
        TemplateRenderer((tmp_path,), tmp_path).render("en", "easy", {})


def test_clinic_template_extends_builtin(tmp_path):
    """A clinic override can extend the bundled template it replaces and change one block."""
    from handout.settings import bundled_root

    (tmp_path / "standard").mkdir()
    (tmp_path / "standard" / "leaflet.xml.j2").write_text(
        '{% extends "builtin:standard/leaflet.xml.j2" %}{% block summary %}{% endblock %}'
    )
    bundled = bundled_root() / "templates"
    renderer = TemplateRenderer((tmp_path, bundled), bundled)
    assert renderer.resolve("en", "standard") == tmp_path / "standard" / "leaflet.xml.j2"
