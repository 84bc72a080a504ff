"""Politeness by default: robots.txt obeyed, a contact in the User-Agent, no offsite links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobcrawl import settings as project_settings
from jobcrawl.downloader.throttle import is_loopback
from jobcrawl.security.useragent import DEFAULT_USER_AGENT, contact_value, user_agent
from jobcrawl.spiders.site import SiteSpider
from tests.utils.paths import ROOT
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.scrapy import run_scrapy

CONTACT = "corpus-team@example.org"
POSTING = {
    "@context": "https://schema.org", "@type": "JobPosting", "identifier": "ad-1",
    "title": "Data Analyst", "description": "<p>Analyse data.</p>",
    "datePosted": "2026-03-01", "hiringOrganization": {"@type": "Organization", "name": "Acme"},
}


def html(body: str) -> Recorded:
    return Recorded.text(f"<!doctype html><html><body>{body}</body></html>",
                         content_type="text/html; charset=utf-8")


def board() -> RecordedServer:
    """A listing linking one ad, one page robots.txt forbids and two offsite ads.

    `http://localhost:PORT/...` reaches this very server under another host name, so
    following it would show up in its requests.
    """
    server = RecordedServer({})
    port = server.url.rsplit(":", 1)[1]
    posting = json.dumps(POSTING)
    server.routes.update({
        ("/robots.txt", ()): Recorded.text("User-agent: *\nDisallow: /private/\n",
                                           content_type="text/plain"),
        ("/jobs", ()): html(
            '<a href="/jobs/1">ad</a> <a href="/private/2">private</a> '
            f'<a href="http://localhost:{port}/jobs/3">elsewhere</a> '
            '<a href="http://jobs.other.test/jobs/4">other board</a>'),
        ("/jobs/1", ()): html(f'<script type="application/ld+json">{posting}</script>'),
    })
    return server


def crawl(server: RecordedServer, tmp_path: Path, *settings: str,
          throttle: bool = False) -> dict[str, object]:
    stats_path = tmp_path / "stats.json"
    result = run_scrapy(
        "crawl", "jobposting", "-a", f"url={server.url}/jobs",
        "-s", f"AUTOTHROTTLE_ENABLED={throttle}",
        "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{tmp_path / 'jobs.db'}",
        "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}", *settings,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(stats_path.read_text())


def test_the_defaults_are_polite() -> None:
    assert project_settings.ROBOTSTXT_OBEY is True
    assert project_settings.AUTOTHROTTLE_ENABLED is True
    assert project_settings.JOBCRAWL_CONTACT == ""
    assert project_settings.USER_AGENT == DEFAULT_USER_AGENT
    assert "ContactUserAgent" in next(iter(project_settings.ADDONS))


def test_robots_txt_contact_and_offsite_links(tmp_path: Path) -> None:
    with board() as server:
        stats = crawl(server, tmp_path, "-s", f"JOBCRAWL_CONTACT={CONTACT}")
    assert sorted(r.target for r in server.requests) == ["/jobs", "/jobs/1", "/robots.txt"]
    assert {r.headers.get("Host", "").split(":")[0] for r in server.requests} == {"127.0.0.1"}
    expected = f"jobcrawl/0.1 (+{CONTACT}; research job-advert corpus crawler)"
    assert {r.headers["User-Agent"] for r in server.requests} == {expected}
    assert stats["robotstxt/forbidden"] == 1
    # Offsite links are left out when the listing is read (extract.links); Scrapy's
    # OffsiteMiddleware, with the spider's allowed_domains, would drop them after that.
    assert stats["jobcrawl/store/new"] == 1


def test_a_user_agent_set_by_the_user_wins(tmp_path: Path) -> None:
    with board() as server:
        crawl(server, tmp_path, "-s", f"JOBCRAWL_CONTACT={CONTACT}",
              "-s", "USER_AGENT=acme-research/2.0 (+https://acme.example/bot)")
    assert {r.headers["User-Agent"] for r in server.requests} == {
        "acme-research/2.0 (+https://acme.example/bot)"}


def test_no_contact_keeps_the_default_user_agent(tmp_path: Path) -> None:
    with board() as server:
        crawl(server, tmp_path)
    assert {r.headers["User-Agent"] for r in server.requests} == {DEFAULT_USER_AGENT}


@pytest.mark.parametrize("contact", ["a@b.test\r\nX-Injected: 1", "me (evil)", "caf\u00e9@x.test",
                                     "tab\there"])
def test_a_contact_that_cannot_go_in_a_header_is_refused(contact: str) -> None:
    with pytest.raises(ValueError, match="JOBCRAWL_CONTACT"):
        contact_value(contact)


def test_contact_forms() -> None:
    assert contact_value("  https://acme.example/bot  ") == "https://acme.example/bot"
    assert user_agent("") == DEFAULT_USER_AGENT
    assert user_agent("https://acme.example/bot") == (
        "jobcrawl/0.1 (+https://acme.example/bot; research job-advert corpus crawler)")


def test_the_site_spider_keeps_to_its_start_hosts() -> None:
    profile = str(ROOT / "profiles" / "demo-html.yaml")
    assert SiteSpider(profile=profile).allowed_domains == ["127.0.0.1"]
    moved = SiteSpider(profile=profile, base_url="http://mirror.example:8080")
    assert moved.allowed_domains == ["mirror.example"]


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("LOCALHOST.", True),
    ("::1", True), ("[::1]", True), ("app.localhost", True), ("10.0.0.5", False),
    ("192.168.1.2", False), ("jobs.example.com", False), ("", False), (None, False)])
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_autothrottle_leaves_loopback_servers_alone(tmp_path: Path) -> None:
    with board() as server:
        stats = crawl(server, tmp_path, throttle=True)
    assert stats["jobcrawl/throttle/loopback_responses"] == stats["response_received_count"] == 3
    assert "jobcrawl/throttle/max_delay" not in stats


def test_a_loopback_slot_never_waits_out_autothrottles_start_delay(tmp_path: Path) -> None:
    # Every new slot starts with AUTOTHROTTLE_START_DELAY; the robots.txt fetch used to
    # leave a timer of that delay behind it (30-90 s here), which held the listing page
    # back: such a crawl ends by CLOSESPIDER_TIMEOUT once the timer has fired.
    with board() as server:
        stats = crawl(server, tmp_path, "-s", "AUTOTHROTTLE_START_DELAY=60",
                      "-s", "AUTOTHROTTLE_MAX_DELAY=60", "-s", "CLOSESPIDER_TIMEOUT=25",
                      throttle=True)
    assert stats["finish_reason"] == "finished"
    assert stats["jobcrawl/throttle/loopback_responses"] == stats["response_received_count"] == 3


def test_autothrottle_can_throttle_loopback_servers_too(tmp_path: Path) -> None:
    with board() as server:
        stats = crawl(server, tmp_path, "-s", "JOBCRAWL_THROTTLE_LOOPBACK=True",
                      "-s", "AUTOTHROTTLE_START_DELAY=0.05", throttle=True)
    assert "jobcrawl/throttle/loopback_responses" not in stats
    assert 0 < stats["jobcrawl/throttle/max_delay"] < 30  # AUTOTHROTTLE_MAX_DELAY
