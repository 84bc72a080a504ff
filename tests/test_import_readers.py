"""Import readers without a database: corpus folders and Adzuna CSV -> whole items, Problems."""

from __future__ import annotations

import importlib
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.export.corpus import render_record
from jobcrawl.importers import Ad, Problem, check_ad, storage_problem
from jobcrawl.importers.adzuna_csv import read_adzuna_csv, row_to_item
from jobcrawl.importers.corpus_folder import FileCount, read_corpus
from jobcrawl.importers.load import FORMATS, default_source, detect_format, read_entries
from jobcrawl.items import JobItem
from tests.utils.paths import FIXTURES

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SOURCE = "import:test"
ADZUNA_CSV = FIXTURES / "import" / "adzuna_sample.csv"


def item(**values: Any) -> dict[str, Any]:
    """The whole JobItem an import reader builds: no URL, dates unknown, scraped at T0."""
    return asdict(JobItem(source=SOURCE, url="", scraped_at=T0, **values))


def entries(found: list[Ad | Problem]) -> list[tuple[str, int | None, Any]]:
    """(path, line, whole item or problem) for exact comparison."""
    return [
        (e.path, e.line, asdict(e.item)) if isinstance(e, Ad) else (e.path, e.line, e)
        for e in found
    ]


# --- Adzuna CSV ---------------------------------------------------------------------------

CHEF_DESCRIPTION = (
    'Our client, a  ****  hotel in Mayfair, is looking for a "hands-on" Chef de Partie.\n\n'
    "Duties:\n- fresh pasta &amp; sauces\n- training commis chefs\n\n"
    "Closing Date: 10th February 2013 "
)


def test_adzuna_csv_rows_become_whole_items_and_bad_rows_problems() -> None:
    shown = os.fsdecode(ADZUNA_CSV)
    found = list(read_adzuna_csv(ADZUNA_CSV, source=SOURCE, scraped_at=T0))
    assert entries(found) == [
        (shown, 2, item(
            webindex="12612628", title="Engineering Systems Analyst",
            company="Gregory Martin International", location="Dorking Surrey",
            category="Engineering Jobs", contract_type="permanent",
            description=(
                "Engineering Systems Analyst Dorking Surrey Salary ****K Our client is located "
                "in Dorking, Surrey and are looking for Engineering Systems Analyst our client "
                "provides specialist software development Keywords Mathematical Modelling, Risk "
                "Analysis, System Modelling, Optimisation, MISER, PIONEEER Engineering Systems "
                "Analyst Dorking Surrey Salary ****K"
            ),
            salary_raw="20000 - 30000/annum 20-30K", salary_min=20000.0, salary_max=30000.0,
            salary_currency="GBP", salary_period="year",
        )),
        # Quotes doubled inside quoted cells, a cell over eight lines: the row starts on line 3.
        (shown, 3, item(
            webindex="68694520", title='Chef de Partie "Fresh Pasta" Section',
            company='The Savoy, "Fairmont" Hotels', location="Mayfair London",
            category="Hospitality & Catering Jobs", contract_type="permanent",
            contract_time="full_time", description=CHEF_DESCRIPTION,
            salary_raw="£8.50 per hour", salary_min=8.5, salary_max=8.5,
            salary_currency="GBP", salary_period="hour",
        )),
        (shown, 10, item(
            webindex="71234567", title="Care Assistant  Nights", location="Bristol South West",
            category="Healthcare & Nursing Jobs", contract_type="contract",
            contract_time="part_time",
            description=(
                "Care Assistant required for nights in a small residential home.  "
                "Flexible hours. "
            ),
            salary_raw="Up to 9,000 per annum", salary_max=9000.0,
            salary_currency="GBP", salary_period="year",
        )),
        # "Competitive" has no figure: SalaryNormalized is the annual pay in pounds.
        (shown, 11, item(
            webindex="70000001", title="Graduate Trainee Accountant",
            company="Smith & Williamson", location="UK", category="Accounting & Finance Jobs",
            description="Join our graduate scheme: ACA training and full study support.",
            salary_raw="Competitive", salary_min=27500.0, salary_max=27500.0,
            salary_currency="GBP", salary_period="year",
        )),
        (shown, 12, item(
            webindex="70000002", title="Warehouse Operative", company="Wincanton",
            location="Daventry", category="Logistics & Warehouse Jobs",
            description="Day shifts, Monday to Friday.",
        )),
        (shown, 13, Problem(shown, 13, "wrong_field_count", "4 fields, the header has 12")),
        (shown, 14, Problem(shown, 14, "missing_id", "the Id cell is empty")),
        (shown, 15, Problem(shown, 15, "missing_title", "Id 70000005: the Title cell is empty")),
        # The 0xe9 byte (Latin-1 "é") is kept as a surrogate; storage_problem() rejects it.
        (shown, 16, item(
            webindex="70000006", title="Barista", company="Coffee Co", location="Leeds",
            category="Hospitality & Catering Jobs", contract_time="part_time",
            description="Great caf\udce9 in Leeds city centre",
        )),
        (shown, 17, item(
            webindex="70000007", title="Développeur Python – München",
            company="Société Générale", location="München", category="IT Jobs",
            contract_type="permanent", contract_time="full_time",
            description=(
                "Wir suchen Entwickler:innen für München.\r\nGehalt: €60.000 - €70.000 p.a."
            ),
            salary_raw="€60.000 - €70.000 p.a.", salary_min=60000.0, salary_max=70000.0,
            salary_currency="EUR", salary_period="year",
        )),
        (shown, 19, item(
            webindex="70000007", title="Duplicate of the row above", location="Munich",
            category="IT Jobs", description="Same Id again: the first one stays",
        )),
    ]  # fmt: skip
    barista = found[8]
    assert isinstance(barista, Ad)
    assert storage_problem(barista) == Problem(
        shown, 16, "undecodable", "description is not valid UTF-8"
    )


