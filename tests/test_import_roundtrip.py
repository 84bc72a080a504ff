"""Round trip: `scrapy import` of a text corpus, `scrapy export --format corpus`, same bytes."""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.upsert import upsert_jobs
from jobcrawl.export.corpus import FILE_NAME_RE, UNCATEGORISED, render_record, safe_path_part
from jobcrawl.extract.storable import storable_text
from jobcrawl.items import JobItem
from tests.utils.paths import FIXTURES
from tests.utils.scrapy import run_scrapy

SOURCE = "import:roundtrip"
CATEGORIES = [
    "IT Jobs", "Accounting & Finance Jobs", "Hospitality & Catering Jobs",
    "Healthcare & Nursing Jobs", "Santé & Soins – Jobs", "求人 エンジニア",
    "Jobs (UK) #1, 'quoted' + 100%", UNCATEGORISED,
]  # fmt: skip
TITLES = [
    "IT Project Manager  Infrastructure", "C++/C# Developer (m/w/d) – £45k!!",
    "Chef de Partie ***** Hotel", "Nurse – RGN/RMN  Nights", "Développeuse Full-Stack",
    'Sales Exec; Field-based, "OTE" £40k', "Teacher:  Maths (KS3/KS4)?", "  Leading spaces",
    "Trailing spaces  ", "Title: in the title", "Tab\tin title", "Emoji 🚀 Engineer",
    "Ünïcødé Ŧîŧłë", "...dots...", "Description: odd title",
]  # fmt: skip
COMPANIES = [
    None, None, None, "", "O'Brien & Sons, Ltd.", "Société Générale", "株式会社テスト",
    "Company: Inc", "  spaced  out  ", "ACME\u00a0Corp",
]  # fmt: skip
PARAGRAPHS = [
    "Our Information Management team, ****30strong over two sites, has a hugely important part.",
    "We ll invest in your personal and professional development  (double spaces kept).",
    "Salary: £28,000 - £32,000 per annum + benefits; apply now!!!",
    "Closing Date: 10th February 2013",
    "Description: this line starts like a header",
    "Title: so does this one\nWebindex: and this",
    "fresh pasta &amp; sauces &lt;b&gt;not HTML&lt;/b&gt;",
    "Wir suchen Entwickler:innen für München – Gehalt €60.000 p.a.",
    "日本語の説明。改行もあります。",
    "trailing spaces   ",
    "\ttab indented\tand\ttabbed",
    "windows line\r\nend inside",
    "emoji 🚀✨ and a zero\u200bwidth space",
]  # fmt: skip
WEBINDEX_STYLES = ["{n}", "{n}", "{n}", "gh-{n}", "a.b_c-{n}", "ümlaut-{n}", "Z {n}"]


def description(rng: random.Random, number: int) -> str:
    roll = rng.random()
    if roll < 0.03:
        return ""
    if roll < 0.06:
        return " ".join(rng.choices(PARAGRAPHS, k=3000))  # ~150 kB
    text = "\n\n".join(rng.choices(PARAGRAPHS, k=rng.randint(1, 6)))
    if rng.random() < 0.2:
        text += rng.choice(["\n", "\n\n", " ", "\r\n"])
    return f"{text} #{number}"


def build_corpus(root: Path, count: int, seed: int = 4) -> dict[str, Counter[bytes]]:
    """`count` varied corpus files plus the seed record; folder name -> file contents."""
    rng = random.Random(seed)
    seed_record = (FIXTURES / "Job_seed.txt").read_bytes()
    files: list[tuple[str, bytes]] = [("IT Jobs", seed_record)]
    for number in range(1, count + 1):
        webindex = rng.choice(WEBINDEX_STYLES).format(n=60_000_000 + number)
        text = render_record(rng.choice(TITLES), webindex, rng.choice(COMPANIES),
                             description(rng, number))
        files.append((rng.choice(CATEGORIES), text.encode("utf-8")))
    for number, (folder, data) in enumerate(files, start=1):
        path = root / folder / f"Job_{number:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return corpus_contents(root)


