"""The text corpus format: exact file text, byte-exact parsing, safe path parts, file names."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from jobcrawl.export.corpus import (
    UNCATEGORISED,
    CorpusFormatError,
    CorpusRecord,
    corpus_file_name,
    parse_record,
    render_record,
    safe_path_part,
)
from tests.utils.paths import FIXTURES

SEED = FIXTURES / "Job_seed.txt"


def test_seed_record_parses_to_its_three_fields() -> None:
    text = SEED.read_bytes().decode("utf-8")
    record = parse_record(text)
    description = text.split("\nDescription: ", 1)[1]
    assert record == CorpusRecord(
        title="IT Project Manager  Infrastructure",
        webindex="72119477",
        company=None,
        description=description,
    )
    assert description.startswith("Our Information Management team, ****30strong over")
    assert description.endswith("Closing Date: 10th February 2013 ")


def test_seed_record_renders_back_byte_for_byte() -> None:
    data = SEED.read_bytes()
    record = parse_record(data.decode("utf-8"))
    rendered = render_record(record.title, record.webindex, record.company, record.description)
    assert rendered.encode("utf-8") == data


def test_render_without_company_is_three_lines_and_no_final_newline() -> None:
    text = render_record("Nurse", "123", None, "Night shifts.")
    assert text == "Title: Nurse\nWebindex: 123\nDescription: Night shifts."


def test_render_with_company_puts_it_between_webindex_and_description() -> None:
    text = render_record("Nurse", "123", "NHS Trust", "Night shifts.")
    assert text == "Title: Nurse\nWebindex: 123\nCompany: NHS Trust\nDescription: Night shifts."


def test_empty_company_is_a_company_line_not_a_missing_one() -> None:
    text = render_record("Nurse", "123", "", "x")
    assert text == "Title: Nurse\nWebindex: 123\nCompany: \nDescription: x"
    assert parse_record(text) == CorpusRecord("Nurse", "123", "", "x")


def test_description_paragraphs_are_written_as_they_are() -> None:
    text = render_record("Chef", "9", None, "First paragraph.\n\nSecond paragraph.")
    assert text == "Title: Chef\nWebindex: 9\nDescription: First paragraph.\n\nSecond paragraph."


ROUND_TRIPS = [
    CorpusRecord("IT Project Manager  Infrastructure", "72119477", None, "Double  spaces  kept"),
    CorpusRecord("Chef de Partie – £8.50/hr!!", "68694520", "The Savoy, \"Fairmont\"", "a\n\nb"),
    CorpusRecord("Développeur  (m/w/d) ", "gh-4012 x", "Société Générale ", "München\r\nZürich "),
    CorpusRecord("Tab\there", "1", None, "\tindented\n  and trailing  \n"),
    CorpusRecord("Quoted", "2", "Company: Inc.", "Description: inside\nDescription: again"),
    CorpusRecord("Empty description", "3", None, ""),
    CorpusRecord("Title: in title", "Webindex: 4", "Description: co", "\n\n\nonly newlines\n\n"),
    CorpusRecord("求人 エンジニア", "５", "株式会社", "日本語の説明。\u2028line separator"),
    CorpusRecord("Emoji 🚀", "6", None, "🚀" * 10 + " \x0b\x0c form feed"),
    CorpusRecord("Long", "7", None, "word " * 40_000),
]


@pytest.mark.parametrize("record", ROUND_TRIPS, ids=lambda r: r.webindex)
def test_parse_is_the_exact_inverse_of_render(record: CorpusRecord) -> None:
    text = render_record(record.title, record.webindex, record.company, record.description)
    assert parse_record(text) == record
    encoded = text.encode("utf-8")
    assert parse_record(encoded.decode("utf-8")) == record


@pytest.mark.parametrize(
    ("title", "webindex", "company", "message"),
    [
        ("", "1", None, "Title is empty"),
        ("Nurse", "", None, "Webindex is empty"),
        ("Two\nlines", "1", None, "Title contains a line break"),
        ("Nurse", "1\r", None, "Webindex contains a line break"),
        ("Nurse", "1", "Acme\nLtd", "Company contains a line break"),
    ],
)
def test_render_refuses_what_would_not_read_back(
    title: str, webindex: str, company: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        render_record(title, webindex, company, "x")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "expected 'Title: ', found end of file"),
        ("Job advert\nWebindex: 1\nDescription: x", 1, "expected 'Title: ', found 'Job advert'"),
        ("\ufeffTitle: A\nWebindex: 1\nDescription: x", 1,
         "starts with a byte-order mark (BOM); expected 'Title: '"),
        ("Title:A\nWebindex: 1\nDescription: x", 1, "expected 'Title: ', found 'Title:A'"),
        ("Title: A", 1, "Title is the last line (no Description follows)"),
        ("Title: \nWebindex: 1\nDescription: x", 1, "Title is empty"),
        ("Title: A\r\nWebindex: 1\r\nDescription: x", 1,
         "ends with CR LF; the text corpus format uses LF line ends"),
        ("Title: A\rB\nWebindex: 1\nDescription: x", 1, "Title contains a carriage return"),
        ("Title: A\nDescription: x", 2, "expected 'Webindex: ', found 'Description: x'"),
        ("Title: A\nWebindex: \nDescription: x", 2, "Webindex is empty"),
        ("Title: A\nWebindex: 1\nCompany: Acme", 3,
         "Company is the last line (no Description follows)"),
        ("Title: A\nWebindex: 1\nDescrption: x", 3,
         "expected 'Company: ' or 'Description: ', found 'Descrption: x'"),
        ("Title: A\nWebindex: 1\nCompany: B\nLocation: x", 4,
         "expected 'Description: ', found 'Location: x'"),
        ("Title: A\nWebindex: 1\n", 3,
         "expected 'Company: ' or 'Description: ', found end of file"),
    ],
)
def test_malformed_record_names_the_line_and_the_problem(text: str, line: int, reason: str) -> None:
    with pytest.raises(CorpusFormatError) as caught:
        parse_record(text)
    assert (caught.value.line, caught.value.reason) == (line, reason)
    assert str(caught.value) == f"line {line}: {reason}"
    assert isinstance(caught.value, ValueError)


SAFE_NAMES = [
    "IT Jobs",
    "Accounting & Finance Jobs",
    "Hospitality & Catering Jobs",
    "Santé & Soins – Jobs",
    "求人 エンジニア",
    "Jobs (UK) #1, 'quoted' + more; 100%",
    "a.b",
    "Uncategorised",
    "x" * 255,
    "é" * 127,  # 254 bytes
    "CONSULTING",  # only the exact device names are reserved
    "com10",
]


@pytest.mark.parametrize("name", SAFE_NAMES)
def test_safe_names_come_back_unchanged(name: str) -> None:
    assert safe_path_part(name) == name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, UNCATEGORISED),
        ("", UNCATEGORISED),
        (".", UNCATEGORISED),
        ("..", UNCATEGORISED),
        ("...", UNCATEGORISED),
        ("  ", UNCATEGORISED),
        ("../../etc", "_.._etc"),
        ("/etc/passwd", "_etc_passwd"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("..\\..\\Windows", "_.._Windows"),
        ("nul\x00byte", "nul_byte"),
        ("line\nbreak\r", "line_break_"),
        ("tab\there\x7f\x85", "tab_here__"),
        ("para\u2029sep", "para_sep"),
        ("gpj\u202eexe.jpg", "gpj_exe.jpg"),
        ('Sales: "UK" <North>|?*', "Sales_ _UK_ _North____"),
        (" .hidden", "hidden"),
        ("trailing dots...", "trailing dots"),
        ("CON", "_CON"),
        ("con", "_con"),
        ("nul.txt", "_nul.txt"),
        ("Lpt9", "_Lpt9"),
        ("COM¹", "_COM¹"),
        ("aux .tar.gz", "_aux .tar.gz"),
    ],
)
def test_hostile_names_become_one_safe_component(name: str | None, expected: str) -> None:
    assert safe_path_part(name) == expected


def test_fallback_is_used_for_nothing_left() -> None:
    assert safe_path_part("..", fallback="Other") == "Other"
    assert safe_path_part(None, fallback="Other") == "Other"


def test_long_names_are_cut_to_255_bytes_and_stay_apart() -> None:
    first, second = "Jobs " + "é" * 200 + " A", "Jobs " + "é" * 200 + " B"
    safe_first, safe_second = safe_path_part(first), safe_path_part(second)
    assert safe_first != safe_second
    for safe in (safe_first, safe_second):
        assert len(safe.encode("utf-8")) <= 255
        assert safe.startswith("Jobs " + "é" * 100)
        assert safe_path_part(safe) == safe
    assert safe_path_part(first) == safe_first  # stable across calls and processes


HOSTILE = [
    "..", ".", "../../etc", "a/b/../../..", "a\\..\\..", "\x00", "x\x00/..", "\n", "/",
    "CON", "nul", "COM1.txt", " . . ", "\u202e..", "é" * 300, "a/" * 200, "\udcff",
    "\x1b[31mred\x1b[0m", "~", "$HOME", "*", "?", "%2e%2e%2f",
]


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_names_never_escape_the_folder(tmp_path: Path, name: str) -> None:
    part = safe_path_part(name)
    assert part not in ("", ".", "..")
    assert not any(char in part for char in "/\\\x00<>:\"|?*")
    assert not any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in part)
    assert len(part.encode("utf-8")) <= 255
    assert safe_path_part(part) == part
    folder = tmp_path / part
    folder.mkdir()
    assert folder.resolve().parent == tmp_path.resolve()
    assert os.listdir(tmp_path) == [part]


def test_file_names_have_five_digits_and_more_when_needed() -> None:
    assert corpus_file_name(1) == "Job_00001.txt"
    assert corpus_file_name(99_999) == "Job_99999.txt"
    assert corpus_file_name(100_000) == "Job_100000.txt"
    assert corpus_file_name(1_234_567) == "Job_1234567.txt"


@pytest.mark.parametrize("number", [0, -1, True, 1.0, "1"])
def test_file_numbers_start_at_one(number: object) -> None:
    with pytest.raises(ValueError, match="corpus file numbers start at 1"):
        corpus_file_name(number)  # type: ignore[arg-type]
