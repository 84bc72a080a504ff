"""What a correct crawl of the demo board stores, from the board's own truth."""

from __future__ import annotations

from typing import Any

from jobcrawl.demo.ads import DemoAd
from jobcrawl.demo.sections import closing_words
from jobcrawl.demo.server import DemoBoard
from jobcrawl.extract.ids import webindex_from_url

# What the ad's "Full time" / "Contract" ... line means in jobcrawl's vocabulary.
CONTRACT = {"FULL_TIME": (None, "full_time"), "PART_TIME": (None, "part_time"),
            "CONTRACTOR": ("contract", None), "TEMPORARY": ("temporary", None),
            "INTERN": ("internship", None), None: (None, None)}
CLOSING_SOURCE = {"structured": "structured", "text": "text", "unparseable": "text", "none": None}


def truth_row(ad: DemoAd, url: str, source: str) -> dict[str, Any]:
    """The row a correct crawl stores for `ad`, from the board's own truth."""
    contract_type, contract_time = CONTRACT[ad.employment_type]
    closing_raw = closing_words(ad) if ad.closing_mode == "structured" else ad.closing_raw
    return {
        "webindex": ad.identifier or webindex_from_url(url), "source": source, "url": url,
        "title": ad.title, "company": ad.company, "location": ad.location,
        "category": ad.category, "contract_type": contract_type, "contract_time": contract_time,
        "description": ad.description, "salary_raw": ad.salary_label,
        "salary_min": ad.salary_min, "salary_max": ad.salary_max,
        "salary_currency": ad.salary_currency,
        "salary_period": ad.salary_period.lower() if ad.salary_period else None,
        "date_posted": ad.date_posted.isoformat(),
        "closing_date": ad.closing_date.isoformat() if ad.closing_mode in ("structured", "text")
        else None,
        "closing_date_raw": closing_raw, "closing_date_source": CLOSING_SOURCE[ad.closing_mode],
        "seen_count": 1,
    }


def assert_rows_are_the_truth(board: DemoBoard, rows: list[dict[str, Any]], section: str,
                              source: str) -> None:
    by_url = {row["url"]: row for row in rows}
    assert len(by_url) == len(rows) == len(board.board.ads)
    for ad in board.board.ads:
        url = f"{board.url}/{section}/jobs/{ad.ad_id}"
        expected = truth_row(ad, url, source)
        row = by_url.pop(url)
        assert {key: row[key] for key in expected} == expected, ad.ad_id
    assert by_url == {}
