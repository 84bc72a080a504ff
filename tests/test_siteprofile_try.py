"""`scrapy siteprofile try`: one page through the real crawler, exactly what it prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobcrawl.demo.server import DemoBoard
from tests.utils.paths import FIXTURES, ROOT
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.scrapy import run_scrapy

HTML_PROFILE = ROOT / "profiles" / "demo-html.yaml"
JS_PROFILE = ROOT / "profiles" / "demo-js.yaml"

DJ_000030 = """\
ad page {url}/html/jobs/DJ-000030 (HTTP 200)
  webindex       DJ-000030
  title          Physiotherapist
  company        Harrow & Vale Healthcare
  location       Newcastle upon Tyne
  category       Healthcare & Nursing Jobs
  salary         (empty)
  contract_type  Part time
  date_posted    2026-11-02
  closing_date   (empty)
  description    Join Harrow & Vale Healthcare as a Physiotherapist and help us deliver \
outstanding service in Newcastle upon Tyne.

                 You will deliver safe, compassionate care to residents with complex needs. \
You will keep accurate records and administer medication in line with policy.

                 Excellent communication skills and a positive, can-do attitude are \
essential. You will be highly organised, with strong attention to detail. Relevant \
qualifications are an advantage; full training will be provided.

                 In return we offer generous annual leave, a contributory pension and free \
parking.

                 Please apply online with an up to date CV. Deadline: TBC
as stored:
  webindex       DJ-000030
  date_posted    2026-11-02
  closing_date   not a date (text: 'Deadline: TBC')
  salary         none
  contract       part_time
warning: salary is empty: css:.salary matches nothing on this page
warning: closing_date is empty: css:.closing (regex 'Closing date:\\s*(.+)') matches nothing \
on this page (the crawl looks for a closing date in the description)
"""


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard() as demo:
        yield demo


def local_profile(shipped: Path, board: DemoBoard, tmp_path: Path) -> Path:
    """A shipped profile pointed at the test's board (`try` has no base_url)."""
    path = tmp_path / shipped.name
    path.write_text(shipped.read_text(encoding="utf-8").replace("http://127.0.0.1:8765",
                                                                board.url), encoding="utf-8")
    return path


def try_page(*args: str) -> tuple[int, str, str]:
    result = run_scrapy("siteprofile", "try", *args)
    return result.returncode, result.stdout, result.stderr


def listing_lines(board: DemoBoard, number: int, next_page: str) -> str:
    ads = board.board.ads[(number - 1) * 20:number * 20]
    return "".join(f"  {board.url}/html/jobs/{ad.ad_id}\n" for ad in ads) + (
        f"next page (listing.next css:a.next): {next_page}\n")


def test_without_a_url_the_first_start_url_is_tried_as_a_listing(
        board: DemoBoard, tmp_path: Path) -> None:
    code, out, err = try_page(str(local_profile(HTML_PROFILE, board, tmp_path)))
    assert (code, err) == (0, "")
    assert out == (f"listing page {board.url}/html/jobs (HTTP 200)\n"
                   "ad links (listing.links css:ul.job-list a.job-link): 20\n"
                   + listing_lines(board, 1, f"{board.url}/html/jobs?page=2"))


def test_another_page_of_a_start_url_is_a_listing_too(board: DemoBoard, tmp_path: Path) -> None:
    code, out, err = try_page(str(local_profile(HTML_PROFILE, board, tmp_path)),
                              f"{board.url}/html/jobs?page=15")
    assert (code, err) == (0, "")
    assert out == (f"listing page {board.url}/html/jobs?page=15 (HTTP 200)\n"
                   "ad links (listing.links css:ul.job-list a.job-link): 20\n"
                   + listing_lines(board, 15, "none (the last page?)"))


def test_an_ad_page_prints_every_field_what_is_stored_and_warns_of_empty_ones(
        board: DemoBoard, tmp_path: Path) -> None:
    code, out, err = try_page(str(local_profile(HTML_PROFILE, board, tmp_path)),
                              f"{board.url}/html/jobs/DJ-000030")
    assert (code, err) == (0, "")
    assert out == DJ_000030.format(url=board.url)


def test_a_listing_read_as_an_ad_says_why_each_field_is_empty_and_hints(
        board: DemoBoard, tmp_path: Path) -> None:
    code, out, _ = try_page(str(local_profile(HTML_PROFILE, board, tmp_path)), "--ad",
                            f"{board.url}/html/jobs")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"ad page {board.url}/html/jobs (HTTP 200)"
    # Listing rows have a .company: the first one is "found".
    company = next(ad.company for ad in board.board.ads if ad.company)
    assert lines[1:4] == ["  webindex       (empty)", "  title          (empty)",
                          f"  company        {company}"]
    assert lines[-3:] == [
        "warning: closing_date is empty: css:.closing (regex 'Closing date:\\s*(.+)') matches "
        "nothing on this page (the crawl looks for a closing date in the description)",
        "warning: description is empty: css:.description matches nothing on this page",
        "hint: listing.links finds 20 ad link(s) here: a listing page? (try it with --listing)",
    ]


def test_a_saved_page_is_read_as_saved_and_its_links_resolve_against_the_start_url(
        tmp_path: Path) -> None:
    code, out, err = try_page(str(HTML_PROFILE), "--listing",
                              str(FIXTURES / "site" / "demo-listing-2.html"))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:3] == [
        f"listing page {(FIXTURES / 'site' / 'demo-listing-2.html').as_uri()} (a saved page)",
        "ad links (listing.links css:ul.job-list a.job-link): 20",
        "  http://127.0.0.1:8765/html/jobs/DJ-000021"]
    assert lines[-1] == "next page (listing.next css:a.next): http://127.0.0.1:8765/html/jobs?page=3"


