"""JobItem: the one definition of a job advert record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

from itemadapter import ItemAdapter


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(kw_only=True)
class JobItem:
    """One job advert as it leaves a spider and enters the pipelines.

    Required fields (checked by the validate pipeline) default to "" so that
    extraction can always build an item and the pipeline can say what is missing.
    """

    webindex: str = ""
    source: str = ""
    url: str = ""
    title: str = ""
    company: str | None = None
    location: str | None = None
    category: str | None = None
    contract_type: str | None = None
    contract_time: str | None = None
    description: str = ""
    salary_raw: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = None
    salary_period: str | None = None
    date_posted: date | None = None
    closing_date: date | None = None
    closing_date_raw: str | None = None
    closing_date_source: str | None = None
    remote: bool | None = None
    scraped_at: datetime = field(default_factory=_utcnow)


JOB_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(JobItem))
REQUIRED_FIELDS: tuple[str, ...] = ("webindex", "source", "url", "title", "description")


def item_fields(item: Any) -> Mapping[str, Any]:
    """An item's fields by name, read-only: a JobItem's own, else through ItemAdapter.

    Pipelines read a few fields of every item; an ItemAdapter costs ten times more
    than the dataclass's __dict__ for the same answers.
    """
    if type(item) is JobItem:
        return vars(item)
    return ItemAdapter(item)
