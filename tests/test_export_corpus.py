"""`scrapy export --format corpus`: hostile category names stay inside, stable order, skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jobcrawl.export.corpus import parse_record, safe_path_part
from jobcrawl.export.manifest import FileEntry
from jobcrawl.export.writers import CorpusWriter, Skipped
from tests.utils.exports import export, fill, job

HOSTILE = ["../../etc", "a/b", "\x00", "CON", "", "..", ".", "a\\b", "nul.txt", "x" * 300,
           "/absolute", "Sales\nJobs", "\u202egpj.exe", "Café & Bar ☕", None]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_hostile_categories_never_leave_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "corpus"
    out.mkdir(parents=True)
    entries: list[FileEntry] = []
    writer = CorpusWriter(out, "corpus", entries.append, lambda row: pytest.fail(str(row)))
    rows = [(category, f"Job {i}", f"w{i}", None, f"Text {i}", "s")
            for i, category in enumerate(HOSTILE)]

    written = writer.write(rows)

    assert written == len(HOSTILE)
    found = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(found) == len(HOSTILE)
    for path in found:
        assert path.resolve().is_relative_to(out.resolve())
        assert path.parent.parent == out  # exactly one folder level: <category>/<file>
    folders = {path.parent.name for path in found}
    assert folders == {safe_path_part(category) for category in HOSTILE}
    assert all(len(name.encode()) <= 255 and "/" not in name and "\x00" not in name
               for name in folders)
    assert "Uncategorised" in folders and "_CON" in folders
    assert [e.path for e in entries][:2] == ["corpus/_.._etc/Job_00001.txt",
                                             "corpus/a_b/Job_00001.txt"]


def test_categories_that_become_one_folder_share_its_numbering(tmp_path: Path) -> None:
    entries: list[FileEntry] = []
    writer = CorpusWriter(tmp_path, "c", entries.append, lambda row: None)
    rows = [("a/b", "T1", "1", None, "x", "s"), ("a_b", "T2", "2", None, "y", "s"),
            (None, "T3", "3", None, "z", "s"), ("", "T4", "4", None, "w", "s")]

    writer.write(rows)

    assert [e.path for e in entries] == ["c/a_b/Job_00001.txt", "c/a_b/Job_00002.txt",
                                         "c/Uncategorised/Job_00001.txt",
                                         "c/Uncategorised/Job_00002.txt"]


def test_export_of_hostile_categories_round_trips_every_record(
    sqlite_url: str, tmp_path: Path
) -> None:
    jobs = [job("greenhouse:acme", f"{i:02d}", category=category, title=f"Title  {i}  ",
                company="Ünïcorn, Ltd" if i % 2 else None, description=f"Para {i}.\n\nTwo  spaces.")
            for i, category in enumerate(HOSTILE)]
    fill(sqlite_url, jobs)
    out = tmp_path / "exports" / "corpus"

    result = export(sqlite_url, "--format", "corpus", "-o", str(out))

    assert result.returncode == 0, result.stderr
    files = tree(out)
    assert len(files) == len(jobs)
    records = {parse_record(data.decode()).webindex: (name, parse_record(data.decode()))
               for name, data in files.items()}
    for values in jobs:
        name, record = records[values["webindex"]]
        assert name.split("/")[0] == safe_path_part(values["category"])
        assert (record.title, record.company, record.description) == (
            values["title"], values["company"], values["description"])
    escaped = [p for p in tmp_path.rglob("*") if not p.resolve().is_relative_to(tmp_path)]
    assert escaped == []
    assert sorted(p.name for p in out.parent.iterdir()) == ["corpus", "corpus.manifest.json"]


def test_numbering_is_stable_whatever_order_the_rows_were_stored_in(tmp_path: Path) -> None:
    jobs = [job(f"lever:b{i % 3}", f"{i:03d}", category=f"Cat {i % 2}") for i in range(30)]
    urls = [f"sqlite:///{tmp_path / name}" for name in ("one.db", "two.db")]
    fill(urls[0], jobs)
    fill(urls[1], jobs[::-1])

    outs = [tmp_path / "one", tmp_path / "two"]
    for url, out in zip(urls, outs, strict=True):
        assert export(url, "--format", "corpus", "-o", str(out)).returncode == 0

    assert tree(outs[0]) == tree(outs[1])
    assert tree(outs[0])["Cat 0/Job_00001.txt"].startswith(b"Title: Job 000\nWebindex: 000\n")


def test_ads_the_format_cannot_hold_are_reported_and_skipped(
    sqlite_url: str, tmp_path: Path
) -> None:
    fill(sqlite_url, [job("greenhouse:acme", "ok"),
                      job("greenhouse:acme", "bad", title="Two\nlines"),
                      job("greenhouse:acme", "", title="No webindex")])
    out = tmp_path / "corpus"

    result = export(sqlite_url, "--format", "corpus", "-o", str(out))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"exported 1 jobs to {out} (corpus)",
        "skipped 2 jobs the corpus format cannot hold (listed on stderr)",
        f"manifest {out}.manifest.json",
    ]
    assert result.stderr.splitlines() == [
        "skipped greenhouse:acme : Webindex is empty",
        "skipped greenhouse:acme bad: Title contains a line break: 'Two\\nlines'",
    ]
    assert list(tree(out)) == ["Uncategorised/Job_00001.txt"]


def test_a_new_export_replaces_an_earlier_corpus_export(sqlite_url: str, tmp_path: Path) -> None:
    fill(sqlite_url, [job("greenhouse:acme", "a", category="Old")])
    out = tmp_path / "corpus"
    assert export(sqlite_url, "--format", "corpus", "-o", str(out)).returncode == 0
    new_url = f"sqlite:///{tmp_path / 'new.db'}"
    fill(new_url, [job("greenhouse:acme", "b", category="New")])

    result = export(new_url, "--format", "corpus", "-o", str(out))

    assert result.returncode == 0, result.stderr
    assert list(tree(out)) == ["New/Job_00001.txt"]
    assert sorted(os.listdir(tmp_path)) == ["corpus", "corpus.manifest.json", "jobs.db",
                                            "new.db"]


@pytest.mark.parametrize("existing", ["folder", "file"])
def test_an_existing_folder_that_is_no_export_is_never_touched(
    sqlite_url: str, tmp_path: Path, existing: str
) -> None:
    fill(sqlite_url, [job("greenhouse:acme", "a")])
    out = tmp_path / "precious"
    if existing == "folder":
        out.mkdir()
        (out / "thesis.tex").write_text("years of work")
    else:
        out.write_text("years of work")

    result = export(sqlite_url, "--format", "corpus", "-o", str(out))

    assert result.returncode == 1
    message = ("is a folder that is not an earlier corpus export" if existing == "folder"
               else "is a file; the corpus format writes a folder")
    assert f"export failed: {out} {message}" in result.stderr
    assert (out / "thesis.tex" if existing == "folder" else out).read_text() == "years of work"
    assert sorted(os.listdir(tmp_path)) == ["jobs.db", "precious"]


def test_skipped_rows_are_counted_in_the_manifest(tmp_path: Path) -> None:
    skipped: list[Skipped] = []
    writer = CorpusWriter(tmp_path, "c", lambda entry: None, skipped.append)

    written = writer.write([("IT", "Bad\rtitle", "w1", None, "d", "src")])

    assert written == 0
    assert skipped == [Skipped("src", "w1", "Title contains a line break: 'Bad\\rtitle'")]
