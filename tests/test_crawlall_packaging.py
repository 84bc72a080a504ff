"""The egg scrapyd-deploy builds (`python setup.py bdist_egg`) holds what scrapyd needs."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.utils.paths import ROOT

pytest.importorskip("setuptools")


def test_the_egg_has_the_package_its_migrations_and_the_settings_entry_point(
    tmp_path: Path,
) -> None:
    # Built from a copy: the build leaves build/ and *.egg-info/ behind.
    project = tmp_path / "project"
    project.mkdir()
    for name in ("setup.py", "pyproject.toml", "scrapy.cfg"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "jobcrawl", project / "jobcrawl",
                    ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "setup.py", "-q", "bdist_egg", "-d", str(tmp_path / "dist")],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    [egg] = (tmp_path / "dist").glob("jobcrawl-*.egg")
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert entry_points.split() == ["[scrapy]", "settings", "=", "jobcrawl.settings"]
    assert {name.split("/")[0] for name in names} == {"jobcrawl", "EGG-INFO"}
    shipped = {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "jobcrawl").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    missing = sorted(shipped - names)
    assert missing == [], "add these to [tool.setuptools.package-data] in pyproject.toml"
    assert "jobcrawl/db/migrations/versions/0001_baseline.py" in names


def test_scrapy_cfg_has_a_deploy_target_for_the_project() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "scrapy.cfg")
    assert config["settings"]["default"] == "jobcrawl.settings"
    assert dict(config["deploy"]) == {"url": "http://localhost:6800/", "project": "jobcrawl"}
