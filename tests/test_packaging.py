"""The installed wheel carries the bundled content, templates and fonts."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    return next(out.glob("handout-*.whl"))


def test_wheel_contains_bundled_defaults(wheel):
    """`pip install .` (not editable) must find content, templates and fonts from any directory."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "handout/data/content/catalog.yaml",
        "handout/data/content/en/language.yaml",
        "handout/data/content/en/findings/probably-benign-calcifications.yaml",
        "handout/data/content/es/shared.yaml",
        "handout/data/content/regulated/density.yaml",
        "handout/data/templates/_base/layout.xml.j2",
        "handout/data/templates/easy/leaflet.xml.j2",
        "handout/fonts/NotoSans-Regular.ttf",
        "handout/fonts/OFL-NotoSans.txt",
    ):
        assert required in names, required


def test_wheel_is_small(wheel):
    """The wheel stays well under the 25 MB budget."""
    assert wheel.stat().st_size < 25 * 1024 * 1024


def test_installed_copy_runs_from_another_directory(wheel, tmp_path):
    """A wheel installed into a fresh target directory prints a leaflet from anywhere."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    out = tmp_path / "elsewhere" / "a.pdf"
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "handout",
            "generate",
            "--finding",
            "macrocalcifications",
            "-o",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")
