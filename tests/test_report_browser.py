"""The report page in headless Chromium: charts drawn, nothing loaded or run, strings escaped."""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

import pytest

from jobcrawl.report.charts import PALETTE
from tests.utils.report import ACME, BOARD, EVIL, IMG, JOBS, RUNS, SCRIPT, fill
from tests.utils.scrapy import run_scrapy

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Page

# What the charts must hold for tests.test_report's RUNS and JOBS (oldest run first:
# run1 acme, run2 board, run3 acme, run5 evil, run4 board still running).
EXPECTED = {
    # chart id: (bars, lines, points, legend entries)
    "chart-stored": (4, 0, 0, [ACME, BOARD, EVIL]),      # run4 stored nothing
    "chart-effects": (6, 0, 0, ["new", "updated", "touched"]),  # new x4, run3's updated, touched
    "chart-rates": (0, 2, 8, ["error rate (errors / requests)", "drop rate (dropped / items)"]),
    "chart-coverage": (14, 0, 0, [ACME, BOARD, EVIL]),   # 7 + 4 + 3 fields with any coverage
    "chart-counts": (0, 2, 4, ["new in the week", "active at the week's end"]),
}


def png_pixels(data: bytes) -> list[tuple[int, int, int]]:
    """The RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour, interlace) in ((8, 2, 0), (8, 6, 0))
    size = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * size
    previous, pixels = bytearray(stride), []
    for row in range(height):
        start = row * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous, size)
        pixels.extend(tuple(line[i:i + 3]) for i in range(0, stride, size))
        previous = line
    return pixels


def _unfilter(kind: int, line: bytearray, above: bytearray, size: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - size] if i >= size else 0
        up, corner = above[i], (above[i - size] if i >= size else 0)
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 2:
            line[i] = (line[i] + up) & 255
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            guess = left + up - corner
            best = min((abs(guess - left), 0, left), (abs(guess - up), 1, up),
                       (abs(guess - corner), 2, corner))[2]
            line[i] = (line[i] + best) & 255
    return line


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    url = fill(f"sqlite:///{folder / 'jobs.db'}", RUNS, JOBS)
    output = folder / "report.html"
    result = run_scrapy("report", "-o", str(output), "-s", f"JOBCRAWL_DATABASE_URL={url}")
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture
def report_page(chromium: str, report_file: Path
                ) -> Iterator[tuple[Page, dict[str, list[str]]]]:
    from playwright.sync_api import sync_playwright

    events: dict[str, list[str]] = {"console": [], "errors": [], "dialogs": [], "requests": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.on("console", lambda m: events["console"].append(f"{m.type}: {m.text}"))
            tab.on("pageerror", lambda e: events["errors"].append(str(e)))
            tab.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
            tab.on("request", lambda r: events["requests"].append(r.url))
            tab.goto(report_file.as_uri())
            tab.wait_for_load_state("load")
            yield tab, events
        finally:
            browser.close()


def test_charts_are_drawn_with_the_data(report_page: tuple[Page, dict[str, list[str]]],
                                        tmp_path: Path) -> None:
    tab, events = report_page
    for chart_id, (bars, lines, points, legend) in EXPECTED.items():
        chart = tab.locator(f"#{chart_id}")
        box = chart.locator("svg.plot").bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, chart_id
        assert chart.locator("rect.bar").count() == bars, chart_id
        assert chart.locator("polyline.line").count() == lines, chart_id
        assert chart.locator("circle.point").count() == points, chart_id
        assert chart.locator("li.legend-item").all_text_contents() == legend, chart_id
        for mark in chart.locator("rect.bar, polyline.line, circle.point").all():
            mark_box = mark.bounding_box()
            assert mark_box is not None and mark_box["width"] > 0 and mark_box["height"] > 0
    tab.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    pixels = png_pixels(tab.locator("#chart-stored").screenshot())
    colours = set(pixels)
    # Each source's bars are drawn in its own colour, and they cover a fair share of the chart.
    assert {rgb(c) for c in PALETTE[:3]} <= colours
    painted = sum(1 for p in pixels if p in {rgb(c) for c in PALETTE[:3]})
    assert painted > len(pixels) // 20
    assert (events["console"], events["errors"], events["dialogs"]) == ([], [], [])
    assert events["requests"] == [tab.url]  # the file itself, nothing else


def test_strings_from_the_web_stay_text(report_page: tuple[Page, dict[str, list[str]]]) -> None:
    tab, events = report_page
    assert tab.evaluate("document.querySelectorAll('script, img, iframe, object, embed').length"
                        ) == 0
    cells = tab.locator('tr[data-run="run5"] td').all_text_contents()
    assert cells[2] == EVIL
    assert cells[4] == "failed"
    assert cells[-2:] == [f"shutdown {SCRIPT}", IMG]
    assert tab.locator("#coverage-table tbody tr td:first-child").all_text_contents() == [
        ACME, BOARD, EVIL]
    titles = tab.locator("#chart-stored rect.bar title").all_text_contents()
    assert titles[-1] == f"03-10 02:00 \N{EM DASH} {EVIL}: 1"
    assert events["dialogs"] == []


def test_the_page_needs_no_javascript(chromium: str, report_file: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            tab = browser.new_page(java_script_enabled=False)
            tab.goto(report_file.as_uri())
            assert tab.locator("svg.plot").count() == len(EXPECTED)
            assert tab.locator("rect.bar").count() == sum(v[0] for v in EXPECTED.values())
        finally:
            browser.close()