def corpus_contents(root: Path) -> dict[str, Counter[bytes]]:
    """Folder (relative to root) -> multiset of its *.txt files' bytes; other files ignored."""
    found: dict[str, Counter[bytes]] = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".txt"):
                relative = os.path.relpath(folder, root)
                found.setdefault(relative, Counter())[(Path(folder) / name).read_bytes()] += 1
    return found


def export_corpus(url: str, out: Path, source: str) -> None:
    result = run_scrapy("export", "--format", "corpus", "-o", str(out), "--source", source,
                        "-s", f"JOBCRAWL_DATABASE_URL={url}")
    assert result.returncode == 0, result.stderr


def import_corpus(url: str, root: Path, source: str) -> dict[str, object]:
    result = run_scrapy("import", str(root), "--source", source, "--json",
                        "-s", f"JOBCRAWL_DATABASE_URL={url}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_generated_corpus_is_varied(tmp_path: Path) -> None:
    """The corpus the round trip uses holds the cases it is meant to prove."""
    contents = build_corpus(tmp_path / "in", 300)
    files = [data for counter in contents.values() for data in counter.elements()]
    assert len(files) == 301
    assert set(contents) == set(CATEGORIES)
    joined = b"\x00".join(files)
    needles = [b"  ", b"\r\n", b"\n\n", "🚀".encode(), "München".encode(), b"\nCompany: \n",
               b"\nDescription: Description: ", b"Title:   Leading", b"Title: Tab\tin"]
    for needle in needles:
        assert needle in joined, needle
    assert any(len(data) > 100_000 for data in files)
    assert any(data.endswith(b"Description: ") for data in files)
    assert sum(b"\nCompany: " not in data for data in files) > 50


def test_import_then_export_reproduces_every_file(database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    originals = build_corpus(tmp_path / "in", 300)
    summary = import_corpus(database_url, tmp_path / "in", SOURCE)
    assert (summary["imported"], summary["skipped"]) == (301, 0)
    out = tmp_path / "out"
    export_corpus(database_url, out, SOURCE)
    assert corpus_contents(out) == originals
    for _folder, _dirs, files in os.walk(out):
        assert all(FILE_NAME_RE.match(name) for name in files if name.endswith(".txt"))
    # Importing the export again finds every ad already there.
    again = import_corpus(database_url, out, SOURCE)
    assert (again["imported"], again["already_present"]) == (0, 301)


HOSTILE_FOLDERS = ["a\\b", " spaced ", "CON", "x\x01y", "..a", "line\nbreak", "nul.txt"]
# Names no folder can have; they reach the database through a crawl.
HOSTILE_CRAWLED = ["../../etc", "a/b", "/abs", "", ".", "..", "é" * 300]


def test_hostile_categories_export_inside_the_folder(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    root = tmp_path / "in"
    expected: dict[str, Counter[bytes]] = {}
    for number, name in enumerate(HOSTILE_FOLDERS, start=1):
        data = render_record(f"Job {number}", str(number), None, f"x{number}").encode()
        (root / name).mkdir(parents=True)
        (root / name / "Job_00001.txt").write_bytes(data)
        # The import removes control characters ("x\x01y" is stored as "xy").
        expected.setdefault(safe_path_part(storable_text(name)), Counter())[data] += 1
    import_corpus(sqlite_url, root, SOURCE)
    crawled = []
    for number, name in enumerate(HOSTILE_CRAWLED, start=100):
        crawled.append(JobItem(source=SOURCE, webindex=str(number), url=f"https://x/{number}",
                               title=f"Job {number}", description="y", category=name,
                               scraped_at=datetime(2026, 11, 1, tzinfo=UTC)))
        data = render_record(f"Job {number}", str(number), None, "y").encode()
        expected.setdefault(safe_path_part(name or None), Counter())[data] += 1
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        upsert_jobs(connection, crawled, run_id="crawl-1")
    engine.dispose()
    out = tmp_path / "sandbox" / "out"
    export_corpus(sqlite_url, out, SOURCE)
    assert corpus_contents(out) == expected
    # Nothing was written beside or above the output folder.
    assert all(name.startswith("out") for name in os.listdir(tmp_path / "sandbox"))
