"""Leaflet XML -> Document: the boundary between templates and the renderer."""

from __future__ import annotations

import pytest

from handout.document import Box, BulletList, Paragraph, Span, Steps, parse_document
from handout.errors import DocumentError


def test_parses_blocks_and_inline_bold():
    """Paragraphs, lists, steps and boxes become typed blocks; <b> becomes a bold span."""
    doc = parse_document(
        '<leaflet title="T" lang="es"><p>Hola <b>mundo</b> &amp; más</p>'
        "<ul><li>a</li></ul><ol><li>b</li></ol><box kind='main'><p>c</p></box></leaflet>"
    )
    assert doc.lang == "es"
    assert doc.blocks[0] == Paragraph((Span("Hola "), Span("mundo", True), Span(" & más")))
    assert isinstance(doc.blocks[1], BulletList)
    assert isinstance(doc.blocks[2], Steps)
    assert isinstance(doc.blocks[3], Box) and doc.blocks[3].kind == "main"


def test_whitespace_from_templates_is_collapsed():
    """Indentation and newlines in template output do not reach the page."""
    doc = parse_document("<leaflet><p>\n   one\n   two  <b> three </b>four\n</p></leaflet>")
    assert doc.blocks[0] == Paragraph((Span("one two "), Span("three ", True), Span("four")))


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        ("<leaflet><blink>x</blink></leaflet>", "unknown element <blink>"),
        ("<leaflet><p>x <i>y</i></p></leaflet>", "<i> is not allowed inside <p>"),
        ("<leaflet><p>x", "not well-formed"),
        ("<page/>", "root element must be <leaflet>"),
        ("<leaflet><box kind='fancy'><p>x</p></box></leaflet>", "box kind='fancy'"),
        ("<leaflet><p></p></leaflet>", "<p> is empty"),
        ("<leaflet><lines n='99'/></leaflet>", "whole number from 1 to 30"),
    ],
)
def test_bad_markup_is_an_error_naming_the_problem(markup, message):
    """Unknown or malformed markup is reported, never silently dropped."""
    with pytest.raises(DocumentError, match="^tmpl: .*" + __import__("re").escape(message)):
        parse_document(markup, "tmpl")
