"""manifest.json beside every export, and `scrapy export --verify` (good, tampered, missing)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.db.migrate import SCHEMA_HEAD, upgrade
from jobcrawl.export.manifest import jobcrawl_version, redacted_command
from tests.utils.exports import JOBS, export, fill
from tests.utils.paths import ROOT
from tests.utils.scrapy import run_scrapy


def manifest_of(output: Path) -> dict[str, Any]:
    return json.loads(output.with_name(output.name + ".manifest.json").read_text("utf-8"))


def entry(path: Path, name: str) -> dict[str, Any]:
    data = path.read_bytes()
    return {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def verify(path: Path) -> subprocess.CompletedProcess[str]:
    return run_scrapy("export", "--verify", str(path))


@pytest.fixture
def migrated_sqlite(sqlite_url: str) -> str:
    upgrade(sqlite_url)  # a real schema: the manifest records its Alembic revision
    fill(sqlite_url, JOBS)
    return sqlite_url


def test_manifest_records_command_filters_counts_versions_and_hashes(
    migrated_sqlite: str, tmp_path: Path
) -> None:
    path = tmp_path / "jobs.csv"
    args = ["--format", "csv", "-o", str(path), "--source", "lever:zeta",
            "--source", "greenhouse:acme", "--since", "2026-11-01", "--fields", "webindex,title"]

    result = export(migrated_sqlite, *args)

    assert result.returncode == 0, result.stderr
    manifest = manifest_of(path)
    created_at = manifest.pop("created_at")
    version = manifest.pop("jobcrawl_version")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created_at)
    assert version == jobcrawl_version()
    assert manifest == {
        "manifest_version": 1,
        "command": ["scrapy", "export", *args, "-s", f"JOBCRAWL_DATABASE_URL={migrated_sqlite}"],
        "format": "csv",
        "output": "jobs.csv",
        "fields": ["webindex", "title"],
        "excel": False,
        "filters": {"sources": ["lever:zeta", "greenhouse:acme"], "categories": [],
                    "since": "2026-11-01", "until": None, "active_on": None,
                    "sample": None, "seed": None, "limit": None},
        "order": ["source", "webindex"],
        "row_count": 4,
        "skipped_rows": 0,
        "database": migrated_sqlite,
        "schema_version": SCHEMA_HEAD,
        "schema_head": SCHEMA_HEAD,
        "crawl_runs": ["run-2026-11-20", "run-2026-11-25"],
        "sources": ["greenhouse:acme", "lever:zeta"],
        "file_count": 1,
        "total_size": path.stat().st_size,
        "files": [entry(path, "jobs.csv")],
    }


def test_jobcrawl_version_is_the_git_revision_of_this_checkout() -> None:
    dirty = "+dirty" if git("status", "--porcelain") else ""

    assert jobcrawl_version() == git("rev-parse", "HEAD") + dirty


def test_corpus_manifest_lists_every_file_and_only_the_covered_runs(
    migrated_sqlite: str, tmp_path: Path
) -> None:
    path = tmp_path / "corpus"

    result = export(migrated_sqlite, "--format", "corpus", "-o", str(path), "--source",
                    "greenhouse:acme")

    assert result.returncode == 0, result.stderr
    manifest = manifest_of(path)
    files = sorted(p for p in path.rglob("*") if p.is_file())
    assert manifest["files"] == [entry(p, f"corpus/{p.relative_to(path).as_posix()}")
                                 for p in files]
    assert manifest["fields"] is None
    assert (manifest["row_count"], manifest["file_count"]) == (2, 2)
    assert manifest["crawl_runs"] == ["run-2026-11-20"]  # the other ad has no run (None)
    assert manifest["total_size"] == sum(p.stat().st_size for p in files)


def test_command_line_passwords_are_masked() -> None:
    argv = ["scrapy", "export", "-s",
            "JOBCRAWL_DATABASE_URL=postgresql+psycopg://user:s3cr:et@db.example:5432/jobs",
            "-o", "x.csv"]

    assert redacted_command(argv) == [
        "scrapy", "export", "-s",
        "JOBCRAWL_DATABASE_URL=postgresql+psycopg://user:***@db.example:5432/jobs",
        "-o", "x.csv"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "jobposting", "corpus"])
def test_verify_accepts_an_untouched_export_by_output_or_manifest(
    migrated_sqlite: str, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"jobs-{fmt}"
    assert export(migrated_sqlite, "--format", fmt, "-o", str(path)).returncode == 0
    files = 4 if fmt == "corpus" else 1

    by_output = verify(path)
    by_manifest = verify(path.with_name(path.name + ".manifest.json"))

    for result in (by_output, by_manifest):
        assert result.returncode == 0, result.stderr
        assert result.stdout == (f"verified {files} files against {path}.manifest.json: "
                                 "sizes and SHA-256 match\n")


@pytest.fixture
def corpus(migrated_sqlite: str, tmp_path: Path) -> Path:
    path = tmp_path / "corpus"
    assert export(migrated_sqlite, "--format", "corpus", "-o", str(path)).returncode == 0
    return path


def test_verify_reports_a_changed_byte(corpus: Path) -> None:
    target = corpus / "IT Jobs" / "Job_00001.txt"
    data = target.read_bytes()
    target.write_bytes(data[:-1] + b"?")  # same size, other content

    result = verify(corpus)

    assert result.returncode == 1
    assert result.stdout == (
        "SHA-256 differs: corpus/IT Jobs/Job_00001.txt\n"
        f"1 problems with the 4 files listed in {corpus}.manifest.json\n"
    )


def test_verify_reports_missing_resized_and_unlisted_files(corpus: Path) -> None:
    (corpus / "Sales Jobs" / "Job_00001.txt").unlink()
    with (corpus / "IT Jobs" / "Job_00002.txt").open("ab") as f:
        f.write(b" appended")
    (corpus / "IT Jobs" / "Job_00003.txt").write_text("Title: planted")

    result = verify(corpus)

    assert result.returncode == 1
    size = len((corpus / "IT Jobs" / "Job_00002.txt").read_bytes())
    assert result.stdout.splitlines() == [
        f"size differs: corpus/IT Jobs/Job_00002.txt has {size} bytes, the manifest says "
        f"{size - len(b' appended')}",
        "missing: corpus/Sales Jobs/Job_00001.txt",
        "not in the manifest: corpus/IT Jobs/Job_00003.txt",
        f"3 problems with the 4 files listed in {corpus}.manifest.json",
    ]


def test_verify_of_a_single_file_export_reports_a_tampered_file(
    migrated_sqlite: str, tmp_path: Path
) -> None:
    path = tmp_path / "jobs.jsonl"
    assert export(migrated_sqlite, "-o", str(path)).returncode == 0
    path.write_bytes(path.read_bytes().replace(b"Zeta", b"Zeda"))

    result = verify(path)

    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "SHA-256 differs: jobs.jsonl"


def test_verify_refuses_paths_outside_the_manifest_folder(tmp_path: Path) -> None:
    manifest = tmp_path / "evil.manifest.json"
    manifest.write_text(json.dumps({"output": "evil", "files": [
        {"path": "../outside.txt", "size": 1, "sha256": "0" * 64},
        {"path": "/etc/passwd", "size": 1, "sha256": "0" * 64},
    ]}))

    result = verify(manifest)

    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == ["unsafe path in the manifest: ../outside.txt",
                                              "unsafe path in the manifest: /etc/passwd"]


@pytest.mark.parametrize("content", [None, "not json", '{"files": 3}'])
def test_verify_without_a_readable_manifest_fails(tmp_path: Path, content: str | None) -> None:
    output = tmp_path / "jobs.csv"
    output.write_text("a,b\r\n")
    manifest = tmp_path / "jobs.csv.manifest.json"
    if content is not None:
        manifest.write_text(content)

    result = verify(output)

    assert result.returncode == 1
    expected = (f"no manifest at {manifest}" if content is None
                else f"{manifest} is not a jobcrawl export manifest")
    assert expected in result.stderr
