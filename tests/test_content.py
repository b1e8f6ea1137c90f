"""Content loading: schema errors name file and key path; overrides merge; languages resolve."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handout.content import ContentLibrary, deep_merge
from handout.errors import ContentError, NotFoundError


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        (
            "en/shared.yaml",
            lambda d: d["levels"]["easy"]["sections"].pop("prepare"),
            r"en/shared.yaml: levels\.easy\.sections: missing shared section\(s\): prepare",
        ),
        (
            "en/shared.yaml",
            lambda d: d["levels"]["easy"]["sections"]["contact"]["body"].append({"para": "x"}),
            r"en/shared.yaml: levels\.easy\.sections\.contact\.body\.1\.para: Extra inputs",
        ),
        (
            "en/findings/tiny-spots.yaml",
            lambda d: d["levels"].pop("detailed"),
            r"tiny-spots.yaml: levels: missing reading level\(s\): detailed",
        ),
        (
            "en/findings/tiny-spots.yaml",
            lambda d: d["levels"]["easy"].update(main_message=["a", "b", "c"]),
            r"tiny-spots.yaml: levels\.easy\.main_message: Tuple should have at most 2 items",
        ),
        (
            "en/findings/tiny-spots.yaml",
            lambda d: d["levels"]["easy"]["summary"].append(
                {"text": "Most are not cancer.", "unless_birads": ["4D"]}
            ),
            r"tiny-spots.yaml: levels\.easy\.summary\.2\.unless_birads\.0: Input should be '4A', "
            r"'4B' or '4C'",
        ),
        (
            "en/findings/tiny-spots.yaml",
            lambda d: d.pop("sources"),
            r"tiny-spots.yaml: sources: Field required",
        ),
        (
            "en/findings/tiny-spots.yaml",
            lambda d: d["levels"]["easy"]["summary"].append("Call {phone}."),
            r"tiny-spots.yaml: levels\.easy\.summary\[2\]: unknown placeholder \{phone\}",
        ),
        (
            "en/language.yaml",
            lambda d: d["translation"].update(review="approved"),
            r"en/language.yaml: translation\.review: Input should be 'pending' or 'reviewed'",
        ),
        (
            "catalog.yaml",
            lambda d: d["findings"]["tiny-spots"].update(next_step="surgery"),
            r"catalog.yaml: .*unknown next step 'surgery'",
        ),
    ],
)
def test_schema_errors_name_file_and_key_path(project, file, change, message):
    """Each defect is reported with the file, the dotted key path and what is wrong."""
    _edit(project / "content" / file, change)
    with pytest.raises(ContentError, match=message):
        ContentLibrary((project / "content",)).language("en")


def test_malformed_yaml_names_line(project):
    """A YAML syntax error names the file and line."""
    path = project / "content" / "en" / "shared.yaml"
    path.write_text("levels:\n  easy: [unclosed\n")
    with pytest.raises(ContentError, match=r"shared.yaml: line \d+, column \d+: invalid YAML"):
        ContentLibrary((project / "content",)).language("en")


def test_override_changes_one_section_and_keeps_the_rest(project, tmp_path):
    """A clinic file with one section replaces only that section; the rest is inherited."""
    clinic = tmp_path / "clinic-content"
    (clinic / "en").mkdir(parents=True)
    (clinic / "en" / "shared.yaml").write_text(
        yaml.safe_dump(
            {
                "levels": {
                    "easy": {
                        "sections": {
                            "prepare": {
                                "heading": "Our way",
                                "body": [{"p": "Come 15 minutes early."}],
                            }
                        }
                    }
                }
            }
        )
    )
    library = ContentLibrary((clinic, project / "content"))
    sections = library.language("en").shared.levels["easy"].sections
    assert sections["prepare"].heading == "Our way"
    assert sections["contact"].heading == "Call us"
    assert (
        library.language("en").shared.levels["standard"].sections["prepare"].heading == "Get ready"
    )


def test_deep_merge_replaces_lists_and_merges_mappings():
    """Mappings merge key by key; lists are replaced whole."""
    assert deep_merge({"a": {"b": 1, "c": [1, 2]}}, {"a": {"c": [3]}}) == {"a": {"b": 1, "c": [3]}}


@pytest.mark.parametrize(("tag", "expected"), [("en", "en"), ("en-US", "en"), ("EN-gb", "en")])
def test_regional_tags_fall_back_to_the_language(project, tag, expected):
    """A regional BCP 47 tag uses its language's content."""
    assert ContentLibrary((project / "content",)).resolve_language(tag) == expected


def test_unknown_language_lists_what_exists(project):
    """Another language is never printed silently in place of the one asked for."""
    with pytest.raises(NotFoundError, match=r"unknown language 'fr-CA'; available: en"):
        ContentLibrary((project / "content",)).resolve_language("fr-CA")


def test_bundled_aliases(bundled):
    """es-MX uses Spanish content; zh is an alias for zh-Hans (and an error while it is missing)."""
    library = ContentLibrary(bundled.content_dirs)
    assert library.resolve_language("es-MX") == "es"
    if "zh-Hans" not in library.available_languages():
        with pytest.raises(NotFoundError, match="unknown language 'zh'"):
            library.resolve_language("zh")
    else:
        assert library.resolve_language("zh") == "zh-Hans"
