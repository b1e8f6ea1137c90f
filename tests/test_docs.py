"""The docs match the program: every command has help and is in the README; CI runs the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from handout.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = ["generate", "batch", "list", "validate", "init", "templates diff"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_documented(command):
    """`handout COMMAND --help` works, shows an example, and the README mentions the command."""
    result = CliRunner().invoke(cli, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert f"handout {command}" in README or (
        command == "templates diff" and "templates diff" in README
    )


def test_readme_quickstart_is_two_commands_and_ci_runs_the_test_one():
    """The quickstart has exactly two commands; .ci/run runs the second one."""
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```\n(.+?)\n```", section)
    assert len(commands) == 2
    assert "handout generate" in commands[0] and "output/" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()


def test_readme_images_exist():
    """Every image the README shows is in the repository."""
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / path).is_file(), path


def test_readme_links_to_existing_docs():
    """Relative links in the README point to files that exist."""
    for path in re.findall(r"\]\(((?:docs|examples)/[^)#]+)\)", README):
        assert (ROOT / path).is_file(), path
