"""Right-to-left (Arabic) text for ReportLab: letters joined, words in order on every wrapped line.

ReportLab cannot set Arabic by itself: its bidi support needs `rlbidi`, which cannot be installed,
and HarfBuzz shaping joins letters but leaves each line's words in reversed order (the page *looks*
plausible, which is what makes the bug easy to miss). So Arabic is prepared here
(fonts-and-scripts.md §4.3):

1. NFC, then arabic-reshaper picks each letter's joined form (presentation forms), keeping harakat.
2. Lines are filled greedily in *logical* order, measuring every character in the font the chain
   picks for it, for the width actually offered.
3. Each line separately is put in visual order with the Unicode bidi algorithm (base direction
   right-to-left), so numbers, dates, phone numbers and Latin words read correctly inside it.
4. Each visual line becomes fallback-font markup; the lines are joined with `<br/>` and set by an
   ordinary right-aligned Paragraph that neither shapes nor wraps them again.

Bidi uses python-bidi's pure-Python implementation (`bidi.algorithm`), not the Rust `get_display`:
since python-bidi 0.5 the Rust one skips rule L4, so brackets are not mirrored and "(نص)" prints as
")نص(" (python-bidi issue #25). The Python one mirrors them and lets us carry each character's
bold flag through the reordering, so inline bold is kept inside Arabic text. Harakat are left
before their base letter in visual order (no rule L3): that is where Noto Sans Arabic's mark glyphs
expect them (checked on rendered pages).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from arabic_reshaper import ArabicReshaper
from bidi import algorithm as bidi_algorithm
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable
from reportlab.platypus import Paragraph as RLParagraph

from handout.errors import RenderError
from handout.fonts import covers, describe_char, face_name, pick_family, runs_markup

#: Keep harakat (the default deletes them); never shift them (that misplaces every mark).
_RESHAPER = ArabicReshaper(configuration={"delete_harakat": False})

#: A (text, bold) piece of a word; a word is one or more pieces with no space between them.
Piece = tuple[str, bool]
Word = tuple[Piece, ...]

#: Width kept free on every line, in points, against rounding in ReportLab's own measuring.
_SLACK = 0.5

#: A number with separators inside ("(555) 010-0199", "38–39", "1,000.5"). After an Arabic letter
#: the bidi algorithm makes its digits Arabic numbers, and a hyphen or space between two of those
#: is not part of the number, so "010-0199" would print as "0199-010". Such numbers are embedded
#: left to right (LRE … PDF) and their spaces made non-breaking, so they print and wrap as a unit.
_NUMBER = re.compile(r"[(+]?\d(?:[\d()\-\u2010-\u2013./:,+\u00a0 ]*\d)?\)?")
_LRE, _PDF = "\u202a", "\u202c"


def is_rtl_char(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("R", "AL")


def has_rtl(text: str) -> bool:
    """Whether the text holds any right-to-left letter (Arabic, Hebrew, …)."""
    return any(is_rtl_char(c) for c in text)


def is_latin_only(texts: Iterable[str]) -> bool:
    """Whether text has left-to-right letters and no right-to-left ones: an English quotation (the
    federal density statement) or a clinic's English address on an Arabic leaflet.

    Such a paragraph is set left to right (Unicode bidi rule P2: its first strong letter is L);
    given a right-to-left base, "(accredited facility name)" at a line start would print as
    ")accredited facility name)" and the final full stop would stand at the left end. A paragraph
    with any Arabic letter stays right to left, even if it starts with "BI-RADS".
    """
    joined = "".join(texts)
    return not has_rtl(joined) and any(unicodedata.bidirectional(c) == "L" for c in joined)


def reshape(text: str) -> str:
    """Arabic letters in their joined forms (presentation forms), harakat kept."""
    return _RESHAPER.reshape(text) if has_rtl(text) else text


def visual_order(pieces: Sequence[Piece], base_dir: str) -> list[Piece]:
    """Reorder one line of (char, bold) pieces, given in logical order, into visual order.

    `base_dir` is "R" for an Arabic paragraph and "L" for right-to-left words inside a
    left-to-right one. Brackets in right-to-left runs are mirrored (rule L4).
    """
    chars = [c for text, _ in pieces for c in text]
    bolds = [b for text, b in pieces for _ in text]
    storage = bidi_algorithm.get_empty_storage()
    storage["base_level"] = bidi_algorithm.PARAGRAPH_LEVELS[base_dir]
    storage["base_dir"] = base_dir
    bidi_algorithm.get_embedding_levels("".join(chars), storage)
    for index, entry in enumerate(storage["chars"]):
        entry["index"] = index
    bidi_algorithm.explicit_embed_and_overrides(storage)
    bidi_algorithm.resolve_weak_types(storage)
    bidi_algorithm.resolve_neutral_types(storage, False)
    bidi_algorithm.resolve_implicit_levels(storage, False)
    bidi_algorithm.reorder_resolved_levels(storage, False)
    bidi_algorithm.apply_mirroring(storage, False)
    return [(entry["ch"], bolds[entry["index"]]) for entry in storage["chars"]]


def visual_ltr(text: str) -> str:
    """Right-to-left words inside left-to-right text (an Arabic name on an English leaflet):
    joined and in visual order, ready to be drawn left to right."""
    if not has_rtl(text):
        return text
    shaped = " ".join(reshape(word) for word in text.split(" "))
    return "".join(c for c, _ in visual_order([(shaped, False)], "L"))


def protect_numbers(text: str) -> str:
    """Embed numbers that contain separators left to right, with non-breaking spaces inside."""

    def embed(match: re.Match[str]) -> str:
        number, lead, trail = match.group(0), "", ""
        # A bracket that opens or closes Arabic text around the number is not part of it.
        if number.startswith("(") and ")" not in number:
            lead, number = "(", number[1:]
        if number.endswith(")") and number.count(")") > number.count("("):
            number, trail = number[:-1], ")"
        if number.isdigit():
            return lead + number + trail
        return lead + _LRE + number.replace(" ", "\u00a0") + _PDF + trail

    return _NUMBER.sub(embed, text)


def _is_format(char: str) -> bool:
    """Bidi controls and other invisible format characters: no glyph, no width."""
    return unicodedata.category(char) == "Cf"


def visual_rtl_line(text: str) -> str:
    """One line of a right-to-left paragraph, joined and in visual order (for canvas drawing)."""
    shaped = " ".join(reshape(word) for word in protect_numbers(text).split(" "))
    return "".join(c for c, _ in visual_order([(shaped, False)], "R") if not _is_format(c))


def _words(spans: Iterable[Piece]) -> list[Word]:
    """Split (text, bold) spans into words of reshaped pieces (a word may change weight inside)."""
    words: list[list[Piece]] = [[]]
    for text, bold in spans:
        text = protect_numbers(unicodedata.normalize("NFC", text))
        for i, chunk in enumerate(text.split(" ")):
            if i:
                words.append([])
            if chunk:
                words[-1].append((chunk, bold))
    out: list[Word] = []
    for pieces in words:
        if not pieces:
            continue
        if len({b for _, b in pieces}) == 1:
            # One weight: reshape the word as a whole so every letter joins its neighbours.
            out.append(((reshape("".join(t for t, _ in pieces)), pieces[0][1]),))
        else:
            out.append(tuple((reshape(t), b) for t, b in pieces))
    return out


class RTLParagraph(Flowable):
    """A right-to-left paragraph: own line breaking in logical order, bidi per line (§4.3).

    Works like a Paragraph inside frames, tables, lists and KeepTogether: `wrap` and `split`
    rebuild the lines for the width actually offered, and a split yields two RTLParagraphs, so
    a paragraph continued in another frame (or a narrower one) is broken again correctly.
    """

    def __init__(
        self,
        spans: Iterable[Piece],
        style: ParagraphStyle,
        chain: tuple[str, ...],
        *,
        _words_: list[Word] | None = None,
    ) -> None:
        super().__init__()
        self.style = style
        self.chain = chain
        self._word_list = _words_ if _words_ is not None else _words(spans)
        self._inner_style = _right_aligned(style)
        self._built_for: float | None = None
        self._inner: RLParagraph | None = None
        self._lines: list[list[Word]] = []
        self._check_glyphs()

    # -- measuring and line breaking -------------------------------------------------------

    def _check_glyphs(self) -> None:
        for word in self._word_list:
            for text, bold in word:
                for char in text:
                    if _is_format(char):
                        continue
                    if not any(covers(f, char, bold=bold) for f in self.chain):
                        msg = (
                            f"Arabic text contains {describe_char(char)} after joining, which no "
                            "bundled font can print; check the content"
                        )
                        raise RenderError(msg)

    def _char_width(self, char: str, bold: bool) -> float:
        if _is_format(char):
            return 0.0
        family = pick_family(char, self.chain, bold=bold)
        return float(stringWidth(char, face_name(family, bold=bold), self.style.fontSize))

    def _word_width(self, word: Word) -> float:
        return sum(self._char_width(c, b) for text, b in word for c in text)

    def _space_width(self) -> float:
        size = self.style.fontSize
        return max(float(stringWidth(" ", face_name(f), size)) for f in self.chain[:2])

    def _break_lines(self, width: float) -> list[list[Word]]:
        """Fill lines greedily in logical order; a word wider than a line gets a line of its own."""
        available = width - self.style.leftIndent - self.style.rightIndent - _SLACK
        space = self._space_width()
        lines: list[list[Word]] = []
        line: list[Word] = []
        used = 0.0
        for word in self._word_list:
            w = self._word_width(word)
            if line and used + space + w > available:
                lines.append(line)
                line, used = [], 0.0
            used += (space if line else 0.0) + w
            line.append(word)
        if line:
            lines.append(line)
        return lines

    def _markup_line(self, line: list[Word]) -> str:
        logical: list[Piece] = []
        for i, word in enumerate(line):
            if i:
                logical.append((" ", word[0][1] and line[i - 1][-1][1]))
            logical.extend(word)
        visual = [(c, b) for c, b in visual_order(logical, "R") if not _is_format(c)]
        # Regroup consecutive characters of one weight, then route each to a font that has it.
        groups: list[tuple[str, bool]] = []
        for char, bold in visual:
            if groups and groups[-1][1] == bold:
                groups[-1] = (groups[-1][0] + char, bold)
            else:
                groups.append((char, bold))
        return "".join(runs_markup(text, self.chain, bold=bold) for text, bold in groups)

    def _build(self, width: float) -> RLParagraph:
        if self._inner is None or self._built_for != width:
            self._lines = self._break_lines(width)
            markup = "<br/>".join(self._markup_line(line) for line in self._lines)
            self._inner = RLParagraph(markup, self._inner_style)
            self._built_for = width
        return self._inner

    # -- Flowable protocol -----------------------------------------------------------------

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        inner = self._build(availWidth)
        self.width, self.height = inner.wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        self._build(availWidth)
        leading = self.style.leading
        fit = int(availHeight / float(leading)) if leading else 0
        n = len(self._lines)
        allow_orphans = getattr(self.style, "allowOrphans", 0)
        if fit == 0 or (not allow_orphans and fit <= 1 and n > 1):
            return []
        if n <= fit:
            return [self]
        if not getattr(self.style, "allowWidows", 1) and n == fit + 1:
            fit -= 1
            if fit <= 0:
                return []
        head = [w for line in self._lines[:fit] for w in line]
        tail = [w for line in self._lines[fit:] for w in line]
        return [
            RTLParagraph((), self.style, self.chain, _words_=head),
            RTLParagraph((), self.style, self.chain, _words_=tail),
        ]

    def draw(self) -> None:
        assert self._inner is not None  # wrap() always runs first
        self._inner.drawOn(self.canv, 0, 0)

    def plain_text(self) -> str:
        """The logical text (reshaped forms), for debugging and identity()."""
        return " ".join("".join(t for t, _ in w) for w in self._word_list)


_RIGHT_ALIGNED: dict[int, tuple[ParagraphStyle, ParagraphStyle]] = {}


def _right_aligned(style: ParagraphStyle) -> ParagraphStyle:
    """The style for the prepared lines: right aligned, no shaping, no wrapping of its own."""
    cached = _RIGHT_ALIGNED.get(id(style))
    if cached is None or cached[0] is not style:
        derived = ParagraphStyle(
            f"{style.name}-rtl-lines",
            parent=style,
            alignment=TA_RIGHT,
            shaping=0,
            wordWrap=None,
            firstLineIndent=0,
        )
        cached = _RIGHT_ALIGNED[id(style)] = (style, derived)
    return cached[1]
