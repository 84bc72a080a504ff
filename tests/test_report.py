"""`scrapy report`: the figures gathered from a hand-made database, the SVG charts, the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import pytest

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.report.build import write_report
from jobcrawl.report.charts import Axis, Series, bar_chart, line_chart
from jobcrawl.report.data import (
    Coverage,
    ReportData,
    ReportOptions,
    RunRow,
    Totals,
    gather,
)
from jobcrawl.report.page import render
from jobcrawl.statistics.counts import PeriodCount
from tests.utils.report import ACME, BOARD, EVIL, IMG, JOBS, NOW, RUNS, SCRIPT, fill
from tests.utils.scrapy import run_scrapy

if TYPE_CHECKING:
    from pathlib import Path

@pytest.fixture
def filled(database_url: str) -> str:
    return fill(database_url, RUNS, JOBS)


def read(url: str, options: ReportOptions) -> ReportData:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return gather(connection, options, database="db", generated_at=NOW, version="v1")
    finally:
        engine.dispose()


def row(number: int, **values: Any) -> RunRow:
    base = RUNS[number - 1]
    fields = {
        "id": base["id"], "spider": base["spider"], "source": base["source"],
        "started": base["started_at"], "duration": "2m00s", "status": base["status"],
        "new": base["items_new"], "updated": base["items_updated"],
        "unchanged": base["items_unchanged"], "touched": base["items_touched"],
        "dropped": base["items_dropped"], "errors": base["errors"],
        "requests": base["requests"], "finish_reason": base["finish_reason"],
        "failed_monitors": (), "sources": base["sources"] or {},
    }
    return RunRow(**{**fields, **values})


def test_gather_reads_exact_figures(filled: str) -> None:
    data = read(filled, ReportOptions())
    assert data.totals == Totals(ads=7, live=6, sources=3)
    assert data.runs == [
        row(4, duration="-"),
        row(5, failed_monitors=(IMG,)),
        row(3),
        row(2, failed_monitors=("error ratio 0.2 > 0.05",)),
        row(1),
    ]
    assert [(r.error_rate, r.drop_rate) for r in data.runs] == [
        (None, None), (0.5, 0.0), (0.0, 0.0), (0.2, 0.0), (0.0, 0.25)]
    assert data.coverage == [
        Coverage(ACME, 4, {"description": 3, "company": 2, "location": 4, "salary": 2,
                           "closing_date": 1, "date_posted": 1, "category": 2}),
        Coverage(BOARD, 2, {"description": 2, "company": 2, "location": 2, "salary": 1,
                            "closing_date": 0, "date_posted": 0, "category": 0}),
        Coverage(EVIL, 1, {"description": 1, "company": 1, "location": 1, "salary": 0,
                           "closing_date": 0, "date_posted": 0, "category": 0}),
    ]
    assert data.periods == [
        PeriodCount(date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 8), new=5, active=2),
        PeriodCount(date(2026, 3, 9), date(2026, 3, 15), date(2026, 3, 9), new=2, active=4),
    ]


def test_gather_filters_by_source_since_and_runs(filled: str) -> None:
    data = read(filled, ReportOptions(runs=1, sources=(ACME, BOARD)))
    assert data.runs == [row(4, duration="-")]
    assert data.totals == Totals(ads=6, live=5, sources=2)
    assert [c.source for c in data.coverage] == [ACME, BOARD]
    data = read(filled, ReportOptions(sources=(ACME,), since=date(2026, 3, 9), freq="day"))
    assert data.runs == [row(3)]
    assert data.periods == [PeriodCount(date(2026, 3, 9), date(2026, 3, 9), date(2026, 3, 9),
                                        new=1, active=3)]
    # Whole periods: the week of the 12th is listed; none after the last day an ad was seen.
    assert [p.start for p in read(filled, ReportOptions(since=date(2026, 3, 12))).periods] == [
        date(2026, 3, 9)]
    assert read(filled, ReportOptions(since=date(2026, 3, 16))).periods == []


def test_options_name_the_bad_option() -> None:
    with pytest.raises(ValueError, match="--runs must be from 1 to 1000, not 0"):
        ReportOptions(runs=0)
    with pytest.raises(ValueError, match="--freq must be one of day, week, not 'month'"):
        ReportOptions(freq="month")


def svg(fragment: str) -> ET.Element:
    """The chart as XML: escaping mistakes would make it unparsable."""
    return ET.fromstring(fragment)


def test_stacked_bars_one_rect_per_nonzero_value_at_exact_heights() -> None:
    chart = svg(bar_chart("c", "T", ["x", "y", "z"],
                          [Series("a", (1.0, 0.0, 2.0)), Series("b", (2.0, 1.0, None))],
                          stacked=True))
    bars = list(chart.iter("rect"))
    assert [(b.get("data-series"), b.get("y"), b.get("height")) for b in bars] == [
        ("0", "137.33", "62.67"), ("1", "12.00", "125.33"),
        ("1", "137.33", "62.67"), ("0", "74.67", "125.33"),
    ]
    assert ["".join(li.itertext()) for li in chart.iter("li")] == ["a", "b"]
    assert [t.text for t in chart.iter("text") if t.get("class") == "tick"] == [
        "0", "1", "2", "3"]
    assert [t.text for t in chart.iter("text") if t.get("class") == "x-label"] == ["x", "y", "z"]


def test_grouped_percent_bars_and_axis() -> None:
    chart = svg(bar_chart("c", "T", ["f1", "f2"], [Series("a", (1.0, 0.5)),
                                                   Series("b", (0.25, 0.0))],
                          stacked=False, percent=True))
    bars = list(chart.iter("rect"))
    assert [b.get("data-series") for b in bars] == ["0", "1", "0"]
    assert [t.text for t in chart.iter("text") if t.get("class") == "tick"] == [
        "0%", "25%", "50%", "75%", "100%"]
    assert bars[0].find("title").text == "f1 \N{EM DASH} a: 100.00%"


@pytest.mark.parametrize(("largest", "percent", "top", "step"), [
    (0, False, 1, 1), (3, False, 3, 1), (7, False, 8, 2), (123, False, 150, 50),
    (0.2, True, 0.2, 0.05), (0.013, True, 0.015, 0.005),
])
def test_axis_fit(largest: float, percent: bool, top: float, step: float) -> None:
    axis = Axis.fit(largest, percent=percent)
    assert (axis.top, axis.step) == pytest.approx((top, step))


def test_line_breaks_at_missing_values() -> None:
    chart = svg(line_chart("c", "T", ["1", "2", "3", "4", "5"],
                           [Series("a", (1.0, None, 2.0, 3.0, None)),
                            Series("b", (None, None, None, None, 4.0))]))
    lines = [(p.get("data-series"), len(p.get("points").split())) for p in chart.iter("polyline")]
    assert lines == [("0", 2)]
    assert [c.get("data-series") for c in chart.iter("circle")] == ["0", "0", "0", "1"]
    assert chart.find(".//circle").find("title").text == "1 \N{EM DASH} a: 1"


def test_long_lines_keep_markers_only_for_isolated_values() -> None:
    values = tuple([1.0] * 150 + [None, 2.0])
    chart = svg(line_chart("c", "T", [str(i) for i in range(152)], [Series("a", values)]))
    assert len(list(chart.iter("polyline"))) == 1
    assert len(list(chart.iter("circle"))) == 1
    assert len([t for t in chart.iter("text") if t.get("class") == "x-label"]) == 8


def test_charts_escape_names_and_labels() -> None:
    fragment = bar_chart(f"c{IMG}", SCRIPT, [EVIL], [Series(EVIL, (1.0,))], stacked=True)
    chart = svg(fragment)
    assert {element.tag for element in chart.iter()} == {
        "figure", "figcaption", "svg", "line", "text", "g", "rect", "title", "ul", "li", "span"}
    assert chart.get("id") == f"c{IMG}"
    assert chart.find("figcaption").text == SCRIPT
    assert "".join(chart.find(".//li").itertext()) == EVIL
    assert chart.find(".//rect/title").text == f"{EVIL} \N{EM DASH} {EVIL}: 1"
    assert "<script" not in fragment
    assert "<img" not in fragment


def test_empty_charts_say_so() -> None:
    for fragment in (bar_chart("c", "T", [], [], stacked=True, empty="Nothing yet."),
                     line_chart("c", "T", ["a"], [Series("s", (None,))], empty="Nothing yet.")):
        chart = svg(fragment)
        assert chart.get("class") == "chart empty"
        assert chart.find("p").text == "Nothing yet."
        assert chart.find(".//svg") is None


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def test_page_is_self_contained_and_escapes_everything(filled: str, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    write_report(filled, ReportOptions(), output, now=NOW)
    page = output.read_text("utf-8")
    found = tags(page)
    names = [tag for tag, _ in found]
    assert "script" not in names
    assert "img" not in names
    assert not [attrs for _, attrs in found if "src" in attrs or "href" in attrs]
    assert not re.search(r"https?://", page)  # nothing to fetch, nor ad URLs
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert names.count("svg") == 5
    assert names.count("tr") == 1 + 5 + 1 + 3  # runs table, coverage table
    assert 'class="badge status-failed">failed<' in page
    assert "generated</dt><dd>2026-03-11 12:00:00 UTC" in page
    assert "active on 2026-03-09</dt><dd>4<" in page


def test_page_of_an_empty_database(sqlite_url: str, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    data = write_report(fill(sqlite_url, [], []), ReportOptions(), output, now=NOW)
    assert (data.runs, data.coverage, data.periods) == ([], [], [])
    page = output.read_text("utf-8")
    assert 'id="empty-database"' in page
    assert page.count("No crawl runs recorded.") == 4  # the table and three run charts
    assert page.count("No ads stored.") == 3  # two charts and the coverage table
    assert "<svg" not in page


def test_page_renders_without_a_database(tmp_path: Path) -> None:
    data = ReportData("sqlite:///x.db", NOW, "v1", ReportOptions(freq="day"),
                      Totals(0, 0, 0), [], [], [])
    assert "<h1>jobcrawl report</h1>" in render(data)


def report(url: str, *args: str) -> Any:
    return run_scrapy("report", *args, "-s", f"JOBCRAWL_DATABASE_URL={url}")


def test_command_writes_the_page_and_a_summary(filled: str, tmp_path: Path) -> None:
    output = tmp_path / "out" / "report.html"
    result = report(filled, "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"report written to {output}\n"
                             "5 runs, 7 ads (6 live) from 3 sources, 2 weeks of counts\n")
    assert sorted(p.name for p in output.parent.iterdir()) == ["report.html"]
    assert output.read_text("utf-8").startswith("<!DOCTYPE html>")
    result = report(filled, "-o", str(output), "--runs", "2", "--freq", "day",
                    "--source", f"{ACME},{BOARD}", "--since", "2026-03-03")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == ("2 runs, 6 ads (5 live) from 2 sources, "
                                             "7 days of counts")


@pytest.mark.parametrize(("args", "message"), [
    ([], "missing -o/--output PATH"),
    (["-o", "r.html", "--runs", "0"], "--runs must be from 1 to 1000, not 0"),
    (["-o", "r.html", "--freq", "month"], "--freq must be one of day, week, not 'month'"),
    (["-o", "r.html", "--since", "2026-13-01"], "--since '2026-13-01' is not a date"),
    (["-o", "r.html", "extra"], "unexpected arguments: extra"),
])
def test_bad_options_are_usage_errors(sqlite_url: str, args: list[str], message: str) -> None:
    result = report(sqlite_url, *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_missing_and_outdated_databases_are_clear_errors(tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    missing = tmp_path / "nope.db"
    result = report(f"sqlite:///{missing}", "-o", str(output))
    assert (result.returncode, result.stderr) == (
        1, f"report failed: database file not found: sqlite:///{missing}\n")
    assert not missing.exists()
    old = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(old, "0002")
    result = report(old, "-o", str(output))
    assert result.returncode == 1
    assert "is at revision 0002 but jobcrawl needs" in result.stderr
    assert "run `scrapy db upgrade`" in result.stderr
    assert not output.exists()
    result = report(old, "-o", str(tmp_path))
    assert (result.returncode, result.stderr) == (
        1, f"report failed: {tmp_path} is a folder; -o names the HTML file to write\n")


def test_command_never_shows_the_database_password(postgres_url: str, tmp_path: Path) -> None:
    # The test server trusts local connections, so any password is accepted.
    url = postgres_url.replace("postgres@", "postgres:s3cret-pw@")
    fill(url, RUNS[:1], JOBS[:1])
    output = tmp_path / "report.html"
    result = report(url, "-o", str(output))
    assert result.returncode == 0, result.stderr
    page = output.read_text("utf-8")
    assert "s3cret-pw" not in page + result.stdout + result.stderr
    assert "postgres:***@127.0.0.1" in page
