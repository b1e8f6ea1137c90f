"""Bundled fonts: registration once per process, per-language font chains, and coverage checks.

ReportLab draws nothing (or an empty box) for a character its font lacks and says nothing, so every
character is checked against the chain before drawing: a character no bundled font has is an error
naming the field and the code point, never a blank on a patient's leaflet.

Every chain starts with the leaflet's own script, then Noto Sans (digits, Latin words, `°`), then a
font for every other bundled script, so a patient name in another script than the leaflet prints
through the fallback. The ReportLab patches the leaflets rely on (shaping guard, shaping per font
run, Chinese line-start punctuation) are applied here too, once per process, in `register_fonts`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from handout.errors import InputError

FONT_DIR = Path(__file__).resolve().parent / "fonts"

#: Hangul (syllables, jamo, compatibility jamo): Korean always comes from a Korean font.
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF))


@dataclass(frozen=True)
class Family:
    """A font family as ReportLab sees it: one registered name per face, mapped for <b>/<i>.

    A family without a bold (or italic) file maps that slot to its regular face on purpose, so
    `<b>` prints in the regular weight instead of failing. `ignore` lists code point ranges the
    family must never supply (stray glyphs of another script), and `shapable=False` keeps
    ReportLab's HarfBuzz shaping away from text the project has already shaped itself (Arabic).
    """

    name: str
    regular: str
    bold: str | None = None
    italic: str | None = None
    bold_italic: str | None = None
    ignore: tuple[tuple[int, int], ...] = ()
    shapable: bool = True

    @property
    def bold_name(self) -> str:
        return f"{self.name}-Bold" if self.bold else self.name

    @property
    def italic_name(self) -> str:
        return f"{self.name}-Italic" if self.italic else self.name

    @property
    def bold_italic_name(self) -> str:
        return f"{self.name}-BoldItalic" if self.bold_italic else self.bold_name

    def faces(self) -> dict[str, str]:
        """Registered face name -> file name, for the faces that have a file."""
        faces = {self.name: self.regular}
        for face, filename in (
            (self.bold_name, self.bold),
            (self.italic_name, self.italic),
            (self.bold_italic_name, self.bold_italic),
        ):
            if filename:
                faces[face] = filename
        return faces


FAMILIES: dict[str, Family] = {
    "NotoSans": Family(
        "NotoSans",
        "NotoSans-Regular.ttf",
        "NotoSans-Bold.ttf",
        "NotoSans-Italic.ttf",
        "NotoSans-BoldItalic.ttf",
    ),
    # Arabic is reshaped and reordered by handout.rtl before ReportLab sees it; HarfBuzz shaping
    # of that visual-order text would reverse it again, so ReportLab must never shape it.
    "NotoSansArabic": Family(
        "NotoSansArabic",
        "NotoSansArabic-Regular.ttf",
        "NotoSansArabic-Bold.ttf",
        shapable=False,
    ),
    "NotoSansDevanagari": Family(
        "NotoSansDevanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"
    ),
    # No bold face exists: Chinese bold prints in the regular weight (see fonts/README.md).
    # Its three stray Hangul syllables are ignored so Korean always comes from NanumGothic.
    "DroidSansFallback": Family("DroidSansFallback", "DroidSansFallbackFull.ttf", ignore=_HANGUL),
    "NanumGothic": Family("NanumGothic", "NanumGothic.ttf", "NanumGothicBold.ttf"),
}

#: What each script's fallback order ends with: every bundled script, so any patient name prints.
_ALL_SCRIPTS = (
    "NotoSans",
    "NotoSansArabic",
    "NotoSansDevanagari",
    "DroidSansFallback",
    "NanumGothic",
)


def _chain(*first: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *_ALL_SCRIPTS)))


#: The writing system of each supported language: picks the font chain, styles and line breaking.
SCRIPTS: dict[str, str] = {
    "en": "latin",
    "es": "latin",
    "tl": "latin",
    "ht": "latin",
    "pt": "latin",
    "fr": "latin",
    "vi": "vietnamese",
    "ru": "cyrillic",
    "ar": "arabic",
    "hi": "devanagari",
    "zh-Hans": "han",
    "zh-Hant": "han",
    "ko": "hangul",
}

_SCRIPT_CHAINS: dict[str, tuple[str, ...]] = {
    "latin": _chain("NotoSans"),
    "vietnamese": _chain("NotoSans"),
    "cyrillic": _chain("NotoSans"),
    "arabic": _chain("NotoSansArabic", "NotoSans"),
    "devanagari": _chain("NotoSansDevanagari", "NotoSans"),
    # Droid has no digits or Latin: Noto Sans next. Nanum before the rest for Hangul.
    "han": _chain("DroidSansFallback", "NotoSans", "NanumGothic"),
    "hangul": _chain("NanumGothic", "NotoSans", "DroidSansFallback"),
}

#: Font chain per language (primary first). Languages not listed use the default chain.
DEFAULT_CHAIN: tuple[str, ...] = _SCRIPT_CHAINS["latin"]
CHAINS: dict[str, tuple[str, ...]] = {lang: _SCRIPT_CHAINS[s] for lang, s in SCRIPTS.items()}
#: BCP 47 tags that name a language by another tag (`zh` is written in Simplified characters).
_ALIASES = {
    "zh": "zh-Hans",
    "zh-CN": "zh-Hans",
    "zh-SG": "zh-Hans",
    "zh-TW": "zh-Hant",
    "zh-HK": "zh-Hant",
    "zh-MO": "zh-Hant",
}

#: Characters that are layout, not glyphs: never checked, never drawn as text.
_IGNORED = frozenset("\n\r\t")

#: Chinese punctuation that must not start a line; ReportLab's table is Japanese-centric (§4.5).
KINSOKU_EXTRA = "，；：！？》〉』】’”…·．｝"


def _canonical(lang: str) -> str | None:
    """The SCRIPTS key for a BCP 47 tag: exact, alias, then shorter and shorter prefixes."""
    parts = lang.replace("_", "-").split("-")
    for end in range(len(parts), 0, -1):
        tag = "-".join(parts[:end])
        for candidate in (tag, _ALIASES.get(tag)):
            if candidate in SCRIPTS:
                return candidate
        # Case-insensitive second try (zh-hant, ZH-HANT).
        for key in SCRIPTS:
            if key.lower() == tag.lower():
                return key
    return None


def chain_for(lang: str) -> tuple[str, ...]:
    """Font chain for a BCP 47 tag: its script's font first, then every other script."""
    key = _canonical(lang)
    return CHAINS[key] if key else DEFAULT_CHAIN