def test_csv_category_option_replaces_the_category_column() -> None:
    row = {"Id": "1", "Title": "Nurse", "Category": "Healthcare & Nursing Jobs"}
    found = row_to_item(row, source=SOURCE, scraped_at=T0, category="Nursing")
    assert asdict(found) == item(webindex="1", title="Nurse", category="Nursing")


def test_csv_without_salary_columns_reads_like_the_competition_test_file() -> None:
    row = {"Id": "9", "Title": "Nurse", "FullDescription": "Nights.", "LocationNormalized": "UK",
           "ContractType": "part_time", "ContractTime": "", "Company": " "}
    found = row_to_item(row, source=SOURCE, scraped_at=T0)
    assert asdict(found) == item(webindex="9", title="Nurse", description="Nights.",
                                 location="UK", contract_time="part_time")


def test_csv_with_a_byte_order_mark_and_lf_lines(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfId,Title,FullDescription\n1,Nurse,Nights\n\n2,Porter,Days\n")
    found = list(read_adzuna_csv(path, source=SOURCE, scraped_at=T0))
    assert entries(found) == [
        (str(path), 2, item(webindex="1", title="Nurse", description="Nights")),
        (str(path), 4, item(webindex="2", title="Porter", description="Days")),
    ]


@pytest.mark.parametrize(
    ("content", "detail"),
    [(b"", "empty file"), (b"Title,Description\nA,B\n", "no Id column in header"),
     (b"job_id;title\n1;A\n", "no Id, Title column in header")],
)
def test_csv_without_id_and_title_columns_is_one_problem(
    tmp_path: Path, content: bytes, detail: str
) -> None:
    path = tmp_path / "other.csv"
    path.write_bytes(content)
    found = list(read_adzuna_csv(path, source=SOURCE, scraped_at=T0))
    assert found == [Problem(str(path), 1, "not_adzuna_csv", detail)]


def test_csv_description_longer_than_the_csv_module_default_is_read(tmp_path: Path) -> None:
    description = "x" * 300_000
    path = tmp_path / "long.csv"
    path.write_text(f'Id,Title,FullDescription\n1,Long,"{description}"\n', encoding="utf-8")
    found = list(read_adzuna_csv(path, source=SOURCE, scraped_at=T0))
    assert entries(found) == [
        (str(path), 2, item(webindex="1", title="Long", description=description))
    ]


# --- text corpus folders ------------------------------------------------------------------


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_corpus_folder_category_is_the_folder_holding_the_file(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    seed = (FIXTURES / "Job_seed.txt").read_bytes()
    write(root / "IT Jobs" / "Job_00001.txt", seed)
    write(root / "2013" / "Accounting & Finance Jobs" / "Job_00002.txt",
          render_record("Accountant", "2", "Smith & Co", "Para one.\n\nPara two. "))
    write(root / "Uncategorised" / "Job_00003.txt", render_record("Porter", "3", None, "Days"))
    write(root / "Job_00004.txt", render_record("At the top", "4", "", "No category"))
    write(root / "manifest.json", "{}")
    write(root / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    write(root / "IT Jobs" / "._Job_00001.txt", b"\x00\x05\x16\x07 resource fork")
    count = FileCount()
    found = list(read_corpus(root, source=SOURCE, scraped_at=T0, count=count))
    seed_text = seed.decode("utf-8")
    assert entries(found) == [
        (str(root / "Job_00004.txt"), 1,
         item(webindex="4", title="At the top", company="", description="No category")),
        (str(root / "2013" / "Accounting & Finance Jobs" / "Job_00002.txt"), 1,
         item(webindex="2", title="Accountant", company="Smith & Co",
              category="Accounting & Finance Jobs", description="Para one.\n\nPara two. ")),
        (str(root / "IT Jobs" / "Job_00001.txt"), 1,
         item(webindex="72119477", title="IT Project Manager  Infrastructure",
              category="IT Jobs", description=seed_text.split("Description: ", 1)[1])),
        # The folder export writes for ads without a category reads back as none.
        (str(root / "Uncategorised" / "Job_00003.txt"), 1,
         item(webindex="3", title="Porter", description="Days")),
    ]
    assert (count.read, count.ignored) == (4, 3)


def test_corpus_category_option_replaces_folder_names(tmp_path: Path) -> None:
    write(tmp_path / "c" / "IT Jobs" / "Job_1.txt", render_record("Dev", "1", None, "x"))
    write(tmp_path / "c" / "Job_2.txt", render_record("Ops", "2", None, "y"))
    found = list(read_corpus(tmp_path / "c", source=SOURCE, scraped_at=T0, category="Tech"))
    assert [asdict(e.item) for e in found if isinstance(e, Ad)] == [
        item(webindex="2", title="Ops", category="Tech", description="y"),
        item(webindex="1", title="Dev", category="Tech", description="x"),
    ]


def test_single_corpus_file_has_no_category(tmp_path: Path) -> None:
    path = write(tmp_path / "IT Jobs" / "Job_1.txt", render_record("Dev", "1", None, "x"))
    found = list(read_corpus(path, source=SOURCE, scraped_at=T0))
    assert entries(found) == [(str(path), 1, item(webindex="1", title="Dev", description="x"))]


def test_bad_corpus_files_are_problems_with_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "c"
    write(root / "Job_1.txt", "Title: A\nWebindex: 1\nLocation: Leeds\nDescription: x")
    write(root / "Job_2.txt", b"Title: Caf\xe9\nWebindex: 2\nDescription: x")
    write(root / "Job_3.txt", b"Title: A\nWebindex: 3\nDescription: \xc3")
    write(root / "Job_4.txt", "Title: A\r\nWebindex: 4\r\nDescription: x")
    write(root / "Job_5.txt", "")
    found = list(read_corpus(root, source=SOURCE, scraped_at=T0))
    assert found == [
        Problem(str(root / "Job_1.txt"), 3, "malformed",
                "expected 'Company: ' or 'Description: ', found 'Location: Leeds'"),
        Problem(str(root / "Job_2.txt"), 1, "undecodable", "byte 0xe9 at offset 10 is not UTF-8"),
        Problem(str(root / "Job_3.txt"), 3, "undecodable", "byte 0xc3 at offset 34 is not UTF-8"),
        Problem(str(root / "Job_4.txt"), 1, "malformed",
                "ends with CR LF; the text corpus format uses LF line ends"),
        Problem(str(root / "Job_5.txt"), 1, "malformed", "expected 'Title: ', found end of file"),
    ]


def test_storage_problems_are_found_before_writing() -> None:
    def ad(**values: Any) -> Ad:
        return Ad(JobItem(**{"source": SOURCE, "title": "T", "description": "D", **values}),
                  "f.txt", 1)

    assert storage_problem(ad(webindex="1")) is None
    # A NUL or another control character is removed and the ad kept (PostgreSQL rejects NUL).
    nul = ad(webindex="1\x00", company="A\x00B\x1f", description="Tab\tline\nCR\r\x7f")
    assert check_ad(nul) == (None, ["webindex", "company", "description"])
    assert (nul.item.webindex, nul.item.company, nul.item.description) == (
        "1", "AB", "Tab\tline\nCR\r")
    assert check_ad(ad(webindex="\x00\x01")) == (
        Problem("f.txt", 1, "missing_id", "the id holds only control characters"), ["webindex"])
    assert storage_problem(ad(webindex="2", title="\x00")) == Problem(
        "f.txt", 1, "missing_title", "Id 2: the title holds only control characters")
    assert storage_problem(ad(webindex="9" * 256)) == Problem(
        "f.txt", 1, "field_too_long",
        "webindex has 256 characters, the database keeps at most 255")
    assert storage_problem(ad(webindex="1", category="Jobs \udcff")) == Problem(
        "f.txt", 1, "undecodable", "category is not valid UTF-8")


# --- formats and sources ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("Job_1.txt", b"anything", "corpus"),
        ("Train_rev1.csv", b"anything", "adzuna-csv"),
        ("Job_1", b"Title: A\nWebindex: 1\nDescription: x", "corpus"),
        ("data", b'\xef\xbb\xbf"Id","Title","FullDescription"\r\n1,A,B', "adzuna-csv"),
    ],
)
def test_auto_format_from_name_or_content(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    assert detect_format(write(tmp_path / name, content), "auto") == expected


def test_auto_format_of_a_folder_is_corpus_and_an_explicit_format_wins(tmp_path: Path) -> None:
    assert detect_format(tmp_path, "auto") == "corpus"
    assert detect_format(tmp_path, "adzuna-csv") == "adzuna-csv"


def test_unknown_content_needs_an_explicit_format(tmp_path: Path) -> None:
    path = write(tmp_path / "data.bin", b"\x00\x01")
    with pytest.raises(ValueError, match=r"cannot tell the format of .*data\.bin: give --format"):
        detect_format(path, "auto")


def test_default_source_names_the_folder_or_file(tmp_path: Path) -> None:
    assert default_source(write(tmp_path / "Train_rev1.csv", b"")) == "import:Train_rev1.csv"
    assert default_source(tmp_path / "corpus" / ".." / "corpus") == "import:corpus"


def test_csv_format_on_a_folder_reads_every_csv_file(tmp_path: Path) -> None:
    write(tmp_path / "2012" / "Train.csv", "Id,Title,FullDescription\n1,Nurse,Nights\n")
    write(tmp_path / "2013" / "Valid.csv", "Id,Title,FullDescription\n2,Porter,Days\n")
    write(tmp_path / "README.txt", "not data")
    files = FileCount()
    found = list(read_entries(tmp_path, "adzuna-csv", source=SOURCE, scraped_at=T0,
                              category=None, files=files))
    assert [asdict(e.item) for e in found if isinstance(e, Ad)] == [
        item(webindex="1", title="Nurse", description="Nights"),
        item(webindex="2", title="Porter", description="Days"),
    ]
    assert (files.read, files.ignored) == (2, 1)


def test_command_offers_the_formats_the_readers_know() -> None:
    command = importlib.import_module("jobcrawl.commands.import")
    assert command.FORMAT_CHOICES == FORMATS


def test_folder_that_cannot_be_listed_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    found = list(read_corpus(missing, source=SOURCE, scraped_at=T0))
    assert found == [Problem(str(missing), None, "unreadable", "No such file or directory")]