def test_json_for_scripts_holds_the_fields_and_the_stored_item(
        board: DemoBoard, tmp_path: Path) -> None:
    code, out, _ = try_page(str(local_profile(HTML_PROFILE, board, tmp_path)), "--json",
                            f"{board.url}/html/jobs/DJ-000021")
    assert code == 0
    result = json.loads(out)
    ad = board.board.ad("DJ-000021")
    assert (result["kind"], result["status"], result["links"], result["empty"]) == (
        "ad", 200, [], {})
    assert result["fields"]["closing_date"] == "15/11/2026"
    assert result["fields"]["description"] == ad.description
    item = result["item"]
    assert (item["webindex"], item["title"], item["closing_date"], item["salary_min"],
            item["salary_max"], item["contract_time"]) == (
        "DJ-000021", ad.title, "2026-11-15", ad.salary_min, ad.salary_max, "full_time")


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/html/jobs/DJ-999999", "HTTP 404"),
     ("/private/jobs/DJ-P00001", "Forbidden by robots.txt"),
     ("/js/api/jobs", "not HTML (application/json)")],
)
def test_a_page_that_cannot_be_read_is_one_line_and_exit_1(
        board: DemoBoard, tmp_path: Path, path: str, reason: str) -> None:
    code, out, err = try_page(str(local_profile(HTML_PROFILE, board, tmp_path)),
                              board.url + path)
    assert (code, out) == (1, "")
    assert err == f"scrapy siteprofile try: cannot read {board.url}{path}: {reason}\n"


def test_a_refused_connection_and_a_missing_file_are_one_line_too(tmp_path: Path) -> None:
    with RecordedServer({}) as gone:
        url = f"{gone.url}/jobs"
    code, out, err = try_page(str(HTML_PROFILE), url, "-s", "RETRY_TIMES=0")
    assert (code, out) == (1, "")
    assert err.startswith(f"scrapy siteprofile try: cannot read {url}: "
                          "DownloadConnectionRefusedError: ")
    assert err.count("\n") == 1
    missing = tmp_path / "saved.html"
    code, out, err = try_page(str(HTML_PROFILE), str(missing))
    assert (code, out) == (1, "")
    assert err == (f"scrapy siteprofile try: cannot read {missing.as_uri()}: FileNotFoundError: "
                   f"[Errno 2] No such file or directory: '{missing}'\n")


def test_the_page_is_fetched_as_a_crawl_fetches_it_robots_txt_and_user_agent_first(
        tmp_path: Path) -> None:
    page = (FIXTURES / "site" / "nordwind-job.html").read_bytes()
    routes = {"/robots.txt": Recorded.text("User-agent: *\nDisallow: /intern/\n",
                                           content_type="text/plain"),
              "/jobs/4711": Recorded(page, content_type="text/html; charset=utf-8")}
    with RecordedServer(routes) as server:
        code, out, err = try_page(str(FIXTURES / "site" / "nordwind.yaml"),
                                  f"{server.url}/jobs/4711",
                                  "-s", "JOBCRAWL_CONTACT=ops@uni.example")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"ad page {server.url}/jobs/4711 (HTTP 200)"
    assert [request.target for request in server.requests] == ["/robots.txt", "/jobs/4711"]
    agent = server.requests[1].headers["User-Agent"]
    assert agent.startswith("jobcrawl/") and "+ops@uni.example" in agent


def test_a_profile_with_errors_is_listed_and_nothing_is_fetched(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: acme\nstart_urls: [http://127.0.0.1:9/jobs]\nlisting: {links: 'a'}\n",
                    encoding="utf-8")
    code, out, err = try_page(str(path))
    assert (code, out) == (1, "")
    assert err == ("scrapy siteprofile try: "
                   f"{path}: fields: required: a mapping of field name to selector; title and "
                   "description are required\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["profiles/demo-html.yaml", "http://a.example/", "http://b.example/"],
      "try takes one profile and at most one URL or file"),
     (["profiles/demo-html.yaml", "ftp://a.example/jobs"],
      "not an http(s) URL or a file: 'ftp://a.example/jobs'")],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    code, _, err = try_page(*args)
    assert code == 2
    assert err.endswith(f"error: {message}\n")


def test_a_rendered_listing_is_tried_in_chromium(
        board: DemoBoard, chromium: str, tmp_path: Path) -> None:
    code, out, err = try_page(str(local_profile(JS_PROFILE, board, tmp_path)),
                              "-s", f"JOBCRAWL_CHROMIUM_PATH={chromium}")
    assert (code, err) == (0, ""), err[-2000:]
    ads = board.board.ads[:20]
    assert out == (f"listing page {board.url}/js/jobs (HTTP 200)\n"
                   "ad links (listing.links css:#job-list a.job-link): 20\n"
                   + "".join(f"  {board.url}/js/jobs/{ad.ad_id}\n" for ad in ads)
                   + "next page (listing.next xpath://nav[@id='pagination']/a[@rel='next']): "
                   f"{board.url}/js/jobs?page=2\n")


def test_a_rendered_profile_without_chromium_is_one_line(board: DemoBoard, tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"
    code, out, err = try_page(str(local_profile(JS_PROFILE, board, tmp_path)),
                              "-s", f"JOBCRAWL_CHROMIUM_PATH={missing}")
    assert (code, out) == (1, "")
    assert err == (f"scrapy siteprofile try: setting JOBCRAWL_CHROMIUM_PATH: no Chromium at "
                   f"'{missing}'; the profile renders pages: install it (apt-get install "
                   "chromium) or set the path\n")