def script_for(lang: str) -> str:
    """Writing system of a language tag (`latin` for tags we do not know)."""
    key = _canonical(lang)
    return SCRIPTS[key] if key else "latin"


@cache
def register_fonts() -> None:
    """Register every bundled family once per process (ReportLab's registry is global).

    Also applies the ReportLab patches the leaflets need, so they are in force before any build.
    """
    for family in FAMILIES.values():
        for face_name, filename in family.faces().items():
            font = TTFont(face_name, str(FONT_DIR / filename), shapable=family.shapable)
            pdfmetrics.registerFont(font)
        # Regular last: ReportLab's reverse map (face -> bold, italic) keeps the last call, and a
        # family whose bold or italic slot is its regular face must still read as upright regular.
        addMapping(family.name, 1, 1, family.bold_italic_name)
        addMapping(family.name, 0, 1, family.italic_name)
        addMapping(family.name, 1, 0, family.bold_name)
        addMapping(family.name, 0, 0, family.name)
    patch_reportlab()


@cache
def _coverage(face_name: str) -> frozenset[int]:
    """Code points the face draws with a real glyph (never .notdef), minus ignored ranges."""
    register_fonts()
    font = pdfmetrics.getFont(face_name)
    cmap: dict[int, int] = font.face.charToGlyph
    # Private-use entries are added by ReportLab's shaper at run time, not by the font's cmap.
    cps = {cp for cp, gid in cmap.items() if gid and not 0xE000 <= cp <= 0xF8FF}
    family = next(f for f in FAMILIES.values() if face_name in f.faces())
    for lo, hi in family.ignore:
        cps -= set(range(lo, hi + 1))
    return frozenset(cps)


def face_name(family: str, *, bold: bool = False) -> str:
    """Registered face name for a family's regular or bold face (bold may be the regular face)."""
    return FAMILIES[family].bold_name if bold else family


def covers(family: str, char: str, *, bold: bool = False) -> bool:
    return ord(char) in _coverage(face_name(family, bold=bold))


def missing_characters(text: str, chain: Iterable[str], *, bold: bool = False) -> list[str]:
    """Characters of `text` that no font in the chain can draw (in order, without repeats)."""
    families = tuple(chain)
    missing: dict[str, None] = {}
    for char in unicodedata.normalize("NFC", text):
        if char in _IGNORED or char in missing:
            continue
        if not any(covers(f, char, bold=bold) for f in families):
            missing[char] = None
    return list(missing)


def describe_char(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} ({name})"


def check_printable(text: str, field: str, lang: str) -> None:
    """Raise InputError naming the field and code point if the fonts for `lang` cannot draw `text`.

    Both the regular and the bold face are checked, since templates may set any text in bold.
    """
    chain = chain_for(lang)
    for bold in (False, True):
        missing = missing_characters(text, chain, bold=bold)
        if missing:
            chars = ", ".join(describe_char(c) for c in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            msg = (
                f"{field}: character {chars}{more} cannot be printed with the bundled fonts "
                f"for language {lang!r}; remove or replace it"
            )
            raise InputError(msg)


def pick_family(char: str, chain: tuple[str, ...], *, bold: bool = False) -> str:
    """The first family of the chain that has the character (the primary if none has it)."""
    return next((f for f in chain if covers(f, char, bold=bold)), chain[0])


def _is_break_space(char: str) -> bool:
    """Whitespace a line may break at; a no-break space belongs to its word ("38\u00a0°C")."""
    return char.isspace() and char != "\u00a0"


def _split_words(text: str) -> list[str]:
    """Alternating runs of breaking whitespace and words, covering the whole text."""
    out: list[str] = []
    for char in text:
        if out and _is_break_space(out[-1][-1]) == _is_break_space(char):
            out[-1] += char
        else:
            out.append(char)
    return out


def font_runs(text: str, chain: tuple[str, ...], *, bold: bool = False) -> list[tuple[str, str]]:
    """Split text into (family, text) runs: each character in the first family that has it.

    Whitespace stays in the current run so a fallback word does not split its spaces off. A word
    that would mix fonts is set in one of them when that one covers the whole word ("Nguyễn" on a
    Korean leaflet is all Noto Sans, not Nanum letters with a Noto "ễ"), and the words after a
    fallback word stay in that font while it covers them (the whole name, "Paracetamol 500 mg" in
    Arabic text). A font the word would not otherwise use is never brought in (a Chinese sentence
    stays in the Chinese font, with only its digits from Noto Sans, even if the Korean font
    happens to cover it all).
    """
    runs: list[tuple[str, str]] = []
    current = chain[0]
    buf: list[str] = []

    def emit(family: str, chars: str) -> None:
        nonlocal current, buf
        if family != current and buf:
            runs.append((current, "".join(buf)))
            buf = []
        current = family
        buf.append(chars)

    for word in _split_words(text):
        if _is_break_space(word[0]):
            buf.append(word)
            continue
        if current != chain[0] and all(covers(current, c, bold=bold) for c in word):
            # Stay in a fallback font while it covers the words: "Nguyễn Thị Ánh" all in one.
            emit(current, word)
            continue
        picked = [pick_family(c, chain, bold=bold) for c in word]
        used = [f for f in chain if f in picked]
        whole = next((f for f in used if all(covers(f, c, bold=bold) for c in word)), None)
        if whole is not None:
            emit(whole, word)
            continue
        for char, family in zip(word, picked, strict=True):
            emit(family, char)
    if buf:
        runs.append((current, "".join(buf)))
    return runs


def runs_markup(text: str, chain: tuple[str, ...], *, bold: bool = False) -> str:
    """ReportLab paragraph markup for text: escaped, fallback runs in `<font face>`, bold kept.

    `<b>` goes inside `<font face>`: ReportLab ignores the bold of an enclosing `<b>` for a face
    set within it, so `<b><font face="NotoSans">98</font></b>` would print regular digits.
    """
    from xml.sax.saxutils import escape

    parts = []
    for family, run in font_runs(text, chain, bold=bold):
        run = escape(run)
        if bold:
            run = f"<b>{run}</b>"
        parts.append(run if family == chain[0] else f'<font face="{family}">{run}</font>')
    return "".join(parts)


# --- ReportLab patches: one place, once per process (covered by tests/test_scripts.py) ---------


@cache
def patch_reportlab() -> None:
    """Apply the three ReportLab fixes the leaflets depend on (fonts-and-scripts.md §4.4, §4.5).

    1. `PDFTextObject.setRise` reads `self._code[-1]` without checking that there is one and
       crashes (IndexError) on shaped multi-fragment paragraphs that wrap (pitfall 4). Guarded.
    2. ReportLab shapes a whole word with the font of its first fragment, so a word mixing fonts
       ("°C।" in Hindi: Noto Sans + Noto Sans Devanagari) prints .notdef boxes (pitfall 3). Each
       same-font run of a word is now shaped with its own font; fonts registered with
       `shapable=False` (Arabic, already shaped by handout.rtl) are left as they are.
    3. The "cannot start a line" table lacks Chinese full-width punctuation, so a line of Chinese
       could start with "，" (pitfall 10). The missing characters are added in both modules that
       hold a copy of the table.
    """
    import reportlab.lib.textsplit as textsplit
    import reportlab.pdfbase.ttfonts as ttfonts
    import reportlab.platypus.paragraph as paragraph
    from reportlab.lib.rl_accel import fp_str
    from reportlab.pdfgen.textobject import PDFTextObject

    def set_rise(self: Any, rise: float) -> None:
        """ReportLab's setRise, with the missing empty-code guard."""
        v = f"{fp_str(rise)} Ts"
        if self._code and self._code[-1].endswith(" Ts"):  # optimise out "r0 Ts r1 Ts"
            self._y += self._rise
            self._code[-1] = v
        else:
            self._rise = rise
            self._y -= rise
            self._code.append(v)

    PDFTextObject.setRise = set_rise

    original = ttfonts.shapeFragWord
    if not getattr(original, "_handout_per_font", False):
        shape = _shape_per_font(original, ttfonts)
        ttfonts.shapeFragWord = shape
        paragraph.shapeFragWord = shape  # paragraph.py imported the name

    missing = "".join(c for c in KINSOKU_EXTRA if c not in textsplit.ALL_CANNOT_START)
    if missing:
        textsplit.ALL_CANNOT_START = textsplit.ALL_CANNOT_START + missing
        paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START


def _shape_per_font(original: Any, ttfonts: Any) -> Any:
    """Wrap ReportLab's shapeFragWord so each same-font run of a word is shaped by its own font."""

    def shape(w: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(w, ttfonts.ShapedFragWord):
            return w
        parts = list(w[1:])
        if not parts or any(hasattr(f, "cbDefn") for f, _ in parts):
            return original(w, *args, **kwargs)
        groups: list[list[tuple[Any, str]]] = []
        for frag, text in parts:
            if groups and groups[-1][0][0].fontName == frag.fontName:
                groups[-1].append((frag, text))
            else:
                groups.append([(frag, text)])
        shapable = [
            getattr(pdfmetrics.getFont(g[0][0].fontName), "shapable", False) for g in groups
        ]
        if len(groups) == 1:
            return original(w, *args, **kwargs) if shapable[0] else w
        width = 0.0
        items: list[Any] = []
        for group, can_shape in zip(groups, shapable, strict=True):
            group_width = sum(pdfmetrics.stringWidth(t, f.fontName, f.fontSize) for f, t in group)
            if can_shape:
                shaped = original([group_width, *group], *args, **{**kwargs, "force": True})
                width += shaped[0]
                items.extend(shaped[1:])
            else:
                width += group_width
                simple = ttfonts._sdSimple
                items.extend((f, ttfonts.ShapedStr(t, [simple] * len(t))) for f, t in group)
        return ttfonts.makeShapedFragWord(w)([width, *items])

    shape._handout_per_font = True  # type: ignore[attr-defined]
    shape._handout_original = original  # type: ignore[attr-defined]
    return shape
